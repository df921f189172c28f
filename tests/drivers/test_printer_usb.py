"""EscposPrinter over USB, through python-escpos's real Usb class, to a fake device at pyusb's
boundary: what `usb.core.find` returns, holding the printer's byte stream and its resets."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator
from typing import Any

import pytest
import usb.core  # type: ignore[import-untyped]
import usb.util  # type: ignore[import-untyped]
from escpos.printer import Dummy  # type: ignore[import-untyped]
from escpos_decode import decode
from PIL import Image, ImageDraw

from drivers.printer.base import PrinterCondition, PrintFailed
from drivers.printer.escpos import EscposPrinter
from drivers.printer.settings import ConnectionKind, PrinterSettings

C = PrinterCondition
SETTINGS = PrinterSettings(
    ConnectionKind.USB, vendor_id=0x0416, product_id=0x5011, status_timeout_ms=50
)
# Answers to DLE EOT 1, 2 and 4 (Epson's bits on the fixed base 0x12).
OK_ANSWERS = {1: 0x12, 2: 0x12, 4: 0x12}
PAPER_LOW_ANSWERS = {1: 0x12, 2: 0x12, 4: 0x1E}


class FakeUsbPrinter:
    """A USB printer as pyusb shows it: takes bulk writes, answers DLE EOT on the IN endpoint.

    `answering` False is a printer that never answers status queries; `stall_after(n)` makes
    the printer stop taking data n bytes on, so that the write times out part-way, and
    `unplug_after(n)` pulls the cable there.
    """

    class Backend:  # not libusb1: python-escpos then leaves the kernel driver alone
        pass

    def __init__(self) -> None:
        self.backend = self.Backend()
        self.received = bytearray()
        self.answering = True
        self.answers = OK_ANSWERS
        self.answer_late = False  # the answer comes only after the read that asked for it
        self.configured = True  # Linux configures a printer when it is plugged in
        self.plugged_in = True
        self.resets = 0
        self.set_configurations = 0
        self._pending: list[int] = []
        self._late: list[int] = []
        self._stall_at: int | None = None
        self._unplug = False

    def stall_after(self, size: int) -> None:
        self._stall_at = len(self.received) + size

    def unplug_after(self, size: int) -> None:
        self.stall_after(size)
        self._unplug = True

    # -- pyusb's Device, as far as python-escpos and the driver use it ----------------------

    def get_active_configuration(self) -> object:
        self._check_plugged_in()
        if not self.configured:
            raise usb.core.USBError("Configuration not set")
        return object()

    def set_configuration(self) -> None:
        self._check_plugged_in()
        self.set_configurations += 1
        self.configured = True

    def reset(self) -> None:
        self._check_plugged_in()
        self.resets += 1

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        self._check_plugged_in()
        data = bytes(data)
        if self._stall_at is not None and len(self.received) + len(data) > self._stall_at:
            self.received += data[: self._stall_at - len(self.received)]
            self._stall_at = None
            if self._unplug:
                self._unplug = self.plugged_in = False
                raise usb.core.USBError("No such device", errno.ENODEV)
            raise usb.core.USBTimeoutError("Operation timed out", errno.ETIMEDOUT)
        self.received += data
        if self.answering and data[:2] == b"\x10\x04":
            (self._late if self.answer_late else self._pending).append(self.answers[data[2]])
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int) -> bytes:
        self._check_plugged_in()
        answers, self._pending = self._pending[:size], self._pending[size:]
        self._pending += self._late
        self._late = []
        if not answers:
            raise usb.core.USBTimeoutError("Operation timed out", errno.ETIMEDOUT)
        return bytes(answers)

    def _check_plugged_in(self) -> None:
        if not self.plugged_in:
            raise usb.core.USBError("No such device", errno.ENODEV)


class UsbBus:
    """Stands in for pyusb's find and dispose: counts how often the printer is opened."""

    def __init__(self, device: FakeUsbPrinter) -> None:
        self.device = device
        self.finds = 0
        self.disposals = 0

    def find(self, **match: Any) -> FakeUsbPrinter | None:
        assert match == {"idVendor": SETTINGS.vendor_id, "idProduct": SETTINGS.product_id}
        self.finds += 1
        return self.device if self.device.plugged_in else None

    def dispose_resources(self, device: FakeUsbPrinter) -> None:
        self.disposals += 1


@pytest.fixture
def usb_printer(monkeypatch: pytest.MonkeyPatch) -> UsbBus:
    bus = UsbBus(FakeUsbPrinter())
    monkeypatch.setattr(usb.core, "find", bus.find)
    monkeypatch.setattr(usb.util, "dispose_resources", bus.dispose_resources)
    return bus


