"""The hall's time for a kiosk or a station: the server's `now` from the last hall read, moved
on by the monotonic clock. A device without a clock battery can be months off after a power cut."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# The device's own clock further off than this is a fault the managers hear of; back within
# OFF_CLEARS it is not (a little apart from the limit, so that a clock near it does not flap).
OFF_WARNS = dt.timedelta(minutes=3)
OFF_CLEARS = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class _Reading:
    server: dt.datetime  # the server's time, aware, in the hall's zone
    at: float  # the monotonic time it held at


def _rounded(off: dt.timedelta) -> tuple[int, str, str]:
    """How far off, rounded to its largest unit: a clock a year off, measured a second
    short of it, is 365 days off, not 364."""
    seconds = abs(off).total_seconds()
    for unit, chinese, english in ((86400, "天", "days"), (3600, "小时", "hours")):
        if seconds >= unit:
            return round(seconds / unit), chinese, english
    return round(seconds / 60), "分钟", "minutes"


def _off_words(off: dt.timedelta) -> str:
    """`本机时钟比服务器慢 365 天`: the fault's detail, for the managers."""
    amount, unit, _ = _rounded(off)
    return f"本机时钟比服务器{'快' if off > dt.timedelta(0) else '慢'} {amount} {unit}"


def _off_english(off: dt.timedelta) -> str:
    amount, _, unit = _rounded(off)
    return f"{amount} {unit} {'ahead of' if off > dt.timedelta(0) else 'behind'}"


class ServerClock:
    """The server's time as of now, or None while the device has not heard it since it started.

    `own` is the device's own wall clock: only compared with the server's, never used. `off`
    says how far it is off when that is more than a few minutes. `device` names the device in
    the log, and `without_time` says what it does while it knows no time.
    """

    def __init__(
        self,
        *,
        own: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        monotonic: Callable[[], float] = time.monotonic,
        device: str = "kiosk",
        without_time: str = "the screen shows no date or time",
    ) -> None:
        self.own = own
        self.monotonic = monotonic
        self.device = device
        self.without_time = without_time
        self.off: str | None = None
        self._reading: _Reading | None = None
        self._unknown_said = False

    def now(self) -> dt.datetime | None:
        if self._reading is None:
            return None
        return self._reading.server + dt.timedelta(seconds=self.monotonic() - self._reading.at)

    def read(self, answer: Mapping[str, Any], sent_at: float) -> None:
        """Take the `now` of a hall answer to a request sent at monotonic `sent_at`."""
        received = self.monotonic()
        try:
            server = dt.datetime.fromisoformat(answer["now"])
        except (KeyError, TypeError, ValueError):
            self._say_unknown(f"the server sends no time (a server older than this {self.device})")
            return
        if server.tzinfo is None:
            self._say_unknown(f"the server's time {answer['now']!r} has no UTC offset")
            return
        # The server said it somewhere between sending and receiving: half-way is the best guess.
        self._reading = _Reading(server, (sent_at + received) / 2)
        self._check_own(self.own() - server - dt.timedelta(seconds=received - self._reading.at))

    def unreached(self) -> None:
        """A hall read failed: while the device knows no time, say once what it does then."""
        if self._reading is None:
            self._say_unknown(f"the server has not answered since the {self.device} started")

    def _say_unknown(self, why: str) -> None:
        if not self._unknown_said:
            self._unknown_said = True
            log.warning(
                "no time from the server: %s; %s and the %s does not go by its own clock",
                why,
                self.without_time,
                self.device,
            )

    def _check_own(self, off: dt.timedelta) -> None:
        was_off = self.off is not None
        if abs(off) <= (OFF_CLEARS if was_off else OFF_WARNS):
            if was_off:
                log.info("the %s's own clock agrees with the server's again", self.device)
            self.off = None
            return
        words = _off_words(off)
        if not was_off:
            log.warning(
                "the %s's own clock is %s the server's; the %s goes by the server's time "
                "(set the clock: NTP, or a clock battery)",
                self.device,
                _off_english(off),
                self.device,
            )
        self.off = words
