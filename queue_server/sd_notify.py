"""Tell systemd how the server is doing: READY, STOPPING, STATUS and a watchdog fed while healthy.

The protocol is one datagram of ``KEY=value`` lines to the AF_UNIX socket named by
``$NOTIFY_SOCKET`` (a leading ``@`` means the abstract namespace). Outside systemd the
variable is unset and every call here is a no-op, so the server never needs to ask.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable

__all__ = [
    "notify",
    "ready",
    "run_watchdog",
    "status",
    "stopping",
    "watchdog_interval",
    "watchdog_ping",
]

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send one notify message; True when it was handed to systemd's socket.

    Failures are logged and swallowed: losing a notification must never take the server
    down (systemd notices a missing READY or watchdog ping on its own).
    """
    target = os.environ.get("NOTIFY_SOCKET")
    if not target:
        return False
    address = "\0" + target[1:] if target.startswith("@") else target
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            # Called from the event loop: never block on a full socket buffer.
            sock.setblocking(False)
            sock.sendto(message.encode(), address)
    except OSError as exc:
        log.warning("sd_notify: cannot send %r to %s: %s", message, target, exc)
        return False
    return True


def ready() -> bool:
    """Startup is finished: the database is open and the server listens."""
    return notify("READY=1")


def stopping() -> bool:
    """Shutdown has begun."""
    return notify("STOPPING=1")


def watchdog_ping() -> bool:
    """Keep the watchdog from firing; only ever sent while healthy."""
    return notify("WATCHDOG=1")


def status(text: str) -> bool:
    """A one-line status shown by ``systemctl status``."""
    # A newline would start a new KEY=value assignment in the datagram.
    return notify("STATUS=" + " ".join(text.splitlines()))


def watchdog_interval() -> float | None:
    """Seconds between pings (half of ``$WATCHDOG_USEC``), or None when systemd wants none."""
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec:
        return None
    # Like sd_watchdog_enabled(): a WATCHDOG_PID naming another process is not for us.
    pid = os.environ.get("WATCHDOG_PID")
    if pid and pid != str(os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        log.warning("sd_notify: ignoring WATCHDOG_USEC=%r: not an integer", usec)
        return None
    if value <= 0:
        return None
    return value / 2 / 1_000_000


async def run_watchdog(
    is_healthy: Callable[[], Awaitable[bool]], *, interval: float | None = None
) -> None:
    """Ping the watchdog every ``interval`` seconds while ``is_healthy()`` says True.

    ``interval`` defaults to half of ``$WATCHDOG_USEC``; without it (or without
    ``$NOTIFY_SOCKET``) this returns at once. A health check that raises, or does not answer
    within one interval, counts as unhealthy: the ping is withheld, and systemd restarts the
    server once ``WatchdogSec`` passes without one. A stalled event loop withholds pings by
    itself, since this task cannot run. Runs until cancelled.
    """
    if interval is None:
        interval = watchdog_interval()
    if interval is None or not os.environ.get("NOTIFY_SOCKET"):
        return
    loop = asyncio.get_running_loop()
    log.info("sd_notify: watchdog pings every %.3g s while healthy", interval)
    while True:
        if await _check(is_healthy, interval):
            watchdog_ping()
        slept_from = loop.time()
        await asyncio.sleep(interval)
        lag = loop.time() - slept_from - interval
        if lag > interval:
            log.warning("sd_notify: event loop ran %.3g s late between watchdog pings", lag)


async def _check(is_healthy: Callable[[], Awaitable[bool]], limit: float) -> bool:
    try:
        async with asyncio.timeout(limit):
            healthy = await is_healthy()
    except TimeoutError:
        log.warning("sd_notify: withholding watchdog ping: health check took over %.3g s", limit)
        return False
    except Exception:
        log.exception("sd_notify: withholding watchdog ping: health check raised")
        return False
    if not healthy:
        log.warning("sd_notify: withholding watchdog ping: server unhealthy")
    return healthy
