"""The ticket desk against a real server: the server's tickets and the printed ones match."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from answer_cutter import Cutter
from helpers import RunningHall, small_hall
from printed import printed_ticket_ids

from drivers.printer.base import PrinterCondition
from drivers.printer.fake import FakePrinter
from kiosk.agent.desk import TicketDesk, UnprintedPolicy, missed_call_rule
from kiosk.agent.ledger import Ledger
from kiosk.agent.link import ServerLink
from kiosk.agent.link_errors import IssueRefused
from kiosk.ticket.encode import encode_ticket
from kiosk.ticket.layout import TicketLayout
from kiosk.ticket.render import render_line
from queue_server.domain.hall import MissedPolicy, Policy

Start = Callable[..., Awaitable[RunningHall]]


async def online(link: ServerLink) -> None:
    for _ in range(200):
        if link.online:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the kiosk never reached the server")


@contextlib.asynccontextmanager
async def desk_for(
    hall: RunningHall,
    printer: FakePrinter,
    tmp_path: Path,
    *,
    policy: UnprintedPolicy = UnprintedPolicy.REPRINT,
    url: str | None = None,
    layout: TicketLayout | None = None,
) -> AsyncIterator[TicketDesk]:
    token = await hall.device("kiosk-1", "kiosk")
    async with ServerLink(url or hall.url, token, attempts=(0.0, 0.05)) as link:
        running = asyncio.create_task(link.run())
        await online(link)
        desk = TicketDesk(
            link,
            printer,
            layout or TicketLayout(),
            encode_ticket,
            Ledger(tmp_path / "unprinted.json"),
            policy=policy,
        )
        try:
            yield desk
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running


@contextlib.asynccontextmanager
async def cutter_before(hall: RunningHall) -> AsyncIterator[Cutter]:
    """A cutter between the kiosk and the hall's server, closed after the block."""
    cutter = Cutter(int(hall.url.rsplit(":", 1)[1]))
    await cutter.start()
    try:
        yield cutter
    finally:
        await cutter.close()


async def server_tickets(hall: RunningHall) -> list[dict[str, Any]]:
    tickets = hall.server.service.hall.tickets.values()
    return [{"id": t.id, "state": str(t.state)} for t in tickets]


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        (
            Policy(missed=MissedPolicy.AFTER_N, missed_after_places=3),
            "过号顺延3位再呼叫，再过号作废",
        ),
        (
            Policy(missed=MissedPolicy.AFTER_N, missed_after_places=7, missed_requeue_limit=2),
            "过号顺延7位再呼叫，过号3次作废",
        ),
        (Policy(missed=MissedPolicy.BACK), "过号排到队尾再呼叫，再过号作废"),
        (Policy(missed=MissedPolicy.BACK, missed_requeue_limit=0), "过号作废，请留意叫号"),
        (Policy(missed=MissedPolicy.VOID), "过号作废，请留意叫号"),
    ],
)
async def test_the_ticket_prints_the_halls_missed_call_rule(
    start_hall: Start, tmp_path: Path, policy: Policy, words: str
) -> None:
    hall = await start_hall(small_hall(policy=policy, open_all_hours=True))
    printer = FakePrinter()
    # Text mode: the printer gets the words themselves, in GB18030, as one line.
    async with desk_for(hall, printer, tmp_path, layout=TicketLayout(text_mode=True)) as desk:
        await desk.issue("social", "normal", "touch-1")
    (job,) = printer.jobs
    assert words.encode("gb18030") + b"\n" in job


def test_a_server_without_the_places_gets_no_made_up_number() -> None:
    assert missed_call_rule({"missed_policy": "after_n"}) == "过号顺延再呼叫"


def test_a_server_without_the_requeue_limit_gets_no_made_up_second_miss() -> None:
    hall = {"missed_policy": "after_n", "missed_after_places": 3}
    assert missed_call_rule(hall) == "过号顺延3位再呼叫"


# 58 mm paper: 384 dots, 32 columns of the printer's own 12-dot font (a hanzi takes two).
PAPER_58MM, COLUMNS_58MM = 384, 32


@pytest.mark.parametrize("policy", ["back", "after_n"])
@pytest.mark.parametrize("places", [3, 30])
@pytest.mark.parametrize("limit", [1, 2, 9])
def test_every_missed_call_rule_is_one_line_on_58mm_paper(
    policy: str, places: int, limit: int
) -> None:
    hall = {"missed_policy": policy, "missed_after_places": places, "missed_requeue_limit": limit}
    words = missed_call_rule(hall)
    assert len(words.encode("gbk")) <= COLUMNS_58MM, words
    layout = TicketLayout(width=PAPER_58MM)
    # A wrapped line is twice as tall; glyphs differ in height by a dot or two.
    one_line = render_line("过", layout, "rule").height
    assert render_line(words, layout, "rule").height < 1.5 * one_line, words


