"""The TicketPrinter contract, run against FakePrinter (in memory and steered by a folder)
and EscposPrinter over the network to a fake ESC/POS printer on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import pty
import re
import socket
import struct
import time
import tty
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import pytest

from drivers.printer.base import PrinterCondition, PrinterStatus, PrintFailed, TicketPrinter
from drivers.printer.escpos import EscposPrinter, condition_from_answers, make_printer
from drivers.printer.fake import STATE_FILE, FakePrinter
from drivers.printer.settings import ConnectionKind, PrinterSettings, SettingsError

C = PrinterCondition
STATUS_TIMEOUT = 0.3  # seconds
WRITE_TIMEOUT = 1.0
# Bigger than the loopback socket buffers, so a job cut off by the printer cannot hide in them.
BIG_JOB = bytes(range(256)) * (16 * 4096)
# Answers to DLE EOT 1, 2 and 4 (Epson's bits, on the fixed base 0x12) per condition.
ANSWERS = {
    C.OK: {1: 0x12, 2: 0x12, 4: 0x12},
    C.PAPER_LOW: {1: 0x12, 2: 0x12, 4: 0x1E},
    C.PAPER_OUT: {1: 0x1A, 2: 0x32, 4: 0x72},
    C.COVER_OPEN: {1: 0x1A, 2: 0x16, 4: 0x12},
    C.OFFLINE: {1: 0x1A, 2: 0x52, 4: 0x12},
    C.UNKNOWN: {},  # a printer that never answers
}
_QUERY = re.compile(rb"\x10\x04([\x01\x02\x04])")


class FakeTcpPrinter:
    """An ESC/POS printer on 127.0.0.1: records bytes, answers DLE EOT per its condition."""

    def __init__(self) -> None:
        self.condition = C.OK
        self.received = bytearray()
        self.partial = b""  # what came before a simulated unplug
        self.answer_delay = 0.0  # seconds
        self.arrived = asyncio.Event()
        self.unplug_after: int | None = None  # bytes of one connection, then a reset
        self.reading = asyncio.Event()
        self.reading.set()
        self.server: asyncio.Server | None = None
        self.clients: list[asyncio.StreamWriter] = []
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in self.clients:  # Python 3.11's Server.close leaves its connections open
            writer.transport.abort()

    async def hang_up(self) -> None:
        """Close every connection, as network printers do with idle ones."""
        for writer in self.clients:
            writer.close()
            await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.clients.append(writer)
        tail, taken = b"", 0
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                await self.reading.wait()
                self.received += chunk
                self.arrived.set()
                taken += len(chunk)
                if self.unplug_after is not None and taken >= self.unplug_after:
                    self.partial, self.received = bytes(self.received), bytearray()
                    sock = writer.get_extra_info("socket")
                    # Linger 0: the close resets the connection, as a pulled cable would.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    await self.stop()
                    return
                data = tail + chunk
                for found in _QUERY.finditer(data):
                    answer = ANSWERS[self.condition].get(found[1][0])
                    if found.end() > len(tail) and answer is not None:
                        loop = asyncio.get_running_loop()
                        loop.call_later(self.answer_delay, writer.write, bytes([answer]))
                tail = data[-2:]
        writer.close()


class Rig(Protocol):
    """A printer under test and the means to steer it and see what reached the paper."""

    @property
    def printer(self) -> TicketPrinter: ...

    def set_condition(self, condition: PrinterCondition) -> None: ...

    def unplug_mid_print(self) -> None: ...

    async def printed(self, size: int) -> bytes: ...

    async def partial(self) -> bytes: ...


class MemoryRig:
    def __init__(self) -> None:
        self.printer = self.fake = FakePrinter()

    def set_condition(self, condition: PrinterCondition) -> None:
        self.fake.set_condition(condition)

    def unplug_mid_print(self) -> None:
        self.fake.unplug_mid_print()

    async def printed(self, size: int) -> bytes:
        return b"".join(self.fake.jobs)

    async def partial(self) -> bytes:
        return b"".join(self.fake.partial_jobs)


class FolderRig:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.printer = FakePrinter(folder)

    def set_condition(self, condition: PrinterCondition) -> None:
        state = "no such state" if condition is C.UNKNOWN else condition.value
        (self.folder / STATE_FILE).write_text(state + "\n")

    def unplug_mid_print(self) -> None:
        (self.folder / STATE_FILE).write_text("unplug_mid_print\n")

    async def printed(self, size: int) -> bytes:
        return b"".join(p.read_bytes() for p in _numbered(self.folder, "bin"))

    async def partial(self) -> bytes:
        return b"".join(p.read_bytes() for p in _numbered(self.folder, "partial"))


class NetworkRig:
    def __init__(self, fake: FakeTcpPrinter) -> None:
        self.fake = fake
        self.printer = EscposPrinter(network_settings(fake.port))

    def set_condition(self, condition: PrinterCondition) -> None:
        self.fake.condition = condition

    def unplug_mid_print(self) -> None:
        self.fake.unplug_after = 1 << 20

    async def printed(self, size: int) -> bytes:
        # print_job returns once the bytes are in the kernel's buffers: wait for them to land.
        async with asyncio.timeout(5):
            while len(self.fake.received) < size:
                self.fake.arrived.clear()
                await self.fake.arrived.wait()
        return bytes(self.fake.received)

    async def partial(self) -> bytes:
        return self.fake.partial


def _numbered(folder: Path, suffix: str) -> list[Path]:
    return sorted(folder.glob(f"print-*.{suffix}"), key=lambda p: int(p.stem.split("-")[1]))


def network_settings(port: int) -> PrinterSettings:
    return PrinterSettings(
        ConnectionKind.NETWORK,
        host="127.0.0.1",
        port=port,
        status_timeout_ms=round(STATUS_TIMEOUT * 1000),
        write_timeout_ms=round(WRITE_TIMEOUT * 1000),
    )


@pytest.fixture
async def tcp_printer() -> AsyncIterator[FakeTcpPrinter]:
    fake = FakeTcpPrinter()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture(params=["memory", "folder", "network"])
async def rig(
    request: pytest.FixtureRequest, tmp_path: Path, tcp_printer: FakeTcpPrinter
) -> AsyncIterator[Rig]:
    made: Rig
    if request.param == "memory":
        made = MemoryRig()
    elif request.param == "folder":
        made = FolderRig(tmp_path)
    else:
        made = NetworkRig(tcp_printer)
    yield made
    await made.printer.close()


class TestTicketPrinterContract:
    def test_is_a_ticket_printer_with_a_name(self, rig: Rig) -> None:
        assert isinstance(rig.printer, TicketPrinter)
        assert rig.printer.name

    @pytest.mark.parametrize("condition", list(PrinterCondition))
    async def test_status_reports_the_condition(self, rig: Rig, condition: C) -> None:
        rig.set_condition(condition)
        started = time.monotonic()
        status = await rig.printer.status()
        assert status.condition is condition
        assert time.monotonic() - started < STATUS_TIMEOUT + 1  # a mute printer costs one wait

    async def test_status_is_asked_afresh_every_time(self, rig: Rig) -> None:
        for condition in (C.OK, C.PAPER_OUT, C.UNKNOWN, C.PAPER_LOW, C.OK):
            rig.set_condition(condition)
            assert (await rig.printer.status()).condition is condition

    async def test_jobs_arrive_byte_for_byte_in_order(self, rig: Rig) -> None:
        first, second = b"\x1b@" + "江北 A012\n".encode("gb18030"), bytes(range(256)) * 300
        await rig.printer.print_job(first)
        await rig.printer.print_job(second)
        assert await rig.printed(len(first + second)) == first + second

    async def test_unplugged_mid_print_fails_then_reports_offline(self, rig: Rig) -> None:
        rig.unplug_mid_print()
        with pytest.raises(PrintFailed):
            await rig.printer.print_job(BIG_JOB)
        partial = await rig.partial()
        assert 0 < len(partial) < len(BIG_JOB)
        assert BIG_JOB.startswith(partial)
        assert await rig.printed(0) == b""
        assert (await rig.printer.status()).condition is C.OFFLINE

    async def test_works_again_after_close(self, rig: Rig) -> None:
        await rig.printer.print_job(b"one\n")
        await rig.printer.close()
        await rig.printer.print_job(b"two\n")
        assert await rig.printed(8) == b"one\ntwo\n"
        assert (await rig.printer.status()).condition is C.OK


# -- the fake printer's folder ------------------------------------------------------------


async def test_folder_jobs_continue_after_the_files_already_there(tmp_path: Path) -> None:
    (tmp_path / "print-7.bin").write_bytes(b"old")
    (tmp_path / "print-9.partial").write_bytes(b"ol")
    printer = FakePrinter(tmp_path)
    await printer.print_job(b"new")
    assert (tmp_path / "print-10.bin").read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["print-10.bin", "print-7.bin", "print-9.partial"]


async def test_folder_missing_state_is_ok_and_a_refused_job_writes_nothing(
    tmp_path: Path,
) -> None:
    printer = FakePrinter(tmp_path)
    assert await printer.status() == PrinterStatus(C.OK)
    (tmp_path / STATE_FILE).write_text("paper_out")
    with pytest.raises(PrintFailed, match="paper_out"):
        await printer.print_job(b"ticket")
    assert os.listdir(tmp_path) == [STATE_FILE]


async def test_folder_unplug_writes_the_partial_and_stays_offline_until_the_state_changes(
    tmp_path: Path,
) -> None:
    state = tmp_path / STATE_FILE
    state.write_text("unplug_mid_print")
    printer = FakePrinter(tmp_path)
    assert (await printer.status()).condition is C.OK  # it looks fine until it prints
    with pytest.raises(PrintFailed):
        await printer.print_job(b"0123456789")
    assert (tmp_path / "print-1.partial").read_bytes() == b"01234"
    assert (await printer.status()).condition is C.OFFLINE
    assert (await printer.status()).condition is C.OFFLINE
    state.write_text("ok")
    assert (await printer.status()).condition is C.OK
    await printer.print_job(b"again")
    assert (tmp_path / "print-2.bin").read_bytes() == b"again"


async def test_make_printer_gives_the_folder_fake_or_the_real_printer(tmp_path: Path) -> None:
    settings = network_settings(9100)
    fake = make_printer(settings, tmp_path)
    assert isinstance(fake, FakePrinter) and fake.folder == tmp_path
    real = make_printer(settings)
    assert isinstance(real, EscposPrinter) and real.name == "network:127.0.0.1:9100"
    await real.close()


def test_which_conditions_can_print() -> None:
    printable = {c for c in C if c.can_print(trust_unknown=False)}
    assert printable == {C.OK, C.PAPER_LOW}
    assert C.UNKNOWN.can_print(trust_unknown=True)
    assert not C.OFFLINE.can_print(trust_unknown=True)


# -- EscposPrinter over the network --------------------------------------------------------


async def test_a_closed_port_is_offline_at_once() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends
    printer = EscposPrinter(network_settings(port))
    started = time.monotonic()
    status = await printer.status()
    assert status.condition is C.OFFLINE and str(port) in status.detail
    with pytest.raises(PrintFailed):
        await printer.print_job(b"ticket")
    assert time.monotonic() - started < STATUS_TIMEOUT
    await printer.close()


async def test_a_late_answer_is_not_taken_for_the_next_one(tcp_printer: FakeTcpPrinter) -> None:
    printer = EscposPrinter(network_settings(tcp_printer.port))
    tcp_printer.answer_delay = STATUS_TIMEOUT * 1.5
    assert (await printer.status()).condition is C.UNKNOWN
    await asyncio.sleep(STATUS_TIMEOUT)  # the "ok" answer arrives meanwhile
    tcp_printer.answer_delay, tcp_printer.condition = 0.0, C.PAPER_OUT
    assert (await printer.status()).condition is C.PAPER_OUT
    await printer.close()


async def test_a_printer_that_stops_taking_data_fails_the_job_in_time(
    tcp_printer: FakeTcpPrinter,
) -> None:
    printer = EscposPrinter(network_settings(tcp_printer.port))
    tcp_printer.reading.clear()
    started = time.monotonic()
    with pytest.raises(PrintFailed, match=r"network:127\.0\.0\.1"):
        await printer.print_job(BIG_JOB)
    assert time.monotonic() - started < WRITE_TIMEOUT + 1
    tcp_printer.reading.set()
    await printer.close()


async def test_a_connection_the_printer_closed_is_opened_again(
    tcp_printer: FakeTcpPrinter,
) -> None:
    printer = EscposPrinter(network_settings(tcp_printer.port))
    assert (await printer.status()).condition is C.OK
    await tcp_printer.hang_up()
    assert (await printer.status()).condition is C.OK  # not "no answer"
    await tcp_printer.hang_up()
    job = b"\x1b@A012\n"  # straight after the hang-up: it must not go into the dead socket
    await printer.print_job(job)
    expected = b"\x10\x04\x01\x10\x04\x04" * 2 + job
    assert await NetworkRig(tcp_printer).printed(len(expected)) == expected
    await printer.close()


@pytest.mark.parametrize(
    ("answers", "condition"),
    [
        ({1: b"\x16", 4: b"\x12"}, C.OK),  # bit 2 of DLE EOT 1 is the drawer: no matter
        ({1: b"\x12", 4: b"\x1e"}, C.PAPER_LOW),
        ({1: b"\x12", 4: b"\x7e"}, C.PAPER_OUT),
        ({1: b"\x1a", 2: b"\x36"}, C.COVER_OPEN),
        ({1: b"\x1a", 2: b""}, C.OFFLINE),
        ({1: b""}, C.UNKNOWN),  # python-escpos would say "paper OK" here
        ({1: b"\x00"}, C.UNKNOWN),  # not a status byte
        ({1: b"\x12", 4: b""}, C.UNKNOWN),
        ({1: b"\x1a\x12", 4: b"\x12"}, C.OK),  # a stale answer first: the newest counts
    ],
)
def test_status_bytes_decode(answers: dict[int, bytes], condition: C) -> None:
    asked: list[bytes] = []

    def ask(request: bytes) -> bytes:
        asked.append(request)
        return answers[request[2]]

    assert condition_from_answers(ask).condition is condition
    assert all(request[:2] == b"\x10\x04" for request in asked)


# -- settings ------------------------------------------------------------------------------


def test_settings_read_each_kind() -> None:
    usb = PrinterSettings.from_mapping({"kind": "usb", "vendor_id": 0x0416, "product_id": 0x5011})
    assert (usb.name, usb.in_endpoint, usb.profile) == ("usb:0416:5011", 0x82, "TM-T20II")
    serial = PrinterSettings.from_mapping(
        {"kind": "serial", "device": "/dev/ttyUSB0", "baudrate": 115200, "write_timeout_ms": 60_000}
    )
    assert (serial.baudrate, serial.write_timeout_ms) == (115200, 60_000)
    lp = PrinterSettings.from_mapping({"kind": "file", "device": "/dev/usb/lp0"})
    assert lp.name == "file:/dev/usb/lp0"


def test_settings_errors_name_every_key() -> None:
    with pytest.raises(SettingsError) as caught:
        PrinterSettings.from_mapping(
            {
                "kind": "usb",
                "product_id": 70000,
                "in_endpoint": 0x01,
                "profile": "TM-T20",
                "status_timeout_ms": 0.5,
                "baudrate": 9600,
            },
            "printer",
        )
    assert caught.value.problems == [
        "printer.profile: python-escpos has no printer profile 'TM-T20'",
        "printer.status_timeout_ms: must be an integer, not a number (0.5)",
        "printer.vendor_id: missing required key",
        "printer.product_id: must be from 0 to 65535, not 70000",
        "printer.in_endpoint: must be from 129 to 143, not 1",
        "printer.baudrate: unknown key; known keys: kind, profile, status_timeout_ms,"
        " write_timeout_ms, vendor_id, product_id, in_endpoint, out_endpoint",
    ]
    assert "printer.vendor_id" in str(caught.value)


def test_settings_with_a_misspelt_kind_name_only_the_kind() -> None:
    with pytest.raises(SettingsError) as caught:
        PrinterSettings.from_mapping({"kind": "netwrok", "host": "10.0.0.5"})
    assert caught.value.problems == [
        "kind: 'netwrok' is not one of usb, serial, network, file; did you mean 'network'?"
    ]


# -- EscposPrinter on a device node ---------------------------------------------------------


async def test_a_device_node_is_read_and_written_with_time_outs(tmp_path: Path) -> None:
    # A pseudo-terminal in raw mode stands in for /dev/usb/lp0: the test holds the printer's end.
    printer_end, node = pty.openpty()
    tty.setraw(node)
    settings = PrinterSettings(
        ConnectionKind.FILE,
        device=os.ttyname(node),
        status_timeout_ms=round(STATUS_TIMEOUT * 1000),
    )
    printer = EscposPrinter(settings)
    try:
        assert (await printer.status()).condition is C.UNKNOWN  # nobody answers yet
        assert os.read(printer_end, 16) == b"\x10\x04\x01"
        status = asyncio.create_task(printer.status())
        for request, answer in ((b"\x10\x04\x01", b"\x12"), (b"\x10\x04\x04", b"\x1e")):
            assert await asyncio.to_thread(os.read, printer_end, 16) == request
            os.write(printer_end, answer)
        assert (await status).condition is C.PAPER_LOW
        await printer.print_job(b"\x1b@A012\n")
        assert os.read(printer_end, 64) == b"\x1b@A012\n"
    finally:
        await printer.close()
        os.close(printer_end)
        os.close(node)
    missing = EscposPrinter(dataclasses.replace(settings, device=str(tmp_path / "lp0")))
    assert (await missing.status()).condition is C.OFFLINE
    with pytest.raises(PrintFailed, match="lp0"):
        await missing.print_job(b"ticket")
    await missing.close()
