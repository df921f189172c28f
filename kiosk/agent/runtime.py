"""The running kiosk: watches its devices and the server, and tells the touchscreen page."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import urllib.parse
from collections.abc import AsyncIterable, Callable
from typing import Any, Protocol

from drivers.idcard.card import Misread
from kiosk.agent import availability
from kiosk.agent.clock import ServerClock
from kiosk.agent.desk import TicketDesk
from kiosk.agent.link import ServerLink
from kiosk.agent.link_errors import IssueRefused, ServerUnavailable
from kiosk.page_feed import PageFeed
from kiosk.running import run_all
from kiosk.token_refusal import refused_token
from queue_server.domain.hall import Policy
from queue_server.web import requests as rq

log = logging.getLogger(__name__)

PRINTER_POLL_SECONDS = 5.0  # how often an idle kiosk asks its printer how it is
DEVICE_RETRY_SECONDS = 3.0  # how often a missing scanner or reader is looked for again
CARD_VALID_SECONDS = 120.0  # an ID card read counts for a green ticket this long
TOKEN_REMEDY = (
    "(hallq device add NAME --role kiosk), write it alone into the kiosk's token file "
    "(--token-file) and restart the agent"
)


class Card(Protocol):
    """What the kiosk needs of an ID card read (drivers.idcard.IdCard)."""

    @property
    def id_number(self) -> str: ...

    @property
    def masked_name(self) -> str: ...

    def age_on(self, day: dt.date) -> int: ...


DeviceOpener = Callable[[], AsyncIterable[Any]]


def unknown_appointment() -> IssueRefused:
    """A code that is no booking's, in the server's own words for it."""
    return IssueRefused(404, "unknown_appointment", "没有找到这个预约, 请核对预约码")


def appointment_code(scanned: str) -> str:
    """The code in a scan: the raw code, or the `code` parameter or last path part of a URL."""
    text = scanned.strip()
    if "://" not in text:
        return text
    parts = urllib.parse.urlsplit(text)
    given = urllib.parse.parse_qs(parts.query).get("code")
    return given[0] if given else parts.path.rstrip("/").rsplit("/", 1)[-1]


def _say_token(refused: bool) -> None:
    """Tell the IT person once that the server refuses the kiosk's token, and when it no
    longer does."""
    if refused:
        log.warning(refused_token("kiosk token", 401, TOKEN_REMEDY))
    else:
        log.info("the server accepts the kiosk token again")


class Kiosk(PageFeed):
    """Everything the touchscreen shows, kept current, pushed to every page that listens.

    Wall time is the server's (`clock`): `now` is the kiosk's own clock, only compared with
    it. Time-outs go by `monotonic`.
    """

    def __init__(
        self,
        link: ServerLink,
        desk: TicketDesk,
        *,
        open_scanner: DeviceOpener | None = None,
        open_card_reader: DeviceOpener | None = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.link = link
        self.desk = desk
        self.open_scanner = open_scanner
        self.open_card_reader = open_card_reader
        self.clock = link.clock = ServerClock(own=now, monotonic=monotonic)
        self.monotonic = monotonic
        self.devices = {"scanner": False, "card_reader": False}
        self.card: Card | None = None
        self._card_at = 0.0
        self._card_shown: asyncio.TimerHandle | None = None  # takes the card off the screen
        self._rescans: list[asyncio.Event] = []  # one per loop that looks for devices
        self._devices_reported: dict[str, bool] = {}  # as the server last heard of them
        self._clock_off_reported = False  # as the server last heard of the kiosk's clock
        self._devices_changed = asyncio.Event()  # wakes the printer watch, which reports them
        link.on_change = self.changed
        link.on_token = _say_token
        desk.on_change = self.changed

    # -- what the page sees ---------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        hall = self.link.hall
        pause = availability.pause(
            token_refused=self.link.token_refused,
            server_online=self.link.online,
            printer=self.desk.printer_status.condition,
            trust_unknown=self.desk.trust_unknown,
            unprinted=len(self.desk.ledger),
        )
        return {
            "type": "state",
            "hall": hall["hall"] if hall else None,
            "services": availability.services(hall, self.clock.now()),
            "paused": pause,
            "printer": {
                "condition": str(self.desk.printer_status.condition),
                "detail": self.desk.printer_status.detail,
            },
            "server_online": self.link.online,
            "unprinted": len(self.desk.ledger),
            "devices": dict(self.devices),
            "clock": {"now": _text(self.clock.now()), "own_clock_off": self.clock.off},
        }

    def changed(self) -> None:
        self.push(self.state())

    def rescan(self) -> None:
        """Hot-plug: a device came or went; look again now rather than at the next poll."""
        for event in self._rescans:
            event.set()

    async def _pause(self, seconds: float, event: asyncio.Event) -> None:
        """Sleep `seconds`, or less if a rescan is asked for meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
        event.clear()

    def _rescan_event(self) -> asyncio.Event:
        event = asyncio.Event()
        self._rescans.append(event)
        return event

    # -- green channel ---------------------------------------------------------------------

    @property
    def green_age(self) -> int:
        """The age from which an ID card offers a green-channel ticket: the hall's policy
        (until the hall is read, the policy's default)."""
        hall = self.link.hall
        age = hall["hall"].get("green_channel_age") if hall else None
        return age if isinstance(age, int) else Policy.green_channel_age

    def fresh_card(self) -> Card | None:
        if self.card is not None and self.monotonic() - self._card_at <= CARD_VALID_SECONDS:
            return self.card
        return None

    def green_card(self) -> Card:
        """The card that entitles this touch to a green-channel ticket, or IssueRefused."""
        card = self.fresh_card()
        if card is None:
            raise IssueRefused(
                409, "card_required", "绿色通道请先在读卡区放置身份证，或请工作人员协助"
            )
        age = self._age(card)
        if age is None:  # no date yet: the server has not answered, so nothing is issued
            raise IssueRefused(503, "server_unavailable", "网络中断，暂停取号，请稍候")
        if age < self.green_age:
            raise IssueRefused(
                409, "not_eligible", f"绿色通道为{self.green_age}岁以上老人等提供，请取普通号"
            )
        return card

    def _age(self, card: Card) -> int | None:
        """The card holder's age on the server's date; None while the kiosk knows no date."""
        now = self.clock.now()
        return card.age_on(now.date()) if now is not None else None

    def forget_card(self) -> None:
        self.card = None
        self.push({"type": "card", "card": None})

    def _show_card(self, message: dict[str, Any]) -> None:
        """Show a card read (or misread) for as long as it counts, then forget it: the next
        citizen must see neither the name nor a green channel that is no longer theirs."""
        if self._card_shown is not None:
            self._card_shown.cancel()
        loop = asyncio.get_running_loop()
        self._card_shown = loop.call_later(CARD_VALID_SECONDS, self.forget_card)
        self.push(message)

    # -- running --------------------------------------------------------------------------

    async def run(self) -> None:
        tasks = [
            asyncio.create_task(self.link.run(), name="hallq-kiosk-link"),
            asyncio.create_task(self._watch_printer(), name="hallq-kiosk-printer"),
        ]
        if self.open_scanner is not None:
            tasks.append(
                asyncio.create_task(self._hold("scanner", self.open_scanner, self._scanned))
            )
        if self.open_card_reader is not None:
            tasks.append(
                asyncio.create_task(
                    self._hold("card_reader", self.open_card_reader, self._card_read)
                )
            )
        await run_all(tasks)

    async def _watch_printer(self) -> None:
        """Ask the printer, settle unprinted tickets and report the devices, every few
        seconds and at once on a hot-plug event or a scanner or reader gone or back."""
        rescan = self._devices_changed = self._rescan_event()
        while True:
            try:
                if self.desk.ledger and self.link.online:
                    await self.desk.recover()
                elif not self.desk.busy:
                    await self.desk.check_printer()
            except Exception:  # one bad poll must not end the watch
                log.exception("printer check failed")
            await self._report_devices()
            self.changed()
            await self._pause(PRINTER_POLL_SECONDS, rescan)

    async def _hold(self, name: str, opener: DeviceOpener, handle: Callable[[Any], Any]) -> None:
        """Read a device for as long as it is there; look for it again when it goes."""
        rescan = self._rescan_event()
        while True:
            try:
                device = opener()  # opened (and grabbed) now, or it raises: it is there
                self._set_device(name, True)
                async for item in device:
                    await handle(item)
            except Exception as exc:  # a device error degrades this device only
                log.warning("%s unavailable: %s", name, exc)
            self._set_device(name, False)
            await self._pause(DEVICE_RETRY_SECONDS, rescan)

    async def _report_devices(self) -> None:
        """Tell the server of a scanner or card reader gone or back, or the kiosk's own clock
        off or right again (the managers' device alert), and again after a report that did
        not get there."""
        openers = {"scanner": self.open_scanner, "card_reader": self.open_card_reader}
        for name, opener in openers.items():
            present = self.devices[name]
            if opener is None or self._devices_reported.get(name) == present:
                continue
            if self.link.online and await self.link.report(name, "ok" if present else "offline"):
                self._devices_reported[name] = present
        off = self.clock.off
        # Said only once it is off: a kiosk whose clock is right has no clock to list.
        if (
            (off is not None) != self._clock_off_reported
            and self.link.online
            and await self.link.report("clock", "ok" if off is None else "off", off)
        ):
            self._clock_off_reported = off is not None

    def _set_device(self, name: str, present: bool) -> None:
        if self.devices[name] != present:
            self.devices[name] = present
            self.changed()
            self._devices_changed.set()  # for the report to the server

    async def _scanned(self, raw: str) -> None:
        code = appointment_code(raw)
        if not rq.matches(rq.APPOINTMENT_CODE, code):
            # Garbage, codes run together by a scanner without its Enter, another system's
            # QR: no booking's code, and one too long for a URL the server would even read.
            self.push(
                {
                    "type": "appointment",
                    "code": code,
                    "error": unknown_appointment().body()["error"],
                }
            )
            return
        try:
            found = await self.link.request(
                "GET", f"/api/v1/appointments/{urllib.parse.quote(code, safe='')}", retry=False
            )
        except IssueRefused as exc:
            self.push({"type": "appointment", "code": code, "error": exc.body()["error"]})
            return
        except ServerUnavailable:
            self.push(
                {
                    "type": "appointment",
                    "code": code,
                    "error": {"code": "server_unavailable", "message": "网络中断，请稍后再扫"},
                }
            )
            return
        self.push({"type": "appointment", "code": code, "appointment": found["appointment"]})

    async def _card_read(self, card: Card | Misread) -> None:
        if isinstance(card, Misread):
            # Say so, so that the citizen places the card again rather than walk away.
            self.card = None
            self._show_card({"type": "card", "card": None, "misread": True})
            return
        self.card = card
        self._card_at = self.monotonic()
        age = self._age(card)
        green = age is not None and age >= self.green_age
        self._show_card(
            {"type": "card", "card": {"name": card.masked_name, "age": age, "green": green}}
        )


def _text(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="milliseconds") if moment is not None else None