@pytest.fixture
async def printer(usb_printer: UsbBus) -> AsyncIterator[EscposPrinter]:
    made = EscposPrinter(SETTINGS)
    yield made
    await made.close()


def ticket(number: str) -> tuple[bytes, Image.Image]:
    """An image ticket's job, made as the kiosk makes it, and the image it prints."""
    image = Image.new("1", (576, 700), 1)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 555, 679), outline=0, width=6)
    draw.text((60, 60), number, fill=0, font_size=120)
    printer = Dummy(profile="TM-T20II")
    printer.hw("INIT")
    printer.image(image, impl="bitImageRaster")
    printer.cut()
    return bytes(printer.output), image


async def test_a_job_cut_off_mid_band_leaves_the_next_ticket_whole(
    usb_printer: UsbBus, printer: EscposPrinter
) -> None:
    first, _ = ticket("A001")
    second, second_image = ticket("A002")
    usb_printer.device.stall_after(len(first) // 3)  # well inside the GS v 0 band
    with pytest.raises(PrintFailed):
        await printer.print_job(first)
    await printer.print_job(second)

    # The whole stream, as the printer parses it: the cut-off band ends, then the second
    # ticket's commands come whole, from its ESC @ to its cut.
    paper = decode(bytes(usb_printer.device.received))
    alone = decode(second)
    assert paper.incomplete == b""
    assert paper.commands[-len(alone.commands) :] == alone.commands
    assert paper.rasters[-1].tobytes() == second_image.tobytes()
    assert paper.cuts == alone.cuts
    assert paper.texts == [] and paper.unknown == []


async def test_the_first_request_after_an_unplug_mid_job_resyncs_the_printer(
    usb_printer: UsbBus, printer: EscposPrinter
) -> None:
    job, _ = ticket("A003")
    device = usb_printer.device
    device.unplug_after(100)
    with pytest.raises(PrintFailed):
        await printer.print_job(job)
    assert (await printer.status()).condition is C.OFFLINE
    device.plugged_in = True
    received = len(device.received)
    # A status query goes after the resync too: a printer waiting for image data would
    # take DLE EOT for pixels and never answer.
    assert (await printer.status()).condition is C.OK
    resync = b"\x00" * len(job) + b"\x1b@"
    assert device.received[received:] == resync + b"\x10\x04\x01" + b"\x10\x04\x04"


async def test_a_printer_that_never_answers_is_not_reopened_nor_reset(
    usb_printer: UsbBus, printer: EscposPrinter
) -> None:
    device = usb_printer.device
    device.answering = False
    job, _ = ticket("A004")
    for _ in range(5):  # idle polls, and the polls around a ticket
        assert (await printer.status()).condition is C.UNKNOWN
        await printer.print_job(job)
        assert (await printer.status()).condition is C.UNKNOWN
    assert usb_printer.finds == 1
    assert (device.resets, device.set_configurations, usb_printer.disposals) == (0, 0, 0)
    assert device.received == (b"\x10\x04\x01" + job + b"\x10\x04\x01") * 5


async def test_an_unconfigured_printer_is_configured_once(
    usb_printer: UsbBus, printer: EscposPrinter
) -> None:
    usb_printer.device.configured = False
    for _ in range(3):
        assert (await printer.status()).condition is C.OK
    assert (usb_printer.device.set_configurations, usb_printer.device.resets) == (1, 0)


async def test_a_real_io_error_reopens_the_printer(
    usb_printer: UsbBus, printer: EscposPrinter
) -> None:
    assert (await printer.status()).condition is C.OK
    usb_printer.device.plugged_in = False
    assert (await printer.status()).condition is C.OFFLINE
    assert usb_printer.disposals == 1  # the old handle is let go
    usb_printer.device.plugged_in, finds = True, usb_printer.finds
    assert (await printer.status()).condition is C.OK
    assert usb_printer.finds == finds + 1
    assert usb_printer.device.resets == 0


async def test_a_late_answer_is_not_taken_for_the_next_one(
    usb_printer: UsbBus, printer: EscposPrinter
) -> None:
    device = usb_printer.device
    device.answer_late = True
    assert (await printer.status()).condition is C.UNKNOWN  # its "ok" now waits unread
    device.answer_late, device.answers = False, PAPER_LOW_ANSWERS
    assert (await printer.status()).condition is C.PAPER_LOW
    assert usb_printer.finds == 1
