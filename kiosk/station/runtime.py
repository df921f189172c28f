"""The running station: the window from the stream, the keypad and key pad loops, the pad page."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from collections.abc import AsyncIterable, Callable
from typing import Any

from kiosk.agent.clock import ServerClock
from kiosk.agent.link import ServerLink
from kiosk.agent.link_errors import IssueRefused, ServerUnavailable
from kiosk.page_feed import PageFeed
from kiosk.running import run_all
from kiosk.station.actions import NotPossible, call_back_request, request_for
from kiosk.station.keypad import Action, Feedback, Intent, KeypadMachine
from kiosk.station.settings import KeyPadSettings, KeypadSettings
from kiosk.station.stream import ConsoleStream
from kiosk.station.window import OpenRating, WindowWatch
from queue_server.domain.ratings import LEVEL_NAMES, TAGS, Channel, Level

log = logging.getLogger(__name__)

DEVICE_RETRY_SECONDS = 3.0  # how often a missing keypad or key pad is looked for again
TIME_READ_SECONDS = 30.0  # how often the server's time is read again (GET /api/v1/hall)
KEYPAD = "keypad"
KEY_PAD = "key_pad"

KeyOpener = Callable[[], AsyncIterable[int]]

# The wire's refusals of a rating, as the citizen reads them on the pad.
RATING_REFUSALS = {
    "rating_closed": "评价时间已过，谢谢您的参与",
    "already_rated": "本次服务已经评价过了，谢谢您",
    "reason_required": "请至少选择一个不满意的原因",
    "not_served": "本次服务尚未办结，暂不能评价",
    "unknown_ticket": "没有找到本次服务，请联系工作人员",
    "invalid_request": "评价内容有误，请重新选择",
    # The station's set-up is wrong (a pad token of another window, or one revoked): for the
    # hall's staff to mend; the server's words go to the log.
    "forbidden": "暂时无法评价，请联系工作人员",
    "unauthenticated": "暂时无法评价，请联系工作人员",
}


def levels() -> list[dict[str, Any]]:
    """The five levels best first, with their names and national tags, for the pad page."""
    return [
        {
            "level": int(level),
            "name": LEVEL_NAMES[level],
            "bad": level <= Level.DISSATISFIED,
            "tags": [{"code": code, "text": text} for code, text in TAGS[level].items()],
        }
        for level in sorted(Level, reverse=True)
    ]


class Station(PageFeed):
    """One window's station: keypad actions as the station, ratings as the pad.

    Ratings are timed by the server's time (`clock`, moved on by `clock_monotonic`): `now` is
    the station's own clock, only compared with it. Key presses are timed by `monotonic`.
    """

    def __init__(
        self,
        window_id: str,
        *,
        station_link: ServerLink | None,
        pad_link: ServerLink | None,
        keypad: KeypadSettings | None = None,
        key_pad: KeyPadSettings | None = None,
        open_keypad: KeyOpener | None = None,
        open_key_pad: KeyOpener | None = None,
        voice: bool = True,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        monotonic: Callable[[], float] = time.monotonic,
        clock_monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        link = station_link or pad_link
        if link is None:
            raise ValueError("a station needs its station token, its pad token or both")
        self.window_id = window_id
        self.station_link = station_link
        self.pad_link = pad_link
        self.keypad = keypad
        self.key_pad = key_pad
        self.open_keypad = open_keypad if keypad is not None else None
        self.open_key_pad = open_key_pad if key_pad is not None else None
        self.voice = voice
        self.monotonic = monotonic
        self.clock = ServerClock(
            own=now,
            monotonic=clock_monotonic,
            device="station",
            without_time="ratings are timed from when the station hears of them",
        )
        self._time_link = link  # reads the server's time, and reports the station's clock
        self.watch = WindowWatch(window_id)
        self.machine = KeypadMachine(
            keypad.keys if keypad else {},
            entry_seconds=keypad.entry_seconds if keypad else 5,
            repeat_guard=(keypad.repeat_guard_ms if keypad else 800) / 1000,
        )
        self.stream = ConsoleStream(
            link.server_url,
            link.token,
            self._on_message,
            lambda: self.watch.last_seq,
            role="station" if station_link is not None else "pad",
            on_online=self._set_online,
        )
        self.server_url = link.server_url
        self.online = False
        self.devices: dict[str, bool] = {}
        self._device_details: dict[str, str | None] = {}  # why each device is missing
        self._back_online = asyncio.Event()
        self._time_due = asyncio.Event()  # read the server's time now, not at the next turn
        self._clock_off_reported = False  # as the server last heard of the station's clock
        self.last_refusal: dict[str, str] | None = None  # the last server refusal, for logs
        self._key_rated: set[tuple[str, str]] = set()  # services a key-pad press was sent for
        self._actions: asyncio.Queue[Action] = asyncio.Queue()  # pressed, not yet sent
        self._rescan = asyncio.Event()
        self._expiry: asyncio.TimerHandle | None = None
        # The open rating last heard of (its service and when it opened), and the monotonic
        # time it was heard at.
        self._rating_heard: tuple[tuple[str, str], dt.datetime] | None = None
        self._rating_heard_at = 0.0

    # -- what the pad page sees -------------------------------------------------------

    def open_rating(self) -> OpenRating | None:
        """The window's open rating while a touch may still answer it."""
        rating = self.watch.rating
        if rating is None or self._seconds_left(rating, rating.touch_until) <= 0:
            return None
        return rating

    def _seconds_left(self, rating: OpenRating, until: dt.datetime) -> float:
        """The seconds left until `until` of the open `rating`, by the server's time: the
        station's own clock may be months off (a Pi without a clock battery, after a power
        cut). Before the server has said its time (a server older than the station), counted
        from when the station heard of the rating, by the hall's own length of it."""
        now = self.clock.now()
        if now is None:
            heard = self.clock.monotonic() - self._rating_heard_at
            return (until - rating.opened_at).total_seconds() - heard
        return (until - now).total_seconds()

    def state(self) -> dict[str, Any]:
        window = self.watch.window or {}
        rating = self.open_rating()
        # While a rating is open the citizen rates who served them: after a 替岗, not the
        # clerk at the window now.
        clerk = rating.clerk if rating is not None and rating.clerk else self.watch.clerk
        return {
            "type": "state",
            "online": self.online,
            "window": {
                "id": self.window_id,
                "label": window.get("label") or f"{self.window_id}号窗口",
            },
            "clerk": (
                {
                    "name": clerk.get("name"),
                    "staff_no": clerk.get("staff_no"),
                    "photo": f"/local/photo?staff_no={clerk.get('staff_no') or ''}",
                }
                if clerk
                else None
            ),
            "rating": (
                {
                    "ticket": rating.ticket,
                    "number": rating.number,
                    "service_name": rating.service_name,
                    "seconds_left": max(0, int(self._seconds_left(rating, rating.touch_until))),
                }
                if rating
                else None
            ),
            "voice": self.voice,
            "devices": dict(self.devices),
        }

    def changed(self) -> None:
        self._schedule_expiry()
        self.push(self.state())

    def rescan(self) -> None:
        """Hot-plug: a device came or went; look again now rather than at the next retry."""
        self._rescan.set()

    # -- the stream ---------------------------------------------------------------------

    def _on_message(self, message: object) -> None:
        if self.watch.apply(message):
            self._window_changed()
        snapshot = isinstance(message, dict) and message.get("type") == "snapshot"
        if snapshot and self.watch.window is None:
            log.warning(
                "window %r is not in the hall (its windows: %s): check [station] window",
                self.window_id,
                ", ".join(self.watch.hall_windows),
            )

    def _window_changed(self) -> None:
        """The window changed (from the stream or an answer): note a newly opened rating."""
        rating = self.watch.rating
        if rating is not None and (rating.occurrence, rating.opened_at) != self._rating_heard:
            self._rating_heard = rating.occurrence, rating.opened_at
            self._rating_heard_at = self.clock.monotonic()
            log.info("rating open for %s until %s", rating.number, rating.touch_until)
        self.changed()

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            log.info("server %s", "reachable" if online else "unreachable")
            if online:
                self._back_online.set()
                self._time_due.set()
            self.changed()

    def _schedule_expiry(self) -> None:
        """Tell the page when the open rating's touch time runs out (nothing else would)."""
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        rating = self.open_rating()
        if rating is not None:
            delay = self._seconds_left(rating, rating.touch_until)
            self._expiry = asyncio.get_running_loop().call_later(
                max(0.0, delay) + 0.05, self.changed
            )

    # -- running ------------------------------------------------------------------------

    async def run(self) -> None:
        tasks = [
            asyncio.create_task(self.stream.run(), name="hallq-station-stream"),
            asyncio.create_task(self._report_devices_again()),
            asyncio.create_task(self._keep_time(), name="hallq-station-time"),
        ]
        if self.open_keypad is not None and self.station_link is not None:
            tasks.append(
                asyncio.create_task(self._hold(KEYPAD, self.open_keypad, self.key_pressed))
            )
            tasks.append(asyncio.create_task(self._send_actions()))
        if self.open_key_pad is not None and self.pad_link is not None:
            tasks.append(
                asyncio.create_task(self._hold(KEY_PAD, self.open_key_pad, self.rating_key))
            )
        try:
            await run_all(tasks)
        finally:
            if self._expiry is not None:
                self._expiry.cancel()

    async def _hold(self, name: str, opener: KeyOpener, handle: Callable[[int], Any]) -> None:
        """Read a device while it is there; look for it again when it goes; never give up."""
        while True:
            detail = None
            try:
                device = opener()
                await self._set_device(name, True, None)
                try:
                    async for code in device:
                        await handle(code)
                finally:
                    close = getattr(device, "close", None)
                    if close is not None:
                        close()
            except Exception as exc:  # a device error degrades this device only
                log.warning("%s unavailable: %s", name, exc)
                detail = str(exc)[:200]
            if name == KEYPAD:
                for output in self.machine.unplugged():
                    log.info("keypad: %s", output)
            await self._set_device(name, False, detail)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._rescan.wait(), DEVICE_RETRY_SECONDS)
            self._rescan.clear()

    async def _set_device(self, name: str, present: bool, detail: str | None) -> None:
        was = self.devices.get(name)
        self.devices[name] = present
        self._device_details[name] = detail
        if was == present and was is not None:
            return
        await self._report(name)
        self.changed()

    async def _report(self, name: str) -> None:
        link = self.station_link if name == KEYPAD else self.pad_link
        if link is not None:
            condition = "ok" if self.devices[name] else "offline"
            await link.report(name, condition, self._device_details.get(name))

    async def _report_devices_again(self) -> None:
        """Whenever the server is reachable again, say again how each device is: a change
        reported while it was unreachable was lost. The server keeps changes only, so saying
        the same again costs nothing."""
        while True:
            await self._back_online.wait()
            self._back_online.clear()
            for name in list(self.devices):
                await self._report(name)

    # -- the server's time ---------------------------------------------------------------

    async def _keep_time(self) -> None:
        """Read the server's time at the start, whenever the server is reachable again and
        every 30 s; tell the managers when the station's own clock is off."""
        while True:
            sent = self.clock.monotonic()
            try:
                hall = await self._time_link.request("GET", "/api/v1/hall", retry=False)
            except (IssueRefused, ServerUnavailable) as exc:
                log.debug("cannot read the server's time: %s", exc)
                self.clock.unreached()
            else:
                self.clock.read(hall, sent)
                if self.watch.rating is not None:
                    self.changed()  # the open rating is timed by the server's time as read now
                await self._report_clock()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._time_due.wait(), TIME_READ_SECONDS)
            self._time_due.clear()

    async def _report_clock(self) -> None:
        """Report the station's own clock off, or right again (the managers' device alert),
        and again after a report that did not get there. Said only once it is off: a station
        whose clock is right has no clock to list."""
        off = self.clock.off
        if (off is not None) != self._clock_off_reported and await self._time_link.report(
            "clock", "ok" if off is None else "off", off
        ):
            self._clock_off_reported = off is not None

    # -- the caller keypad --------------------------------------------------------------

    async def key_pressed(self, code: int) -> None:
        """Take a press when it is made, so the double-tap guard sees the real gap between two
        presses even while the server is slow to answer the first; its action waits its turn."""
        for output in self.machine.press(code, self.monotonic()):
            if isinstance(output, Feedback):
                log.debug("keypad: %s: %s", output.kind, output.text)
            else:
                self._actions.put_nowait(output)

    async def _send_actions(self) -> None:
        """Send the keypad's actions one at a time, in the order pressed."""
        while True:
            await self.act(await self._actions.get())

    def _forget_pressed_blind(self) -> None:
        """Actions pressed while the server did not answer were pressed blind: never send them
        late to a server that has come back; the clerk presses again when it answers."""
        while not self._actions.empty():
            action = self._actions.get_nowait()
            log.warning("keypad %s: not sent, the server did not answer", action.intent)

    async def act(self, action: Action) -> None:
        """Send one keypad action; a refusal is logged, never raised."""
        link = self.station_link
        assert link is not None, "a keypad needs the station token"
        assert self.keypad is not None
        try:
            request = request_for(action, self.window_id, self.watch.state, self.keypad)
            if action.intent is Intent.CALL_BACK:
                assert action.number is not None
                detail = await link.request(request.method, request.path, retry=False)
                request = call_back_request(detail, self.window_id, action.number)
            answer = await link.request(request.method, request.path, request.body, retry=False)
        except NotPossible as exc:
            log.warning("keypad %s: %s", action.intent, exc)
            return
        except IssueRefused as exc:
            self.last_refusal = {"action": str(action.intent), "code": exc.code}
            log.warning("keypad %s refused: %s %s", action.intent, exc.code, exc.message)
            return
        except ServerUnavailable as exc:
            log.warning("keypad %s: server unavailable: %s", action.intent, exc)
            self._forget_pressed_blind()
            return
        log.info("keypad %s%s: done", action.intent, f" {action.number}" if action.number else "")
        window = answer.get("window")
        if isinstance(window, dict) and self.watch.replace(window):
            self._window_changed()

    # -- ratings ------------------------------------------------------------------------

    async def rating_key(self, code: int) -> None:
        assert self.key_pad is not None
        level = self.key_pad.levels.get(code)
        if level is None:
            log.debug("key pad: key %s is not mapped", code)
            return
        rating = self.watch.rating
        if rating is None or self._seconds_left(rating, rating.key_until) <= 0:
            log.debug("key pad: %s pressed with no rating open; nothing done", level)
            return
        if rating.occurrence in self._key_rated:
            log.debug("key pad: %s already rated from the key pad", rating.number)
            return
        self._key_rated.add(rating.occurrence)  # one press per service
        try:
            await self.send_rating(rating, level, [], None, Channel.HALL_TERMINAL)
        except IssueRefused as exc:
            log.info("key pad rating of %s refused: %s", rating.number, exc.code)
            if exc.code == "reason_required":
                # A key cannot say why: the touch pad asks for the reason of this 差评, and
                # since nothing was recorded the key pad may still be pressed again.
                self._key_rated.discard(rating.occurrence)
                self.push({"type": "reason", "level": level})
            return
        except ServerUnavailable as exc:
            # Unanswered: the citizen may press again. Should the first have landed after all,
            # the server refuses the second as already rated.
            self._key_rated.discard(rating.occurrence)
            log.warning("key pad rating of %s not sent: %s", rating.number, exc)
            return
        self.push({"type": "thanks"})

    async def rate(
        self, level: int, tags: list[str], comment: str | None, *, ticket: str | None = None
    ) -> dict[str, Any]:
        """The touch pad's rating of the open service (of `ticket`, when the pad says which
        it asked about); IssueRefused when it cannot be taken."""
        rating = self.open_rating()
        if rating is None or (ticket is not None and rating.ticket != ticket):
            # The citizen's rating closed: timed out, or the window served the next citizen.
            raise IssueRefused(409, "rating_closed", RATING_REFUSALS["rating_closed"])
        try:
            return await self.send_rating(rating, level, tags, comment, Channel.HALL_TABLET)
        except IssueRefused as exc:
            if exc.code in ("forbidden", "unauthenticated"):
                log.warning("the server refused the pad's rating: %s", exc.message)
            message = RATING_REFUSALS.get(exc.code, exc.message)
            raise IssueRefused(exc.status, exc.code, message) from exc

    async def send_rating(
        self, rating: OpenRating, level: int, tags: list[str], comment: str | None, channel: Channel
    ) -> dict[str, Any]:
        """Rate the service `rating` opened; IssueRefused when the server refuses it."""
        assert self.pad_link is not None, "ratings need the pad token"
        body: dict[str, Any] = {
            "ticket": rating.ticket,
            "level": level,
            "channel": int(channel),
            # Each attempt of this rating sends the same body: when one whose answer was lost
            # had landed, the server answers the next with that rating, not as a duplicate.
            "idempotency_key": uuid.uuid4().hex,
        }
        if tags:
            body["tags"] = tags
        if comment:
            body["comment"] = comment
        answer = await self.pad_link.request("POST", "/api/v1/ratings", body)
        log.info("rating %s recorded for %s (channel %d)", level, rating.number, channel)
        window = answer.get("window")
        if isinstance(window, dict) and self.watch.replace(window):
            self._window_changed()
        return answer
