"""python-escpos connections with a time-out on every read and write, opened from settings."""

from __future__ import annotations

import io
import os
import select
import socket
from typing import Any

import usb.core  # type: ignore[import-untyped]
from escpos.escpos import Escpos  # type: ignore[import-untyped]
from escpos.printer import Network, Serial, Usb  # type: ignore[import-untyped]

from drivers.printer.settings import ConnectionKind, PrinterSettings

# Status answers are one byte; python-escpos reads up to 16 on every connection.
READ_SIZE = 16


class TimedUsb(Usb):  # type: ignore[misc]
    """Usb whose reads time out: python-escpos reads without one, and a mute printer hangs."""

    def __init__(self, settings: PrinterSettings) -> None:
        super().__init__(
            settings.vendor_id,
            settings.product_id,
            timeout=settings.write_timeout_ms,
            in_ep=settings.in_endpoint,
            out_ep=settings.out_endpoint,
            profile=settings.profile,
        )
        self.read_timeout_ms = settings.status_timeout_ms

    def _read(self) -> bytes:
        try:
            return bytes(self.device.read(self.in_ep, READ_SIZE, self.read_timeout_ms))
        except usb.core.USBTimeoutError:
            return b""


class TimedSerial(Serial):  # type: ignore[misc]
    """Serial whose writes time out too (pyserial waits forever on a stalled flow control)."""

    def __init__(self, settings: PrinterSettings) -> None:
        super().__init__(
            settings.device,
            settings.baudrate,
            timeout=settings.status_timeout_ms / 1000,
            profile=settings.profile,
        )
        self.write_timeout = settings.write_timeout_ms / 1000

    def open(self, raise_not_found: bool = True) -> None:
        super().open(raise_not_found)
        self.device.write_timeout = self.write_timeout


class TimedNetwork(Network):  # type: ignore[misc]
    """Network with a short time-out to connect and answer, and a longer one to send a job."""

    def __init__(self, settings: PrinterSettings) -> None:
        super().__init__(settings.host, settings.port, settings.status_timeout_ms / 1000)
        self.write_timeout = settings.write_timeout_ms / 1000

    def open(self, raise_not_found: bool = True) -> None:
        # python-escpos leaves the socket of a failed connect open; create_connection closes it.
        self.device = socket.create_connection((self.host, self.port), self.timeout)

    def _raw(self, msg: bytes) -> None:
        sock: socket.socket = self.device
        sock.settimeout(self.write_timeout)
        sock.sendall(msg)

    def _read(self) -> bytes:
        sock: socket.socket = self.device
        sock.settimeout(self.timeout)
        try:
            return sock.recv(READ_SIZE)
        except TimeoutError:
            return b""


class DeviceFile(Escpos):  # type: ignore[misc]
    """A device node opened read-write: python-escpos's File cannot read status answers."""

    _device: Any = False  # python-escpos: False before opening, None after a failed open

    def __init__(self, settings: PrinterSettings) -> None:
        super().__init__(profile=settings.profile)
        self.path = settings.device
        self.read_timeout = settings.status_timeout_ms / 1000
        self.write_timeout = settings.write_timeout_ms / 1000

    def open(self, raise_not_found: bool = True) -> None:
        # Unbuffered and non-blocking, so that select() and the time-outs decide how long to wait.
        fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY)
        self.device = io.FileIO(fd, "r+")

    def _raw(self, msg: bytes) -> None:
        device: io.FileIO = self.device
        view = memoryview(msg)
        while view:
            if not select.select([], [device], [], self.write_timeout)[1]:
                raise TimeoutError(f"{self.path} took no data for {self.write_timeout:g} s")
            written = device.write(view) or 0
            view = view[written:]

    def _read(self) -> bytes:
        device: io.FileIO = self.device
        if not select.select([device], [], [], self.read_timeout)[0]:
            return b""
        return device.read(READ_SIZE) or b""

    def close(self) -> None:
        device, self._device = self._device, False
        if device:
            device.close()


def open_connection(settings: PrinterSettings) -> Any:
    """A connection for `settings`; it opens on first use, and python-escpos is untyped."""
    match settings.kind:
        case ConnectionKind.USB:
            return TimedUsb(settings)
        case ConnectionKind.SERIAL:
            return TimedSerial(settings)
        case ConnectionKind.NETWORK:
            return TimedNetwork(settings)
        case ConnectionKind.FILE:
            return DeviceFile(settings)
