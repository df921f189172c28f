"""HotplugMonitor: device events (or, without udev, a timer) trigger one debounced rescan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from drivers.hotplug.base import KIOSK_SUBSYSTEMS, HotplugError, UdevEvents
from drivers.hotplug.udev import open_udev_events

log = logging.getLogger(__name__)

Rescan = Callable[[], Awaitable[None]]
EventsFactory = Callable[[Sequence[str]], UdevEvents]
Sleep = Callable[[float], Awaitable[None]]


class HotplugMonitor:
    """Calls `rescan` once after the devices present at start() and after every burst of events.

    Events carry no meaning here: `rescan` must look at what is plugged in now and be safe to
    run any number of times. Without udev it runs every `poll_interval` seconds instead.
    """

    def __init__(
        self,
        rescan: Rescan,
        *,
        subsystems: Sequence[str] = KIOSK_SUBSYSTEMS,
        debounce: float = 1.0,
        poll_interval: float = 5.0,
        events: EventsFactory = open_udev_events,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._rescan = rescan
        self._subsystems = tuple(subsystems)
        self._debounce = debounce
        self._poll_interval = poll_interval
        self._open_events = events
        self._sleep = sleep
        self._mode: Literal["stopped", "udev", "polling"] = "stopped"
        self._events: UdevEvents | None = None
        self._wanted = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def mode(self) -> Literal["stopped", "udev", "polling"]:
        return self._mode

    async def start(self) -> None:
        if self._mode != "stopped":
            raise HotplugError("the hot-plug monitor is already running")
        try:
            events = self._open_events(self._subsystems)
        except (HotplugError, OSError) as exc:
            self._poll_instead(exc)
        else:
            asyncio.get_running_loop().add_reader(events.fileno(), self._on_events)
            self._events, self._mode = events, "udev"
        self._tasks.append(asyncio.create_task(self._run(), name="hotplug-rescan"))
        self.trigger()  # the devices already plugged in need their first scan

    async def stop(self) -> None:
        self._drop_events()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._wanted.clear()
        self._mode = "stopped"

    def trigger(self) -> None:
        """Ask for a rescan; a burst of asks within the debounce time makes one."""
        self._wanted.set()

    def _on_events(self) -> None:
        if self._events is None:
            return
        try:
            happened = self._events.drain()
        except HotplugError as exc:
            self._drop_events()
            self._poll_instead(exc)
            self.trigger()  # what changed while the feed broke is unknown
            return
        if happened:
            log.debug("hot-plug: %s", "; ".join(happened))
            self.trigger()

    def _poll_instead(self, reason: Exception) -> None:
        log.warning("hot-plug: %s; rescanning every %g s instead", reason, self._poll_interval)
        self._mode = "polling"
        self._tasks.append(asyncio.create_task(self._poll(), name="hotplug-poll"))

    def _drop_events(self) -> None:
        if self._events is not None:
            asyncio.get_running_loop().remove_reader(self._events.fileno())
            self._events.close()
            self._events = None

    async def _poll(self) -> None:
        while True:
            await self._sleep(self._poll_interval)
            self.trigger()

    async def _run(self) -> None:
        while True:
            await self._wanted.wait()
            # One plug-in is a burst (usb device, interfaces, input, event nodes): let it end.
            await self._sleep(self._debounce)
            self._wanted.clear()
            try:
                await self._rescan()
            except Exception:
                log.exception("hot-plug: rescan failed; will try again at the next event")
