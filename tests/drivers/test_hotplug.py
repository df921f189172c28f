"""HotplugMonitor: debounced rescans on udev events, polling without udev, errors contained."""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import pytest

from drivers.hotplug.base import KIOSK_SUBSYSTEMS, HotplugError
from drivers.hotplug.fake import FakeUdevEvents
from drivers.hotplug.monitor import HotplugMonitor
from drivers.hotplug.udev import open_udev_events

DEBOUNCE, POLL = 1.0, 30.0


class ManualSleep:
    """asyncio.sleep stand-in: a sleep ends only when the test lets that duration pass."""

    def __init__(self) -> None:
        self.sleeping: list[tuple[float, asyncio.Future[None]]] = []

    async def __call__(self, seconds: float) -> None:
        done = asyncio.get_running_loop().create_future()
        self.sleeping.append((seconds, done))
        try:
            await done
        finally:
            self.sleeping.remove((seconds, done))

    def asleep(self, seconds: float) -> int:
        return sum(1 for length, _ in self.sleeping if length == seconds)

    def wake(self, seconds: float) -> None:
        for length, done in self.sleeping:
            if length == seconds and not done.done():
                done.set_result(None)


class Rescans:
    """The rescan callback: counts calls; can be made to fail or to hang."""

    def __init__(self) -> None:
        self.count = 0
        self.fail_next = False
        self.block: asyncio.Event | None = None
        self.cancelled = False

    async def __call__(self) -> None:
        self.count += 1
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("printer vanished mid-rescan")
        if self.block is not None:
            try:
                await self.block.wait()
            except asyncio.CancelledError:
                self.cancelled = True
                raise


