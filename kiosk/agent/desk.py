"""The ticket desk: issue on the server, print, and never lose or double a ticket."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from drivers.printer.base import PrinterCondition, PrinterStatus, PrintFailed, TicketPrinter
from kiosk.agent.availability import PRINTER_WORDS, TOKEN_WORDS
from kiosk.agent.ledger import Ledger, Unprinted
from kiosk.agent.link import ServerLink
from kiosk.agent.link_errors import IssueRefused, ServerUnavailable
from kiosk.ticket.layout import PrintedTicket, TicketError, TicketLayout
from kiosk.ticket.layout import Priority as PrintedPriority

log = logging.getLogger(__name__)

REMEMBERED_TOUCHES = 200  # answers kept for touches sent again
# Refusals that say nothing of a ticket, only of the kiosk for now: its token refused (401),
# the hall's flood limit (429). An unprinted ticket waits through them.
REFUSED_FOR_NOW = frozenset({401, 429})
VOIDED_UNPRINTED = "号票未能打印, 已作废"
# The server issued it but its answer was lost: the citizen was told 网络中断 and saw no number.
VOIDED_UNSEEN = "取号应答未能送达出票机, 号码未交给群众, 已作废"


def missed_call_rule(hall: dict[str, Any]) -> str:
    """The hall's missed-call policy in the words printed on a ticket: one short line, as it
    must fit 58 mm paper (32 columns in the printer's own font).

    `hall` is the `hall` object of the server's hall view. A missed ticket under `back` or
    `after_n` is put back in by the server itself, so the words must not send the citizen to
    take a new one. A server too old to send `missed_after_places` or `missed_requeue_limit`
    gets no made-up number.
    """
    policy = hall.get("missed_policy")
    limit = hall.get("missed_requeue_limit")
    if policy not in ("back", "after_n") or limit == 0:
        return "过号作废，请留意叫号"  # a limit of 0 voids at the first miss, as `void` does
    if policy == "back":
        requeue = "过号排到队尾再呼叫"
    else:
        places = hall.get("missed_after_places")
        requeue = f"过号顺延{places}位再呼叫" if isinstance(places, int) else "过号顺延再呼叫"
    return f"{requeue}，{_voided_after(limit)}" if isinstance(limit, int) else requeue


def _voided_after(limit: int) -> str:
    """Which miss voids a ticket that goes back in `limit` times (1 or more)."""
    return "再过号作废" if limit == 1 else f"过号{limit + 1}次作废"


class UnprintedPolicy(StrEnum):
    """What happens to a ticket the server issued but the printer did not print."""

    REPRINT = "reprint"  # printed as soon as the printer is back (the number is on screen)
    VOID = "void"  # cancelled at once; the citizen is told no ticket was issued


@dataclass(frozen=True)
class Issued:
    """The answer to a touch: the server's ticket answer and whether it is on paper."""

    answer: dict[str, Any]
    printed: bool

    def body(self) -> dict[str, Any]:
        return {**self.answer, "printed": self.printed}


Encoder = Callable[[PrintedTicket, TicketLayout], bytes]


class TicketDesk:
    """Issues and prints one ticket at a time.

    Before issuing it asks the printer; a printer that cannot print refuses the touch (503
    printer_unavailable) and nothing is issued. A print that fails after issuing leaves the
    ticket in the ledger, to be reprinted or voided per the hall's policy; a ticket whose
    answer was lost on the way is voided, as nobody saw its number. A touch sent again (same
    idempotency key) gets the first answer back and nothing is printed twice.
    """

    def __init__(
        self,
        link: ServerLink,
        printer: TicketPrinter,
        layout: TicketLayout,
        encode: Encoder,
        ledger: Ledger,
        *,
        policy: UnprintedPolicy = UnprintedPolicy.REPRINT,
        trust_unknown: bool = False,
        phone_url: str | None = None,
        missed_rule: str | None = None,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.link = link
        self.printer = printer
        self.layout = layout
        self.encode = encode
        self.ledger = ledger
        self.policy = policy
        self.trust_unknown = trust_unknown
        self.phone_url = (phone_url or link.server_url).rstrip("/")
        self.missed_rule = missed_rule
        self.on_change = on_change
        self.printer_status = PrinterStatus(PrinterCondition.UNKNOWN, "not asked yet")
        self._reported: PrinterStatus | None = None
        self._lock = asyncio.Lock()
        self._answers: OrderedDict[str, Issued] = OrderedDict()

    # -- the printer ----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A touch is being served (its own printer queries are under way)."""
        return self._lock.locked()

    @property
    def can_print(self) -> bool:
        return self.printer_status.condition.can_print(trust_unknown=self.trust_unknown)

    async def check_printer(self) -> PrinterStatus:
        """Ask the printer; tell the page and the server when its condition changes."""
        status = await self.printer.status()
        changed = status != self.printer_status
        self.printer_status = status
        if changed:
            log.info("printer %s: %s %s", self.printer.name, status.condition, status.detail)
            self.on_change()
        if (
            status != self._reported
            and self.link.online
            and await self.link.report("printer", str(status.condition), status.detail)
        ):
            self._reported = status
        return status

    @staticmethod
    def _refuse_for_token() -> IssueRefused:
        return IssueRefused(503, "token_refused", f"{TOKEN_WORDS}，暂停取号，请联系工作人员")

    def _refuse_for_printer(self) -> IssueRefused:
        words = PRINTER_WORDS.get(self.printer_status.condition, "打印机故障")
        return IssueRefused(503, "printer_unavailable", f"{words}，暂停取号，请联系工作人员")

    # -- issuing --------------------------------------------------------------------------

    async def issue(
        self, service: str, priority: str, key: str, id_number: str | None = None
    ) -> Issued:
        body = _issue_body(service, priority, key)
        if id_number is not None:
            body["id_number"] = id_number
        entry = Unprinted(key, service, priority)
        return await self._serve(
            key, entry, lambda: self.link.request("POST", "/api/v1/tickets", body)
        )

    async def check_in(self, code: str, key: str) -> Issued:
        path = f"/api/v1/appointments/{code}/check-in"
        entry = Unprinted(key, "", "appointment", appointment=code)
        body = {"idempotency_key": key}
        return await self._serve(key, entry, lambda: self.link.request("POST", path, body))

    async def _serve(
        self, key: str, entry: Unprinted, ask: Callable[[], Awaitable[dict[str, Any]]]
    ) -> Issued:
        async with self._lock:
            earlier = self._answers.get(key)
            if earlier is not None:
                return earlier  # the same touch again: never a second ticket or printout
            if self.link.token_refused:
                raise self._refuse_for_token()
            if not self.link.online:
                raise IssueRefused(503, "server_unavailable", "网络中断，暂停取号，请稍候")
            await self.check_printer()
            if not self.can_print:
                raise self._refuse_for_printer()
            try:
                answer = await ask()
            except ServerUnavailable as exc:
                if exc.maybe_done:
                    # The server may have issued it: keep the key to find out and settle it.
                    self.ledger.put(entry)
                raise IssueRefused(503, "server_unavailable", "网络中断，暂停取号，请稍候") from exc
            except IssueRefused as exc:
                if exc.after_lost_answer:
                    # A try before this refusal went unanswered: the server may have issued
                    # it (a refused token or a flood limit is judged before the key).
                    self.ledger.put(entry)
                if self.link.token_refused:  # found out by this very touch
                    raise self._refuse_for_token() from exc
                raise
            # An earlier try of this touch whose answer was lost is this very ticket: it is
            # printed now (or was voided), so the ledger must not settle it again.
            self.ledger.drop(key)
            if answer["ticket"]["state"] == "cancelled":
                # The touch sent again after its ticket was voided: the server gives that
                # ticket back, which must not be printed as if it counted.
                raise IssueRefused(
                    409,
                    "ticket_voided",
                    "本次取号已作废，请重新取号",
                    voided=answer["ticket"]["number"],
                )
            issued = await self._print(answer, entry)
            self._answers[key] = issued
            while len(self._answers) > REMEMBERED_TOUCHES:
                self._answers.popitem(last=False)
            return issued

    async def _put_on_paper(self, answer: dict[str, Any]) -> None:
        """Print one ticket; a ticket that cannot be made (a font gone, a layout the printer
        cannot take) fails like a print, so that the issued ticket goes into the ledger."""
        try:
            job = self.encode(self._printed(answer), self.layout)
        except TicketError as exc:
            raise PrintFailed(f"cannot make ticket {answer['ticket']['number']}: {exc}") from exc
        await self.printer.print_job(job)

    async def _check_after_job(self) -> None:
        """Ask the printer again once a job is sent: paper may have run low with it, or out.

        A printer that has stopped (paper out, cover open, gone) may hold the job in its
        buffer and have printed only part of it, or none: that ticket did not reach the
        citizen whole, and PrintFailed says so.
        """
        status = await self.check_printer()
        if not status.condition.can_print(trust_unknown=True):
            raise PrintFailed(f"the printer stopped with the job: {status.condition}")

    async def _print(self, answer: dict[str, Any], entry: Unprinted) -> Issued:
        try:
            await self._put_on_paper(answer)
            await self._check_after_job()
        except PrintFailed as exc:
            log.error("ticket %s issued but not printed: %s", answer["ticket"]["number"], exc)
            self.ledger.put(dataclasses.replace(entry, answer=answer))
            await self.check_printer()
            if self.policy is UnprintedPolicy.VOID:
                await self._settle_all()
                raise IssueRefused(
                    503,
                    "printer_unavailable",
                    "打印失败，本次取号已作废，请联系工作人员",
                    voided=answer["ticket"]["number"],
                ) from exc
            return Issued(answer, printed=False)
        return Issued(answer, printed=True)

    # -- recovery -------------------------------------------------------------------------

    async def recover(self) -> None:
        """Settle the ledger: reprint or void each unprinted ticket, as far as possible now."""
        if not len(self.ledger) or not self.link.online:
            return
        async with self._lock:
            await self.check_printer()
            await self._settle_all()

    async def _settle_all(self) -> None:
        for entry in self.ledger:
            try:
                await self._settle(entry)
            except ServerUnavailable as exc:
                log.info("cannot settle unprinted ticket %s yet: %s", entry.idempotency_key, exc)
                return
            except IssueRefused as exc:
                if exc.status in REFUSED_FOR_NOW:
                    log.info(
                        "cannot settle unprinted ticket %s yet: %s", entry.idempotency_key, exc.code
                    )
                    return
                # The ticket is gone (a new day, voided by a manager).
                log.info("unprinted ticket %s dropped: %s", entry.idempotency_key, exc.code)
                self.ledger.drop(entry.idempotency_key)
            except PrintFailed as exc:
                log.warning("reprint failed: %s", exc)
                await self.check_printer()
                return

    async def _settle(self, entry: Unprinted) -> None:
        answer = entry.answer
        unseen = answer is None  # the citizen was told 网络中断 and never saw its number
        if answer is None:  # issued or not? Ask again with the same key to find out.
            answer = await self._find(entry)
            if answer is None:
                self.ledger.drop(entry.idempotency_key)
                return
        ticket = answer["ticket"]
        current = await self.link.request("GET", f"/api/v1/tickets/{ticket['id']}", retry=False)
        if current["ticket"]["state"] != "waiting":
            log.info(
                "unprinted ticket %s is %s now; dropped",
                ticket["number"],
                current["ticket"]["state"],
            )
            self.ledger.drop(entry.idempotency_key)
            return
        if unseen:
            # Printed now, it would come out of the kiosk for whoever stands there, or as a
            # second ticket for the citizen who has taken another since.
            await self._void(ticket, VOIDED_UNSEEN)
        elif self.policy is UnprintedPolicy.VOID:
            await self._void(ticket, VOIDED_UNPRINTED)
        elif not self.can_print:
            return
        else:
            # The place in the queue as it is now; the rating key only the issuer's answer has.
            reprint = {**current, "rating_key": answer.get("rating_key")}
            await self._put_on_paper(reprint)
            await self._check_after_job()
            log.warning("ticket %s reprinted after a printer fault", ticket["number"])
        self.ledger.drop(entry.idempotency_key)

    async def _void(self, ticket: dict[str, Any], reason: str) -> None:
        """Cancel a ticket on the server; one it will not cancel is left to it (logged)."""
        path = f"/api/v1/tickets/{ticket['id']}/cancel"
        try:
            await self.link.request("POST", path, {"reason": reason})
        except IssueRefused as exc:
            if exc.status in REFUSED_FOR_NOW:
                raise
            log.info("voiding %s refused (%s); dropped", ticket["number"], exc.code)
        else:
            log.warning("ticket %s voided: %s", ticket["number"], reason)

    async def _find(self, entry: Unprinted) -> dict[str, Any] | None:
        """The answer to a request whose answer was lost: sent again with the same key.

        Resending may issue the ticket now if the first request never arrived; either way
        the ledger then voids that one ticket, whose number nobody saw.
        """
        try:
            if entry.appointment is not None:
                path = f"/api/v1/appointments/{entry.appointment}/check-in"
                return await self.link.request(
                    "POST", path, {"idempotency_key": entry.idempotency_key}, retry=False
                )
            body = _issue_body(entry.service, entry.priority, entry.idempotency_key)
            return await self.link.request("POST", "/api/v1/tickets", body, retry=False)
        except IssueRefused as exc:
            if exc.status in REFUSED_FOR_NOW:
                raise
            log.info("lost request %s refused when resent (%s)", entry.idempotency_key, exc.code)
            return None

    # -- what goes on paper ---------------------------------------------------------------

    def _printed(self, answer: dict[str, Any]) -> PrintedTicket:
        ticket = answer["ticket"]
        hall = self.link.hall or {}
        info = hall.get("hall", {})
        services: list[dict[str, Any]] = hall.get("services", [])
        service = next((s for s in services if s["id"] == ticket["service"]), {})
        floors = {f["id"]: f["label"] for f in info.get("floors", [])}
        priority = {
            "green": PrintedPriority.GREEN_CHANNEL,
            "appointment": PrintedPriority.APPOINTMENT,
        }.get(ticket["priority"])
        return PrintedTicket(
            hall=info.get("name", ""),
            area=floors.get(service.get("floor", ""), service.get("floor", "")),
            service=service.get("name", ticket["service"]),
            service_second_language=service.get("name_alt"),
            number=ticket["number"],
            people_ahead=int(answer["ahead"]),
            wait_minutes=round(float(answer["eta_minutes"])),
            missed_call_rule=self.missed_rule or missed_call_rule(info),
            issued_at=dt.datetime.fromisoformat(ticket["issued_at"]),
            phone_url=phone_page(self.phone_url, ticket["id"], answer.get("rating_key")),
            priority=priority,
        )


def phone_page(base: str, ticket_id: str, rating_key: str | None) -> str:
    """The address the ticket's QR opens; with its rating key, only its holder may rate."""
    page = f"{base}/t/{quote(ticket_id, safe='')}"
    return f"{page}?k={quote(rating_key, safe='')}" if rating_key else page


def _issue_body(service: str, priority: str, key: str) -> dict[str, Any]:
    body: dict[str, Any] = {"service": service, "idempotency_key": key}
    if priority != "normal":
        body["priority"] = priority
    return body
