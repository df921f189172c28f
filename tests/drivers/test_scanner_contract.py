"""The Scanner contract, run against FakeScanner, FileScanner and EvdevScanner (on a FakeSource)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.input.base import DeviceError, DeviceGone
from drivers.input.fake import FakeSource
from drivers.scanner.base import Scanner, ScannerError, ScannerGone
from drivers.scanner.fake import FakeScanner
from drivers.scanner.file import FileScanner
from drivers.scanner.keyboard import EvdevScanner

WAIT = 5.0  # seconds; a guard against hanging, never a timing assertion
CODES = ["A001", "https://hall.example.gov.cn/q?t=A001&s=x_y-z%2F1", "91500000MA5U:7/2=?"]


@dataclass
class Rig:
    """A scanner and the way a citizen's scan reaches it."""

    scanner: Scanner
    scan: Callable[[str], None]


def _append(path: Path) -> Callable[[str], None]:
    def scan(code: str) -> None:
        with path.open("a") as file:
            file.write(code + "\n")

    return scan


@pytest.fixture(params=["fake", "file", "evdev"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    if request.param == "fake":
        fake = FakeScanner()
        made = Rig(fake, fake.scan)
    elif request.param == "file":
        made = Rig(FileScanner(tmp_path, interval=0.01), _append(tmp_path / "scanner.in"))
    else:
        source = FakeSource()
        made = Rig(EvdevScanner(source), lambda code: source.type(code + "\n"))
    yield made
    made.scanner.close()


async def take(scans: AsyncIterator[str], count: int) -> list[str]:
    return [await asyncio.wait_for(anext(scans), WAIT) for _ in range(count)]


class TestScannerContract:
    def test_is_a_scanner_with_a_name(self, rig: Rig) -> None:
        assert isinstance(rig.scanner, Scanner)
        assert rig.scanner.name

    async def test_each_scan_comes_out_whole_and_in_order(self, rig: Rig) -> None:
        for code in CODES:
            rig.scan(code)
        assert await take(aiter(rig.scanner), len(CODES)) == CODES

    async def test_a_blank_scan_is_no_scan(self, rig: Rig) -> None:
        rig.scan("")
        rig.scan("B002")
        assert await take(aiter(rig.scanner), 1) == ["B002"]

    async def test_close_ends_a_waiting_iteration(self, rig: Rig) -> None:
        waiting = asyncio.create_task(take(aiter(rig.scanner), 1))
        await asyncio.sleep(0)
        rig.scanner.close()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(waiting, WAIT)

    async def test_a_closed_scanner_delivers_nothing(self, rig: Rig) -> None:
        rig.scanner.close()
        rig.scan("C003")
        assert [code async for code in rig.scanner] == []


def test_scanner_errors_are_device_errors_and_gone_is_both() -> None:
    assert issubclass(ScannerError, DeviceError)
    assert issubclass(ScannerGone, ScannerError)
    assert issubclass(ScannerGone, DeviceGone)


async def test_fake_scanner_unplugged_raises_scanner_gone() -> None:
    scanner = FakeScanner()
    scanner.scan("D004")
    scans = aiter(scanner)
    assert await take(scans, 1) == ["D004"]
    scanner.unplug()
    with pytest.raises(ScannerGone):
        await anext(scans)


def test_evdev_scanner_grabs_its_device_at_once() -> None:
    source = FakeSource()
    EvdevScanner(source)
    assert source.grabbed


def test_evdev_scanner_on_a_device_held_elsewhere_is_a_scanner_error() -> None:
    source = FakeSource()
    source.grab()  # another program, e.g. a second agent, holds it
    with pytest.raises(ScannerError, match="already grabbed"):
        EvdevScanner(source)
    assert source.closed


async def test_evdev_scanner_drops_a_half_code_when_the_device_goes() -> None:
    source = FakeSource()
    scanner = EvdevScanner(source)
    source.type("E005\nF0")
    scans = aiter(scanner)
    assert await take(scans, 1) == ["E005"]
    source.unplug()
    with pytest.raises(ScannerGone, match="unplugged"):
        await anext(scans)


def test_evdev_scanner_uses_the_device_name() -> None:
    scanner = EvdevScanner(FakeSource())
    assert scanner.name == "fake keyboard"


def test_evdev_scanner_open_with_nothing_matching_is_a_scanner_error() -> None:
    with pytest.raises(ScannerError, match="no input device matches"):
        EvdevScanner.open("serial:hallq-no-such-scanner")


async def test_file_scanner_ignores_lines_written_before_it_started(tmp_path: Path) -> None:
    (tmp_path / "scanner.in").write_text("stale\n")
    scanner = FileScanner(tmp_path, interval=0.01)
    _append(tmp_path / "scanner.in")("G007")
    assert await take(aiter(scanner), 1) == ["G007"]
    scanner.close()


async def test_file_scanner_unreadable_file_is_a_scanner_error(tmp_path: Path) -> None:
    (tmp_path / "scanner.in").mkdir()
    with pytest.raises(ScannerError, match="cannot read"):
        await anext(aiter(FileScanner(tmp_path)))