async def until(condition: Callable[[], bool]) -> None:
    """Let the loop run (pipes, tasks) until `condition` holds; fail if it never does."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the monitor never got there")


async def settle() -> None:
    for _ in range(50):
        await asyncio.sleep(0)


@pytest.fixture
def sleep() -> ManualSleep:
    return ManualSleep()


@pytest.fixture
def rescans() -> Rescans:
    return Rescans()


@pytest.fixture
def udev() -> Iterator[FakeUdevEvents]:
    events = FakeUdevEvents()
    yield events
    events.close()


@pytest.fixture
async def start(
    sleep: ManualSleep, rescans: Rescans
) -> AsyncIterator[Callable[..., Awaitable[HotplugMonitor]]]:
    started: list[HotplugMonitor] = []

    async def make(events: Callable[[Sequence[str]], FakeUdevEvents]) -> HotplugMonitor:
        monitor = HotplugMonitor(
            rescans, debounce=DEBOUNCE, poll_interval=POLL, events=events, sleep=sleep
        )
        await monitor.start()
        started.append(monitor)
        return monitor

    yield make
    for monitor in started:
        await monitor.stop()


async def first_scan(sleep: ManualSleep, rescans: Rescans) -> None:
    await until(lambda: sleep.asleep(DEBOUNCE) == 1)
    sleep.wake(DEBOUNCE)
    await until(lambda: rescans.count == 1)


async def test_start_watches_the_subsystems_and_scans_once(
    start: Callable[..., Awaitable[HotplugMonitor]],
    udev: FakeUdevEvents,
    sleep: ManualSleep,
    rescans: Rescans,
) -> None:
    asked: list[Sequence[str]] = []
    monitor = await start(lambda subsystems: asked.append(subsystems) or udev)
    assert monitor.mode == "udev"
    assert asked == [KIOSK_SUBSYSTEMS]
    await first_scan(sleep, rescans)
    await settle()
    assert (rescans.count, sleep.asleep(DEBOUNCE)) == (1, 0)


async def test_a_burst_of_events_makes_one_rescan(
    start: Callable[..., Awaitable[HotplugMonitor]],
    udev: FakeUdevEvents,
    sleep: ManualSleep,
    rescans: Rescans,
) -> None:
    await start(lambda _: udev)
    await first_scan(sleep, rescans)
    # One USB plug-in: the device, its interface, the input device and its event node.
    for subsystem, name in [("usb", "1-1.3"), ("usb", "1-1.3:1.0"), ("input", "input9")] * 2:
        udev.emit("add", subsystem, name)
        await until(lambda: udev.undelivered == 0)
        await settle()
        assert (rescans.count, sleep.asleep(DEBOUNCE)) == (1, 1)
    sleep.wake(DEBOUNCE)
    await until(lambda: rescans.count == 2)
    await settle()
    assert (rescans.count, sleep.asleep(DEBOUNCE)) == (2, 0)


async def test_an_event_during_a_rescan_makes_another_rescan(
    start: Callable[..., Awaitable[HotplugMonitor]],
    udev: FakeUdevEvents,
    sleep: ManualSleep,
    rescans: Rescans,
) -> None:
    rescans.block = asyncio.Event()
    await start(lambda _: udev)
    await first_scan(sleep, rescans)
    udev.emit("remove", "usbmisc", "lp0")  # arrives while the first rescan is still running
    await settle()
    rescans.block.set()
    await until(lambda: sleep.asleep(DEBOUNCE) == 1)
    sleep.wake(DEBOUNCE)
    await until(lambda: rescans.count == 2)


async def test_without_udev_it_polls_and_keeps_running(
    start: Callable[..., Awaitable[HotplugMonitor]],
    sleep: ManualSleep,
    rescans: Rescans,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refused(_: Sequence[str]) -> FakeUdevEvents:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    with caplog.at_level(logging.WARNING):
        monitor = await start(refused)
    assert monitor.mode == "polling"
    assert "rescanning every 30 s instead" in caplog.text
    await first_scan(sleep, rescans)
    for expected in (2, 3):
        await until(lambda: sleep.asleep(POLL) == 1)
        sleep.wake(POLL)
        await until(lambda: sleep.asleep(DEBOUNCE) == 1)
        sleep.wake(DEBOUNCE)
        await until(lambda n=expected: rescans.count == n)


async def test_a_broken_udev_feed_falls_back_to_polling(
    start: Callable[..., Awaitable[HotplugMonitor]],
    udev: FakeUdevEvents,
    sleep: ManualSleep,
    rescans: Rescans,
) -> None:
    monitor = await start(lambda _: udev)
    await first_scan(sleep, rescans)
    udev.break_down()
    await until(lambda: monitor.mode == "polling")
    assert udev.closed
    # A scan for whatever changed while the feed broke.
    await until(lambda: sleep.asleep(DEBOUNCE) == 1)
    sleep.wake(DEBOUNCE)
    await until(lambda: rescans.count == 2)
    await until(lambda: sleep.asleep(POLL) == 1)


async def test_a_failing_rescan_is_logged_and_the_monitor_goes_on(
    start: Callable[..., Awaitable[HotplugMonitor]],
    udev: FakeUdevEvents,
    sleep: ManualSleep,
    rescans: Rescans,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rescans.fail_next = True
    with caplog.at_level(logging.ERROR):
        await start(lambda _: udev)
        await first_scan(sleep, rescans)
        await settle()
    assert "rescan failed" in caplog.text
    assert "printer vanished mid-rescan" in caplog.text
    udev.emit("add", "tty", "ttyACM0")
    await until(lambda: sleep.asleep(DEBOUNCE) == 1)
    sleep.wake(DEBOUNCE)
    await until(lambda: rescans.count == 2)


async def test_stop_cancels_a_running_rescan_and_lets_udev_go(
    start: Callable[..., Awaitable[HotplugMonitor]],
    udev: FakeUdevEvents,
    sleep: ManualSleep,
    rescans: Rescans,
) -> None:
    rescans.block = asyncio.Event()
    monitor = await start(lambda _: udev)
    await first_scan(sleep, rescans)
    await monitor.stop()
    assert rescans.cancelled
    assert udev.closed
    assert monitor.mode == "stopped"
    monitor.trigger()
    await settle()
    assert (rescans.count, sleep.sleeping) == (1, [])


async def test_stop_ends_polling_and_the_monitor_can_start_again(
    start: Callable[..., Awaitable[HotplugMonitor]],
    udev: FakeUdevEvents,
    sleep: ManualSleep,
    rescans: Rescans,
) -> None:
    def refused(_: Sequence[str]) -> FakeUdevEvents:
        raise HotplugError("udevd is not running")

    monitor = await start(refused)
    await until(lambda: sleep.asleep(POLL) == 1)
    await monitor.stop()
    assert sleep.sleeping == []
    monitor = await start(lambda _: udev)
    assert monitor.mode == "udev"


async def test_starting_twice_is_refused(
    start: Callable[..., Awaitable[HotplugMonitor]], udev: FakeUdevEvents
) -> None:
    monitor = await start(lambda _: udev)
    with pytest.raises(HotplugError, match="already running"):
        await monitor.start()


def test_the_real_feed_needs_udevd(tmp_path: Path) -> None:
    with pytest.raises(HotplugError, match=r"udevd is not running .*control is missing"):
        open_udev_events(KIOSK_SUBSYSTEMS, control=tmp_path / "control")
