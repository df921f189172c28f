"""Citizens' ID numbers and phones, end to end through a real server and a real kiosk desk:
never in logs, on boards or streams, on printed tickets, in exports for the wrong role, in
the audit trail, nor in plain form anywhere in the database files."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from escpos_decode import decode
from helpers import RunningHall

from drivers.printer.fake import FakePrinter
from kiosk.agent.desk import TicketDesk
from kiosk.agent.ledger import Ledger
from kiosk.agent.link import ServerLink
from kiosk.agent.link_errors import IssueRefused
from kiosk.ticket.encode import encode_ticket
from kiosk.ticket.layout import TicketLayout

StartHall = Callable[..., Awaitable[RunningHall]]

CITIZEN_ID = "11010119900307123X"
RATER_ID = "110101198001011234"
PHONE = "13912345678"
RATER_NAME = "欧阳锋华"
SECRETS = (CITIZEN_ID, CITIZEN_ID.lower(), RATER_ID, PHONE, RATER_NAME)


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def leaked_bytes(data: bytes) -> list[str]:
    found = []
    for secret in SECRETS:
        for encoding in ("utf-8", "utf-16-le", "gb18030"):
            if secret.encode(encoding) in data:
                found.append(f"{secret} ({encoding})")
    return found


class Listener:
    """A stream client that keeps every message it is sent."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.texts: list[str] = []
        self.arrived = asyncio.Condition()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            async with self.arrived:
                self.texts.append(message.data)
                self.arrived.notify_all()

    async def until(self, fragment: str) -> None:
        async with asyncio.timeout(30), self.arrived:  # the timeout only guards against a hang
            await self.arrived.wait_for(lambda: any(fragment in t for t in self.texts))

    async def close(self) -> str:
        await self.ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        return "\n".join(self.texts)


@contextlib.asynccontextmanager
async def kiosk_desk(
    hall: RunningHall, printer: FakePrinter, folder: Path
) -> AsyncIterator[TicketDesk]:
    token = await hall.device("kiosk-1", "kiosk")
    async with ServerLink(hall.url, token, attempts=(0.0, 0.05)) as link:
        running = asyncio.create_task(link.run())
        async with asyncio.timeout(30):  # only a guard against a hang
            while not link.online:  # noqa: ASYNC110 - the link has no event to wait on
                await asyncio.sleep(0.02)
        layout = TicketLayout(text_mode=True)
        try:
            yield TicketDesk(link, printer, layout, encode_ticket, Ledger(folder / "ledger.json"))
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running


async def test_personal_data_goes_nowhere_it_should_not(
    start_hall: StartHall, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hall = await start_hall()
    manager = await hall.person("zhao", "manager")
    clerk = await hall.clerk_at("1", "wang", "王小明", "1001")
    pad = await hall.device("pad-1", "pad", window="1")
    board = Listener(await hall.http.ws_connect(f"{hall.url}/ws?topics=board"))
    console = Listener(
        await hall.http.ws_connect(
            f"{hall.url}/ws?topics=board,console", headers={"Authorization": f"Bearer {manager}"}
        )
    )
    printer = FakePrinter()

    # A citizen takes a ticket with their ID card; a second try with the same card is refused.
    async with kiosk_desk(hall, printer, tmp_path) as desk:
        issued = await desk.issue("social", "normal", "touch-1", id_number=CITIZEN_ID)
        assert leaks(repr(issued)) == []
        with pytest.raises(IssueRefused) as refused:
            await desk.issue("social", "normal", "touch-2", id_number=CITIZEN_ID)
        assert refused.value.code == "already_waiting" and leaks(str(refused.value)) == []
    bad = {"service": "social", "id_number": CITIZEN_ID + "0"}
    status, answer = await hall.call("POST", "/api/v1/tickets", manager, bad)
    assert status == 422 and leaks(str(answer)) == []

    # Served at window 1, then rated 差评 at the pad with the rater's identity.
    for action in ("call-next", "start", "finish"):
        assert (await hall.call("POST", f"/api/v1/windows/1/{action}", clerk))[0] == 200
    rater = {"name": RATER_NAME, "id_type": "身份证", "id_number": RATER_ID, "phone": PHONE}
    rating = {"ticket": issued.answer["ticket"]["id"], "level": 1, "tags": ["115"], "rater": rater}
    status, answer = await hall.call("POST", "/api/v1/ratings", pad, rating)
    assert status == 201, answer
    assert leaks(str(answer)) == []
    # A last change every stream carries, so that each has seen everything before it.
    station = await hall.device("station-2", "station", window="2")
    assert (await hall.call("POST", "/api/v1/windows/2/open", station))[0] == 200
    await board.until('"id":"2","label"')
    await console.until("case.opened")
    await console.until('"id":"2","label"')

    # Printed tickets: text runs, QR codes and every byte sent to the printer.
    (job,) = printer.jobs
    printed = decode(job)
    assert printed.texts and printed.qr_payloads
    assert leaks(" ".join(run.text for run in printed.texts) + " ".join(printed.qr_payloads)) == []
    assert leaked_bytes(job) == []

    # Boards and consoles.
    board_text, console_text = await board.close(), await console.close()
    assert "ticket.issued" in board_text and "rating.recorded" in console_text
    assert leaks(board_text) == []
    assert leaks(console_text) == []

    # Exports and lists: refused to a clerk, and without identities for a manager.
    day = "2026-11-22"
    from_to = f"?from={day}&to=2026-11-24"
    for path in (
        "/api/v1/ratings.csv" + from_to,
        "/api/v1/ratings" + from_to,
        "/api/v1/reports.csv?by=clerk",  # today's, by clerk: names and 工号
    ):
        status, _ = await hall.call("GET", path, clerk)
        assert status == 403, path
        status, body = await hall.call("GET", path, manager)
        assert status == 200, (path, body)
        assert leaks(str(body)) == [], path
    status, cases = await hall.call("GET", "/api/v1/cases?state=all", manager)
    assert status == 200 and cases["cases"] and leaks(str(cases)) == []
    for log in ("journal", "access"):
        status, trail = await hall.call("GET", f"/api/v1/audit?log={log}&limit=1000", manager)
        assert status == 200 and trail["entries"]
        assert leaks(str(trail)) == [], log
        assert "id_hash" not in str(trail) and "rater" not in str(trail)

    # The logs of the whole run.
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )
    assert leaks(logged + caplog.text) == []

    # At rest: the database, its write-ahead log and shared memory, byte for byte.
    files = sorted(hall.server.db_path.parent.glob(hall.server.db_path.name + "*"))
    assert {f.name[len(hall.server.db_path.name) :] for f in files} >= {"", "-wal"}
    assert sum(f.stat().st_size for f in files) > 0
    for file in files:
        assert leaked_bytes(file.read_bytes()) == [], file.name
