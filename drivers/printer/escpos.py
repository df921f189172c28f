"""EscposPrinter: a TicketPrinter over a python-escpos connection, its I/O in a worker thread."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import usb.core  # type: ignore[import-untyped]
from escpos.exceptions import Error as EscposLibraryError  # type: ignore[import-untyped]

from drivers.printer.base import (
    PrinterCondition,
    PrinterStatus,
    PrintFailed,
    TicketPrinter,
)
from drivers.printer.connections import open_connection
from drivers.printer.fake import FakePrinter
from drivers.printer.resync import resync_bytes
from drivers.printer.settings import PrinterSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

# What the libraries raise when a device is missing or fails: pyusb's NoBackendError is a
# ValueError that python-escpos lets through; socket and pyserial errors are OSErrors.
DEVICE_ERRORS = (OSError, EscposLibraryError, usb.core.NoBackendError)

# Real-time status requests (DLE EOT n): answered even when the printer is offline or busy.
PRINTER_STATUS, OFFLINE_CAUSE, PAPER_SENSOR = b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04"
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12  # every status byte has bits 1 and 4 set, 0 and 7 clear
_OFFLINE = 0x08  # PRINTER_STATUS
_COVER_OPEN, _PAPER_END_STOP, _ERROR = 0x04, 0x20, 0x40  # OFFLINE_CAUSE
_NEAR_END, _PAPER_END = 0x0C, 0x60  # PAPER_SENSOR


def condition_from_answers(ask: Callable[[bytes], bytes]) -> PrinterStatus:
    """Read the condition through `ask` (send a request, return the answer, b"" on silence)."""

    def byte(request: bytes) -> int | None:
        answer = ask(request)
        # A late answer to an earlier request may come first; the last byte is the newest.
        if not answer or answer[-1] & _FIXED_MASK != _FIXED_BITS:
            return None
        return answer[-1]

    status = byte(PRINTER_STATUS)
    if status is None:
        return PrinterStatus(PrinterCondition.UNKNOWN, "no readable answer to DLE EOT 1")
    if status & _OFFLINE:
        cause = byte(OFFLINE_CAUSE) or 0
        if cause & _COVER_OPEN:
            return PrinterStatus(PrinterCondition.COVER_OPEN, "the cover is open")
        if cause & _PAPER_END_STOP:
            return PrinterStatus(PrinterCondition.PAPER_OUT, "stopped at the paper end")
        detail = "the printer reports an error" if cause & _ERROR else "the printer is offline"
        return PrinterStatus(PrinterCondition.OFFLINE, detail)
    paper = byte(PAPER_SENSOR)
    if paper is None:
        return PrinterStatus(PrinterCondition.UNKNOWN, "no readable answer to DLE EOT 4")
    if paper & _PAPER_END == _PAPER_END:
        return PrinterStatus(PrinterCondition.PAPER_OUT, "the paper has run out")
    if paper & _NEAR_END == _NEAR_END:
        return PrinterStatus(PrinterCondition.PAPER_LOW, "the paper is near its end")
    return PrinterStatus(PrinterCondition.OK)


class EscposPrinter:
    """Sends jobs and status requests over one python-escpos connection, one at a time.

    The connection stays open while it works: a printer that does not answer status queries
    is not a reason to reopen it (a USB open detaches the kernel driver and configures the
    device). Only an I/O error closes it, and the next request opens it afresh.
    """

    def __init__(
        self, settings: PrinterSettings, connect: Callable[[PrinterSettings], Any] = open_connection
    ) -> None:
        self.settings = settings
        self._connect = connect
        self._connection: Any = None
        # Length of the last write that failed, while the printer may still be waiting for
        # the rest of it; 0 when its parser is known to be in step (see resync.py).
        self._cut_off_length = 0
        # One thread per printer: requests stay in order, and the event loop never waits on
        # a device; every blocking call in it has its own time-out.
        self._worker = ThreadPoolExecutor(1, thread_name_prefix=f"printer-{settings.name}")

    @property
    def name(self) -> str:
        return self.settings.name

    async def status(self) -> PrinterStatus:
        def ask(connection: Any, request: bytes) -> bytes:
            self._send(connection, request)
            return bytes(connection._read())

        try:
            return await self._run(
                lambda conn: condition_from_answers(lambda request: ask(conn, request))
            )
        except DEVICE_ERRORS as exc:
            return PrinterStatus(PrinterCondition.OFFLINE, f"{self.name}: {exc}")

    async def print_job(self, job: bytes) -> None:
        try:
            await self._run(lambda conn: self._send(conn, job))
        except DEVICE_ERRORS as exc:
            raise PrintFailed(f"{self.name}: {exc}") from exc

    async def close(self) -> None:
        await self._run_without_connection(self._drop)

    async def _run(self, work: Callable[[Any], T]) -> T:
        def in_thread() -> T:
            try:
                return work(self._ready_connection())
            except DEVICE_ERRORS:
                # python-escpos never reopens a connection whose open failed: start afresh.
                self._drop()
                raise

        return await asyncio.get_running_loop().run_in_executor(self._worker, in_thread)

    async def _run_without_connection(self, work: Callable[[], None]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._worker, work)

    def _ready_connection(self) -> Any:
        """The open connection, with no stale input and the printer's parser in step."""
        if self._connection is not None:
            try:
                self._connection.discard_input()
            except DEVICE_ERRORS as exc:
                # Closed since its last use (a network printer drops idle connections):
                # nothing of this request has been sent yet, so a new connection can take it.
                log.info("%s: reconnecting: %s", self.name, exc)
                self._drop()
        if self._connection is None:
            self._connection = self._connect(self.settings)
            self._connection.discard_input()
        if self._cut_off_length:
            # Zeros only shorten what the printer waits for: if this write fails too, the
            # same number of them is still enough next time.
            self._connection._raw(resync_bytes(self._cut_off_length))
            self._cut_off_length = 0
        return self._connection

    def _send(self, connection: Any, data: bytes) -> None:
        try:
            connection._raw(data)
        except DEVICE_ERRORS:
            # Part of `data` may have reached the printer, which then waits for the rest.
            self._cut_off_length = max(self._cut_off_length, len(data))
            raise

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except DEVICE_ERRORS as exc:
                log.debug("%s: closing: %s", self.name, exc)


def make_printer(settings: PrinterSettings, fake_folder: Path | None = None) -> TicketPrinter:
    """The kiosk's printer: the folder-steered fake with --fake-devices, else the real one."""
    if fake_folder is not None:
        return FakePrinter(fake_folder)
    return EscposPrinter(settings)
