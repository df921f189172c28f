"""Running an agent: its tasks together, until SIGINT or SIGTERM or a crash, rescanning on
hot-plug."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from drivers.hotplug.base import KIOSK_SUBSYSTEMS

if TYPE_CHECKING:
    from drivers.hotplug.monitor import HotplugMonitor

log = logging.getLogger(__name__)


async def run_all(tasks: list[asyncio.Task[Any]]) -> None:
    """Wait for `tasks`; when one fails or this is cancelled, cancel the rest and wait for them."""
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM: the agent then stops in order instead of dying."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def run_until(stop: asyncio.Event, main: Coroutine[Any, Any, None], name: str) -> int:
    """Run `main` as a task until `stop` is set, then cancel it and wait for it to end.

    The exit code: 0 when stopped; 1 when `main` ended by itself first, which it never does
    unless it crashed. The error is logged and the agent exits, so that systemd starts it
    again (Restart=always) rather than leave it running with nothing working.
    """
    running = asyncio.create_task(main, name=name)
    stopping = asyncio.create_task(stop.wait(), name=f"{name}-stop")
    try:
        await asyncio.wait((running, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait((running, stopping))
    if running.cancelled():
        return 0
    error = running.exception()
    log.critical("%s ended by itself (%r): exiting", name, error, exc_info=error)
    return 1


async def watch_hotplug(
    rescan: Callable[[], None], subsystems: Sequence[str] = KIOSK_SUBSYSTEMS
) -> HotplugMonitor:
    """Call `rescan` at once when a device comes or goes (udev, or polling without it)."""
    from drivers.hotplug.monitor import HotplugMonitor

    async def on_change() -> None:
        rescan()

    monitor = HotplugMonitor(on_change, subsystems=subsystems)
    await monitor.start()
    log.info("hot-plug watch: %s", monitor.mode)
    return monitor
