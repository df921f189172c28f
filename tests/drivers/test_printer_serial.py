"""EscposPrinter over a serial line, through python-escpos's real Serial class, to a fake port
at pyserial's boundary."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
import serial  # type: ignore[import-untyped]

from drivers.printer.escpos import EscposPrinter
from drivers.printer.settings import ConnectionKind, PrinterSettings

IMAGE_TICKET = bytes(45_000)  # an image ticket's size


class FakeSerialPort:
    """A serial port as pyserial shows it: keeps each write with the time-out it was given."""

    opened: ClassVar[list[FakeSerialPort]] = []

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.is_open = True
        self.write_timeout: float | None = None
        self.writes: list[tuple[bytes, float | None]] = []
        FakeSerialPort.opened.append(self)

    def write(self, data: bytes) -> int:
        self.writes.append((bytes(data), self.write_timeout))
        return len(data)

    def read(self, size: int) -> bytes:
        return b""

    def reset_input_buffer(self) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.is_open = False


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> type[FakeSerialPort]:
    monkeypatch.setattr(serial, "Serial", FakeSerialPort)
    FakeSerialPort.opened = []
    return FakeSerialPort


async def test_a_slow_line_gives_a_job_the_time_its_bytes_take(port: type[FakeSerialPort]) -> None:
    settings = PrinterSettings(
        ConnectionKind.SERIAL, device="/dev/ttyUSB0", baudrate=9600, write_timeout_ms=10_000
    )
    printer = EscposPrinter(settings)
    await printer.print_job(IMAGE_TICKET)
    await printer.print_job(b"\x1b@")
    ((opened,),) = [port.opened]
    (_, ticket_timeout), (_, short_timeout) = opened.writes
    on_the_line = len(IMAGE_TICKET) * 10 / 9600  # start bit, 8 data bits, stop bit
    assert ticket_timeout is not None and ticket_timeout >= on_the_line + 10
    assert short_timeout is not None and 10 <= short_timeout < 11
    await printer.close()
