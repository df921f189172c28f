"""The hall's time: wall-clock readings for the journal that never go backwards.

A hall PC's clock gets stepped: NTP corrects a drifted clock, a technician sets it by hand,
a board's RTC battery dies. Stepped forward, the wall clock is simply right again. Stepped
back, a journal written with it would record a call before its ticket was issued and a
negative wait. So the hall holds its time at the last reading until the wall clock catches
up, and says so once in the log. Durations the server measures itself (timers, send
timeouts, supervision rounds) never read this clock: they use the event loop's monotonic
time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

WallClock = Callable[[], dt.datetime]


def system_clock(zone: dt.tzinfo) -> WallClock:
    """The machine's wall clock, read in the hall's time zone."""
    return lambda: dt.datetime.now(zone)


class NeverBackwards:
    """A wall clock whose readings never fall below an earlier reading.

    After a step back every reading is the last good one until the wall clock passes it,
    so events keep their journal order in time, and the business day never goes back to
    yesterday.
    """

    def __init__(self, wall: WallClock) -> None:
        self.wall = wall
        self._last: dt.datetime | None = None
        self._holding = False

    def __call__(self) -> dt.datetime:
        now = self.wall()
        last = self._last
        if last is not None and now < last:
            if not self._holding:
                log.warning(
                    "the system clock went back %.1f s (to %s): hall time holds at %s "
                    "until the clock catches up",
                    (last - now).total_seconds(),
                    now.isoformat(),
                    last.isoformat(),
                )
                self._holding = True
            # In the wall clock's zone, so callers see the same tzinfo whichever they get.
            return last.astimezone(now.tzinfo)
        if self._holding:
            log.warning("the system clock caught up with hall time at %s", now.isoformat())
            self._holding = False
        self._last = now
        return now

    @property
    def holding(self) -> bool:
        """True while the wall clock is behind the hall's time (after a step back)."""
        return self._holding
