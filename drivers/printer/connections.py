"""python-escpos connections with a time-out on every read and write, opened from settings.

Each also has `discard_input()`: what the printer sent that nobody read (a status answer that
came after its time-out) is thrown away before the next request, so that it cannot pass for
that request's answer; a connection the printer has closed raises there instead.
"""

from __future__ import annotations

import io
import os
import select
import socket
from typing import Any

import usb.core  # type: ignore[import-untyped]
from escpos.escpos import Escpos  # type: ignore[import-untyped]
from escpos.printer import Network, Serial, Usb  # type: ignore[import-untyped]

from drivers.printer.settings import ConnectionKind, FlowControl, PrinterSettings

# Status answers are one byte; python-escpos reads up to 16 on every connection.
READ_SIZE = 16
# Reads to empty the input: enough for any backlog of late answers, bounded for a printer
# that keeps sending (automatic status back).
MAX_DISCARDED_READS = 64
# How long a USB read waits when only emptying the input (pyusb takes 0 to mean no limit).
DISCARD_TIMEOUT_MS = 1
# A byte on a serial line: start bit, 8 data bits, stop bit.
SERIAL_BITS_PER_BYTE = 10


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

    def _configure_usb(self) -> None:
        """Set a configuration only on an unconfigured device, and never reset it.

        python-escpos calls set_configuration() and reset() on every open. On a configured
        device the first is a "lightweight reset" (libusb) that some devices do not follow (the
        pyusb FAQ: later writes time out), and the second is a USB port reset, after which
        libusb may find the device re-enumerated and its handle gone (python-escpos issue #387
        shows one in dmesg with each print). Linux configures a printer when it is plugged in,
        so neither is needed to print.
        """
        try:
            self.device.get_active_configuration()
        except usb.core.USBError:  # pyusb: "Configuration not set"
            self.device.set_configuration()

    def _read(self) -> bytes:
        return self._read_within(self.read_timeout_ms)

    def discard_input(self) -> None:
        for _ in range(MAX_DISCARDED_READS):
            if not self._read_within(DISCARD_TIMEOUT_MS):
                return

    def _read_within(self, timeout_ms: int) -> bytes:
        try:
            return bytes(self.device.read(self.in_ep, READ_SIZE, timeout_ms))
        except usb.core.USBTimeoutError:
            return b""


class TimedSerial(Serial):  # type: ignore[misc]
    """Serial whose writes time out too (pyserial waits forever on a stalled flow control).

    pyserial's write time-out covers the whole write, and at 9600 baud an image ticket takes
    about 47 s on the line: each job gets the time its bytes take, plus the write time-out.
    """

    def __init__(self, settings: PrinterSettings) -> None:
        # python-escpos asks pyserial for DTR/DSR flow control by default, which pyserial does
        # not do on Linux, and offers no RTS/CTS (its docs say dsrdtr=False gives it; it
        # does not): the printer's flow control is set here, on the port once open.
        super().__init__(
            settings.device,
            settings.baudrate,
            timeout=settings.status_timeout_ms / 1000,
            xonxoff=settings.flow_control is FlowControl.XONXOFF,
            dsrdtr=False,
            profile=settings.profile,
        )
        self.rtscts = settings.flow_control is FlowControl.RTSCTS
        self.write_timeout = settings.write_timeout_ms / 1000

    def open(self, raise_not_found: bool = True) -> None:
        super().open(raise_not_found)
        if self.device is not None and self.rtscts:
            self.device.rtscts = True

    def _raw(self, msg: bytes) -> None:
        self.device.write_timeout = self.write_timeout + self._line_seconds(len(msg))
        self.device.write(msg)

    def _line_seconds(self, size: int) -> float:
        """How long `size` bytes take on the line at the configured speed."""
        return size * SERIAL_BITS_PER_BYTE / float(self.baudrate)

    def discard_input(self) -> None:
        self.device.reset_input_buffer()


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
            return _received(sock.recv(READ_SIZE))
        except TimeoutError:
            return b""

    def discard_input(self) -> None:
        sock: socket.socket = self.device
        sock.settimeout(0)
        try:
            for _ in range(MAX_DISCARDED_READS):
                _received(sock.recv(READ_SIZE))
        except BlockingIOError:
            return


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
        return self._read_within(self.read_timeout)

    def discard_input(self) -> None:
        for _ in range(MAX_DISCARDED_READS):
            if not self._read_within(0):
                return

    def _read_within(self, timeout: float) -> bytes:
        device: io.FileIO = self.device
        if not select.select([device], [], [], timeout)[0]:
            return b""
        return device.read(READ_SIZE) or b""

    def close(self) -> None:
        device, self._device = self._device, False
        if device:
            device.close()


def _received(data: bytes) -> bytes:
    """`data` from recv(); nothing at all means the printer has closed the connection."""
    if not data:
        # Network printers drop idle connections: silence here would read as "no answer"
        # forever, and a job would go into a dead socket.
        raise ConnectionResetError("the printer closed the connection")
    return data


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