async def test_paper_out_before_printing_issues_nothing_and_tells_the_manager(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    printer.set_condition(PrinterCondition.PAPER_OUT)
    async with desk_for(hall, printer, tmp_path) as desk:
        with pytest.raises(IssueRefused) as refused:
            await desk.issue("social", "normal", "touch-1")
    assert (refused.value.status, refused.value.code) == (503, "printer_unavailable")
    assert "缺纸" in refused.value.message
    assert await server_tickets(hall) == [] and printer.jobs == []
    manager = await hall.person("li", "manager")
    _, listed = await hall.call("GET", "/api/v1/devices", manager)
    assert [(d["component"], d["condition"]) for d in listed["devices"]] == [
        ("printer", "paper_out")
    ]


async def test_the_same_touch_twice_makes_one_ticket_and_one_printout(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with desk_for(hall, printer, tmp_path) as desk:
        first, again = await asyncio.gather(
            desk.issue("social", "normal", "touch-1"), desk.issue("social", "normal", "touch-1")
        )
        later = await desk.issue("social", "normal", "touch-1")
    assert (
        first.answer["ticket"]["id"] == again.answer["ticket"]["id"] == later.answer["ticket"]["id"]
    )
    assert [t["id"] for t in await server_tickets(hall)] == [first.answer["ticket"]["id"]]
    assert printed_ticket_ids(printer.jobs, tmp_path) == [first.answer["ticket"]["id"]]


async def test_unplugged_mid_print_is_reprinted_when_the_printer_is_back(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with desk_for(hall, printer, tmp_path) as desk:
        printer.unplug_mid_print()
        issued = await desk.issue("social", "normal", "touch-1")
        assert issued.printed is False
        assert len(printer.partial_jobs) == 1 and printer.jobs == []
        assert [e.ticket_id for e in desk.ledger] == [issued.answer["ticket"]["id"]]
        with pytest.raises(IssueRefused) as refused:  # the kiosk is paused meanwhile
            await desk.issue("social", "normal", "touch-2")
        assert refused.value.code == "printer_unavailable"
        await desk.recover()  # still unplugged: nothing printed, nothing lost
        assert printer.jobs == [] and len(desk.ledger) == 1
        printer.set_condition(PrinterCondition.OK)
        await desk.recover()
    assert len(desk.ledger) == 0
    assert len(Ledger(tmp_path / "unprinted.json")) == 0
    ids = [t["id"] for t in await server_tickets(hall)]
    assert printed_ticket_ids(printer.jobs, tmp_path) == ids == [issued.answer["ticket"]["id"]]


async def test_unplugged_mid_print_is_voided_where_the_hall_says_so(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with desk_for(hall, printer, tmp_path, policy=UnprintedPolicy.VOID) as desk:
        printer.unplug_mid_print()
        with pytest.raises(IssueRefused) as refused:
            await desk.issue("social", "normal", "touch-1")
        assert refused.value.code == "printer_unavailable"
        assert refused.value.extra["voided"] == "A001"
        assert len(desk.ledger) == 0
    assert [t["state"] for t in await server_tickets(hall)] == ["cancelled"]
    assert printer.jobs == []


async def test_an_answer_lost_on_the_way_is_found_again_and_voided_not_printed_for_nobody(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with (
        cutter_before(hall) as cutter,
        desk_for(hall, printer, tmp_path, url=cutter.url) as desk,
    ):
        cutter.swallow = True
        with pytest.raises(IssueRefused) as refused:
            await desk.issue("social", "normal", "touch-1")
        assert refused.value.code == "server_unavailable"  # the citizen saw no number
        issued = await server_tickets(hall)
        assert len(issued) == 1  # the server took it; the kiosk does not know the number yet
        assert printer.jobs == [] and len(desk.ledger) == 1
        cutter.swallow = False
        await online(desk.link)  # the kiosk's stream went down with the answers; back now
        retried = await desk.issue("social", "normal", "touch-2")  # the citizen tries again
        await desk.recover()
    assert len(desk.ledger) == 0
    states = {t["id"]: t["state"] for t in await server_tickets(hall)}
    assert states == {issued[0]["id"]: "cancelled", retried.answer["ticket"]["id"]: "waiting"}
    # One ticket on paper, the one the citizen took: none printed later for whoever stands there.
    assert printed_ticket_ids(printer.jobs, tmp_path) == [retried.answer["ticket"]["id"]]


async def test_a_touch_sent_again_after_its_answer_was_lost_is_printed_once(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with (
        cutter_before(hall) as cutter,
        desk_for(hall, printer, tmp_path, url=cutter.url) as desk,
    ):
        cutter.swallow = True
        with pytest.raises(IssueRefused):
            await desk.issue("social", "normal", "touch-1")
        assert len(desk.ledger) == 1  # issued or not: to be found out
        cutter.swallow = False
        await online(desk.link)
        again = await desk.issue("social", "normal", "touch-1")  # the same touch, resent
        assert again.printed
        await desk.recover()  # the ledger must not print that ticket a second time
    assert len(desk.ledger) == 0
    ids = [t["id"] for t in await server_tickets(hall)]
    assert printed_ticket_ids(printer.jobs, tmp_path) == ids == [again.answer["ticket"]["id"]]


async def test_a_server_gone_before_the_touch_issues_and_prints_nothing(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with desk_for(hall, printer, tmp_path) as desk:
        await hall.server.stop()
        with pytest.raises(IssueRefused) as refused:
            await desk.issue("social", "normal", "touch-1")
        assert refused.value.code == "server_unavailable"
        assert len(desk.ledger) == 0  # refused at connect: nothing can have been issued
    assert printer.jobs == []


@pytest.mark.parametrize("condition", ["paper_out", "offline"])
async def test_a_printer_failing_between_its_check_and_the_print_loses_no_ticket(
    start_hall: Start, tmp_path: Path, condition: str
) -> None:
    hall = await start_hall()
    folder = tmp_path / "devices"
    folder.mkdir()
    state = folder / "printer.state"
    state.write_text("ok")
    printer = FakePrinter(folder)  # steered through its files, as `--fake-devices` runs it
    async with desk_for(hall, printer, tmp_path) as desk:
        ask = desk.link.request

        async def then_the_printer_fails(*args: Any, **kwargs: Any) -> Any:
            answer = await ask(*args, **kwargs)  # the check said ok; the server issued
            state.write_text(condition)
            return answer

        desk.link.request = then_the_printer_fails  # type: ignore[method-assign]
        issued = await desk.issue("social", "normal", "touch-1")
        desk.link.request = ask  # type: ignore[method-assign]
        assert issued.printed is False  # the page tells the citizen to see the staff
        assert [e.ticket_id for e in desk.ledger] == [issued.answer["ticket"]["id"]]
        again = await desk.issue("social", "normal", "touch-1")  # touched again: same ticket
        assert again.answer["ticket"]["id"] == issued.answer["ticket"]["id"]
        manager = await hall.person("li", "manager")
        _, listed = await hall.call("GET", "/api/v1/devices", manager)
        assert [(d["component"], d["condition"]) for d in listed["devices"]] == [
            ("printer", condition)
        ]
        state.write_text("ok")
        await desk.recover()
    assert len(desk.ledger) == 0
    ids = [t["id"] for t in await server_tickets(hall)]
    assert printed_ticket_ids(printer.jobs, tmp_path) == ids == [issued.answer["ticket"]["id"]]


async def test_a_ticket_that_cannot_be_made_after_issuing_goes_into_the_ledger(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with desk_for(hall, printer, tmp_path) as desk:
        # The default 80 mm layout for a 58 mm printer: found out only once issued.
        desk.encode = functools.partial(encode_ticket, profile="ZJ-5870")
        issued = await desk.issue("social", "normal", "touch-1")
        assert issued.printed is False and printer.jobs == []
        assert [e.ticket_id for e in desk.ledger] == [issued.answer["ticket"]["id"]]
        desk.encode = encode_ticket  # the layout put right
        await desk.recover()
    assert len(desk.ledger) == 0
    assert printed_ticket_ids(printer.jobs, tmp_path) == [issued.answer["ticket"]["id"]]


async def test_a_touch_sent_again_after_its_ticket_was_voided_prints_nothing(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with desk_for(hall, printer, tmp_path, policy=UnprintedPolicy.VOID) as desk:
        printer.unplug_mid_print()
        with pytest.raises(IssueRefused):
            await desk.issue("social", "normal", "touch-1")
        printer.set_condition(PrinterCondition.OK)
        # The page's request sent again (a browser resends a POST on a dropped connection):
        # the server gives the voided ticket back, which must not be printed as if it counted.
        with pytest.raises(IssueRefused) as again:
            await desk.issue("social", "normal", "touch-1")
    assert again.value.extra["voided"] == "A001"
    assert "作废" in again.value.message
    assert printer.jobs == []
    assert [t["state"] for t in await server_tickets(hall)] == ["cancelled"]


async def test_an_unprinted_ticket_is_kept_while_the_server_refuses_the_token(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with desk_for(hall, printer, tmp_path) as desk:
        printer.unplug_mid_print()
        issued = await desk.issue("social", "normal", "touch-1")
        assert (
            issued.printed is False
        )  # the number is on screen: "printed when the printer is back"
        await hall.server.accounts.revoke_device("kiosk-1")  # the IT person swaps tokens
        printer.set_condition(PrinterCondition.OK)
        await desk.recover()
        # A refused token says nothing about the ticket: it still waits for its reprint.
        assert [e.ticket_id for e in desk.ledger] == [issued.answer["ticket"]["id"]]
    assert printer.jobs == []
    assert [t["state"] for t in await server_tickets(hall)] == ["waiting"]


class RunsOutWithTheJob(FakePrinter):
    """Takes the whole job into its buffer, then stops at the paper end part-way through it
    (until `runs_out` is cleared: a new roll)."""

    runs_out = True

    async def print_job(self, job: bytes) -> None:
        await super().print_job(job)
        if self.runs_out:
            self.set_condition(PrinterCondition.PAPER_OUT)


async def test_paper_running_out_during_the_ticket_shows_the_number_and_reprints_it(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = RunsOutWithTheJob()
    async with desk_for(hall, printer, tmp_path) as desk:
        issued = await desk.issue("social", "normal", "touch-1")
        # The citizen may hold half a ticket: the number goes on screen, not 请取走您的号票.
        assert issued.printed is False
        assert [e.ticket_id for e in desk.ledger] == [issued.answer["ticket"]["id"]]
        printer.runs_out = False
        printer.set_condition(PrinterCondition.OK)
        await desk.recover()
    assert len(desk.ledger) == 0
    ticket_id = issued.answer["ticket"]["id"]
    # The job that ran out, then the whole ticket again on the new roll.
    assert printed_ticket_ids(printer.jobs, tmp_path) == [ticket_id, ticket_id]


async def test_a_gateway_error_after_the_server_issued_loses_no_ticket(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with (
        cutter_before(hall) as cutter,
        desk_for(hall, printer, tmp_path, url=cutter.url) as desk,
    ):
        # A TLS proxy in front of the server passes the request on, then answers 502.
        cutter.bad_gateway = True
        with pytest.raises(IssueRefused) as refused:
            await desk.issue("social", "normal", "touch-1")
        assert refused.value.code == "server_unavailable"
        assert len(await server_tickets(hall)) == 1
        assert len(desk.ledger) == 1  # issued or not: to be found out
        cutter.bad_gateway = False
        await online(desk.link)
        await desk.recover()
    assert len(desk.ledger) == 0
    # Nobody was given its number: voided, never printed later for whoever stands there.
    assert [t["state"] for t in await server_tickets(hall)] == ["cancelled"]
    assert printer.jobs == []


async def test_a_touch_refused_after_its_answer_was_lost_loses_no_ticket(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await start_hall()
    printer = FakePrinter()
    async with desk_for(hall, printer, tmp_path) as desk:
        ask = desk.link.request

        async def lost_then_refused(*args: Any, **kwargs: Any) -> Any:
            await ask(*args, **kwargs)  # the first try: the server issued, the answer was lost
            # The second try is refused before the server looks at the key (its flood limit).
            raise IssueRefused(429, "too_many_requests", "try again", after_lost_answer=True)

        desk.link.request = lost_then_refused  # type: ignore[method-assign]
        with pytest.raises(IssueRefused):
            await desk.issue("social", "normal", "touch-1")
        desk.link.request = ask  # type: ignore[method-assign]
        assert len(desk.ledger) == 1  # issued or not: to be found out
        await desk.recover()
    assert len(desk.ledger) == 0
    assert [t["state"] for t in await server_tickets(hall)] == ["cancelled"]
    assert printer.jobs == []


async def test_a_proxys_refusal_page_reaches_the_citizen_in_chinese() -> None:
    async def denied(request: web.Request) -> web.Response:
        page = "<html><body><h1>403 Forbidden</h1><hr>nginx</body></html>"
        return web.Response(status=403, text=page, content_type="text/html")

    app = web.Application()
    app.router.add_post("/api/v1/tickets", denied)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        async with ServerLink(f"http://{host}:{port}", "token") as link:
            with pytest.raises(IssueRefused) as refused:
                await link.request("POST", "/api/v1/tickets", {"service": "social"})
    finally:
        await runner.cleanup()
    # What the page shows: words for the citizen, not "error".
    assert (refused.value.code, refused.value.message) == (
        "http_403",
        "服务器拒绝了请求 (HTTP 403)，请联系工作人员",
    )
