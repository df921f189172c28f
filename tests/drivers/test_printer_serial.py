"""EscposPrinter over a serial line, through python-escpos's real Serial class, to a fake port
at pyserial's boundary."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
import serial  # type: ignore[import-untyped]

from drivers.printer.escpos import EscposPrinter
from drivers.printer.settings import ConnectionKind, FlowControl, PrinterSettings, SettingsError

IMAGE_TICKET = bytes(45_000)  # an image ticket's size


class FakeSerialPort:
    """A serial port as pyserial shows it: keeps each write with the time-out it was given."""

    opened: ClassVar[list[FakeSerialPort]] = []

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.is_open = True
        self.write_timeout: float | None = None
        self.rtscts = bool(options.get("rtscts"))  # pyserial reconfigures the port when set
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


@pytest.mark.parametrize(
    ("flow_control", "hardware", "software"),
    [("rtscts", True, False), ("xonxoff", False, True), ("none", False, False)],
)
async def test_the_printer_s_flow_control_is_the_port_s(
    port: type[FakeSerialPort], flow_control: str, hardware: bool, software: bool
) -> None:
    """A busy printer holds the kiosk back instead of losing the end of a ticket."""
    settings = PrinterSettings.from_mapping(
        {"kind": "serial", "device": "/dev/ttyUSB0", "flow_control": flow_control}
    )
    assert settings.flow_control is FlowControl(flow_control)
    printer = EscposPrinter(settings)
    await printer.print_job(b"\x1b@")
    ((opened,),) = [port.opened]
    assert opened.rtscts is hardware
    assert opened.options["xonxoff"] is software
    assert opened.options["dsrdtr"] is False  # which Linux does not do
    await printer.close()


def test_an_unknown_flow_control_is_named() -> None:
    with pytest.raises(SettingsError) as refused:
        PrinterSettings.from_mapping(
            {"kind": "serial", "device": "/dev/ttyS0", "flow_control": "dsrdtr"}
        )
    assert any(p.startswith("flow_control:") for p in refused.value.problems)
