"""InputSource: the fake, and EvdevSource over evdev's real async reader fed through a pipe."""

from __future__ import annotations

import asyncio
import errno
import os
import struct
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from evdev import InputEvent, ecodes
from evdev.eventio_async import EventIO

from drivers.input.base import DeviceError, DeviceGone, DeviceIdentity, InputSource, KeyEvent
from drivers.input.base import KeyState as S
from drivers.input.evdev_source import EvdevSource, open_selected
from drivers.input.fake import FakeSource
from drivers.input.mailbox import Mailbox

WAIT = 5.0  # seconds; a guard against hanging, never a timing assertion


class PipeDevice(EventIO):
    """An evdev device whose input_event records come through a pipe (there is no uinput here)."""

    def __init__(self) -> None:
        self.fd, self._writer = os.pipe()
        os.set_blocking(self.fd, False)
        self.name, self.path, self.uniq = "Pipe Scanner", "/dev/input/event7", "SN-7"
        self.grabbed = self.gone = self.closed = False

    def send(self, type_: int, code: int, value: int) -> None:
        os.write(self._writer, struct.pack("llHHi", 0, 0, type_, code, value))

    def key(self, code: int, value: int) -> None:
        self.send(ecodes.EV_KEY, code, value)
        self.send(ecodes.EV_SYN, ecodes.SYN_REPORT, 0)

    def unplug(self) -> None:
        self.gone = True
        os.write(self._writer, b"!")  # wakes the reader, which then fails as the kernel's would

    def read(self) -> Iterator[InputEvent]:
        if self.gone:
            raise OSError(errno.ENODEV, "No such device")
        return super().read()

    def grab(self) -> None:
        if self.grabbed:
            raise OSError(errno.EBUSY, "Device or resource busy")
        self.grabbed = True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            super().close()
            os.close(self.fd)
            os.close(self._writer)


@pytest.fixture
def pipe() -> Iterator[PipeDevice]:
    device = PipeDevice()
    yield device
    device.close()


async def take(events: AsyncIterator[KeyEvent], count: int) -> list[KeyEvent]:
    return [await asyncio.wait_for(anext(events), WAIT) for _ in range(count)]


def test_both_sources_are_input_sources(pipe: PipeDevice) -> None:
    assert isinstance(FakeSource(), InputSource)
    assert isinstance(EvdevSource(pipe), InputSource)


def test_evdev_source_identity_comes_from_the_device_or_the_finder(pipe: PipeDevice) -> None:
    assert EvdevSource(pipe).identity == DeviceIdentity(
        "Pipe Scanner", "/dev/input/event7", serial="SN-7"
    )
    found = DeviceIdentity("Scanner", "/dev/input/event7", "pci-0:1.3:1.0", "VID_SN", True)
    assert EvdevSource(pipe, found).identity == found


async def test_evdev_source_yields_key_events_only(pipe: PipeDevice) -> None:
    source = EvdevSource(pipe)
    pipe.send(ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70004)
    pipe.key(ecodes.KEY_A, 1)
    pipe.key(ecodes.KEY_A, 2)
    pipe.key(ecodes.KEY_A, 0)
    events = aiter(source)
    assert await take(events, 3) == [
        KeyEvent(ecodes.KEY_A, S.DOWN),
        KeyEvent(ecodes.KEY_A, S.REPEAT),
        KeyEvent(ecodes.KEY_A, S.UP),
    ]
    source.close()


async def test_evdev_source_unplugged_ends_with_device_gone_and_closes(pipe: PipeDevice) -> None:
    source = EvdevSource(pipe)
    pipe.key(ecodes.KEY_1, 1)
    events = aiter(source)
    assert await take(events, 1) == [KeyEvent(ecodes.KEY_1, S.DOWN)]
    pipe.unplug()
    with pytest.raises(DeviceGone, match="Pipe Scanner: read failed: No such device"):
        await asyncio.wait_for(anext(events), WAIT)
    assert pipe.closed


async def test_evdev_source_close_wakes_a_pending_read(pipe: PipeDevice) -> None:
    source = EvdevSource(pipe)
    reader = asyncio.create_task(take(aiter(source), 1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not reader.done()
    source.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(reader, WAIT)
    assert pipe.closed


async def test_evdev_source_cancelled_reader_closes_the_device(pipe: PipeDevice) -> None:
    source = EvdevSource(pipe)
    reader = asyncio.create_task(take(aiter(source), 1))
    await asyncio.sleep(0)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert pipe.closed


async def test_evdev_source_closed_before_reading_yields_nothing(pipe: PipeDevice) -> None:
    source = EvdevSource(pipe)
    pipe.key(ecodes.KEY_A, 1)
    source.close()
    assert [event async for event in source] == []


def test_evdev_source_second_grab_is_a_device_error_not_gone(pipe: PipeDevice) -> None:
    source = EvdevSource(pipe)
    source.grab()
    with pytest.raises(DeviceError, match="cannot grab: Device or resource busy") as caught:
        source.grab()
    assert not isinstance(caught.value, DeviceGone)


def test_opening_a_missing_node_is_a_device_error(tmp_path: Path) -> None:
    with pytest.raises(DeviceError, match="cannot open"):
        EvdevSource.open(DeviceIdentity("gone", str(tmp_path / "event3")))


def test_opening_a_selector_that_matches_nothing_says_so() -> None:
    with pytest.raises(DeviceError, match="no input device matches 'serial:hallq-no-such-sn'"):
        open_selected("serial:hallq-no-such-sn")


async def test_fake_source_types_text_and_unplugs_with_device_gone() -> None:
    source = FakeSource()
    source.type("a")
    events = aiter(source)
    assert await take(events, 2) == [KeyEvent(ecodes.KEY_A, S.DOWN), KeyEvent(ecodes.KEY_A, S.UP)]
    source.unplug()
    with pytest.raises(DeviceGone, match="unplugged"):
        await anext(events)


def test_fake_source_refuses_a_second_grab_and_close_lets_go() -> None:
    source = FakeSource()
    source.grab()
    with pytest.raises(DeviceError, match="already grabbed"):
        source.grab()
    source.close()
    assert not source.grabbed
    assert source.closed


async def test_mailbox_delivers_in_order_and_close_drops_the_rest() -> None:
    mailbox: Mailbox[int] = Mailbox()
    for item in (1, 2, 3):
        mailbox.put(item)
    received = []
    async for item in mailbox:
        received.append(item)
        if item == 2:
            mailbox.close()
    mailbox.put(4)
    assert received == [1, 2]
    assert [item async for item in mailbox] == []
