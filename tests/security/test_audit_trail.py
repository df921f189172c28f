"""The audit trail: every change and every login, readable by managers, editable by nobody."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from typing import Any

import pytest
from helpers import RunningHall
from route_table import app_routes

from queue_server.accounts.store import UNKNOWN_USER

StartHall = Callable[..., Awaitable[RunningHall]]
PASSWORD = "correct horse battery"


async def everything(hall: RunningHall, token: str, query: str) -> list[dict[str, Any]]:
    """Every entry of a log, page by page."""
    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        status, page = await hall.call(
            "GET", f"/api/v1/audit?{query}&limit=2&after_seq={after}", token
        )
        assert status == 200, page
        entries += page["entries"]
        if page["next_after_seq"] is None:
            return entries
        after = page["next_after_seq"]


async def test_every_login_and_logout_is_in_the_access_log(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("zhao", "manager")
    admin = await hall.person("root", "admin")
    clerk = await hall.person("wang", "clerk")
    await hall.device("board-1", "board")
    wrong = {"username": "wang", "password": "not the password"}
    assert (await hall.call("POST", "/api/v1/session", body=wrong))[0] == 401
    assert (await hall.call("DELETE", "/api/v1/session", clerk))[0] == 200
    assert (await hall.call("POST", "/api/v1/devices/board-1/revoke", admin))[0] == 200
    # Revoked already: nothing changes, so the trail keeps the one revocation.
    assert (await hall.call("POST", "/api/v1/devices/board-1/revoke", admin))[0] == 200
    assert (await hall.call("POST", "/api/v1/users/wang/unlock", admin))[0] == 200

    entries = await everything(hall, manager, "log=access")
    assert [e["seq"] for e in entries] == sorted({e["seq"] for e in entries})
    seen = [(e["kind"], e["actor"], e["subject"]) for e in entries]
    assert seen == [
        ("user.added", "cli", "user:zhao"),
        ("login.succeeded", "zhao", None),
        ("user.added", "cli", "user:root"),
        ("login.succeeded", "root", None),
        ("user.added", "cli", "user:wang"),
        ("login.succeeded", "wang", None),
        ("device.added", "cli", "device:board-1"),
        ("login.failed", "wang", None),
        ("logout", "wang", None),
        ("device.revoked", "user:root", "device:board-1"),
        ("user.unlocked", "user:root", "user:wang"),
    ]
    assert {e["client"] for e in entries if e["kind"].startswith("log")} == {"127.0.0.1"}
    failed = await everything(hall, manager, "log=access&kind=login.failed")
    assert [(e["kind"], e["actor"]) for e in failed] == [("login.failed", "wang")]
    by_wang = await everything(hall, manager, "log=access&actor=wang")
    assert [e["kind"] for e in by_wang] == ["login.succeeded", "login.failed", "logout"]


async def test_a_password_typed_as_the_username_stays_out_of_the_access_log(
    start_hall: StartHall,
) -> None:
    """The access log keeps every entry for good: a failed login under a name nobody has
    (often the password, typed into the wrong box) is logged without that name; one under
    a real name in another case is logged under the account's own."""
    hall = await start_hall()
    manager = await hall.person("zhao", "manager")
    await hall.person("wang", "clerk")
    for typed in (PASSWORD, "WANG"):
        mistake = {"username": typed, "password": "wang"}
        assert (await hall.call("POST", "/api/v1/session", body=mistake))[0] == 401
    entries = await everything(hall, manager, "log=access&kind=login.failed")
    assert [e["actor"] for e in entries] == [UNKNOWN_USER, "wang"]
    assert PASSWORD not in str(entries)


async def test_every_change_of_the_hall_is_in_the_journal_view(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("zhao", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    clerk = await hall.clerk_at("1", "wang")
    for _ in range(3):
        assert (await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}))[0] == 201
    for action in ("call-next", "start", "finish"):
        assert (await hall.call("POST", f"/api/v1/windows/1/{action}", clerk))[0] == 200

    entries = await everything(hall, manager, "log=journal")
    assert [e["seq"] for e in entries] == list(range(1, hall.server.service.last_seq + 1))
    issued = await everything(hall, manager, "kind=ticket.issued")
    assert len(issued) == 3 and {e["actor"] for e in issued} == {"device:kiosk-1"}
    by_kiosk = await everything(hall, manager, "actor=device:kiosk-1")
    assert by_kiosk == issued
    # The hall's days: everything happened today (Asia/Shanghai), nothing tomorrow.
    today = entries[0]["data"]["at"][:10]
    assert len(await everything(hall, manager, f"from={today}&to={today}")) == len(entries)
    assert await everything(hall, manager, "from=2999-01-01") == []


async def test_a_void_names_who_voided_the_ticket(start_hall: StartHall) -> None:
    """A manager's void and a kiosk's void of a ticket it could not print looked the same."""
    hall = await start_hall()
    manager = await hall.person("zhao", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    tickets = []
    for _ in range(2):
        _, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
        tickets.append(issued["ticket"]["id"])
    for token, ticket, reason in ((manager, tickets[0], "重复取号"), (kiosk, tickets[1], "未打印")):
        path = f"/api/v1/tickets/{ticket}/cancel"
        assert (await hall.call("POST", path, token, {"reason": reason}))[0] == 200
    voided = await everything(hall, manager, "log=journal&kind=ticket.cancelled")
    assert [e["actor"] for e in voided] == ["user:zhao", "device:kiosk-1"]


async def test_who_may_read_it_and_bad_filters(start_hall: StartHall) -> None:
    hall = await start_hall()
    clerk = await hall.person("wang", "clerk")
    admin = await hall.person("root", "admin")
    status, answer = await hall.call("GET", "/api/v1/audit", clerk)
    assert (status, answer["error"]["code"]) == (403, "forbidden")
    assert (await hall.call("GET", "/api/v1/audit"))[0] == 401
    for query, field in (
        ("log=everything", "log"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("after_seq=-1", "after_seq"),
        ("from=yesterday", "from"),
        ("from=2026-11-23&to=2026-11-01", "to"),
        ("seq=3", "seq"),
    ):
        status, answer = await hall.call("GET", f"/api/v1/audit?{query}", admin)
        assert (status, answer["error"]["code"]) == (422, "invalid_request"), query
        assert field in answer["error"]["message"], query


async def test_nobody_can_edit_it(start_hall: StartHall) -> None:
    hall = await start_hall()
    await hall.person("wang", "clerk")
    # No route but the GET touches the audit trail...
    assert {m for m, path in app_routes(hall.server) if "audit" in path} == {"GET"}
    # ...and the database itself refuses to change or remove an access entry.
    with closing(sqlite3.connect(hall.server.db_path)) as conn:
        for statement in ("UPDATE access_log SET actor = 'someone'", "DELETE FROM access_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT COUNT(*) FROM access_log").fetchone() == (2,)


async def test_each_window_action_names_the_clerk_signed_in_there(start_hall: StartHall) -> None:
    # wang works window 1 from its console, its station's keypad calls and marks a ticket
    # missed for her, li takes the window over (替岗) and the keypad calls for him, then the
    # manager closes the window. Window 2's station opens it with nobody signed in and calls.
    hall = await start_hall()
    manager = await hall.person("zhou", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    station = await hall.device("station-1", "station", window="1")
    station_2 = await hall.device("station-2", "station", window="2")
    wang = await hall.clerk_at("1", "wang", "王芳", "1001")
    li = await hall.person("li", display_name="李强", staff_no="1002")

    async def act(token: str, window: str, action: str, body: Any = None) -> None:
        status, answer = await hall.call("POST", f"/api/v1/windows/{window}/{action}", token, body)
        assert status == 200, (action, answer)

    for _ in range(4):
        assert (await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}))[0] == 201
    await act(wang, "1", "call-next")
    await act(wang, "1", "finish")
    await act(station, "1", "call-next")
    await act(station, "1", "no-show", {"reason": "无人应答"})
    await act(wang, "1", "pause", {"reason": "离开"})
    await act(li, "1", "hand-over", {"reason": "替岗"})
    await act(station, "1", "resume")
    await act(station, "1", "call-next")
    await act(li, "1", "finish")
    close = {"kind": "window_open", "window": "1", "open": False}
    assert (await hall.call("POST", "/api/v1/tuning", manager, close))[0] in (200, 201)
    await act(station_2, "2", "open")
    await act(station_2, "2", "call-next")

    entries = await everything(hall, manager, "log=journal")
    wang_card = {"username": "wang", "name": "王芳", "staff_no": "1001"}
    li_card = {"username": "li", "name": "李强", "staff_no": "1002"}
    window_actions = [
        (e["kind"], e["data"].get("window"), e["actor"], e["signed_in"])
        for e in entries
        if "signed_in" in e
    ]
    assert window_actions == [
        ("window.opened", "1", "wang", wang_card),
        ("ticket.called", "1", "wang", wang_card),
        ("ticket.finished", "1", "wang", wang_card),
        ("rating.opened", "1", "wang", wang_card),
        ("ticket.called", "1", "wang", wang_card),  # the keypad, for wang
        ("ticket.no_show", "1", "wang", wang_card),
        ("window.paused", "1", "wang", wang_card),
        ("window.handed_over", "1", "li", li_card),
        ("window.resumed", "1", "li", li_card),
        ("ticket.called", "1", "li", li_card),
        ("ticket.finished", "1", "li", li_card),
        ("rating.opened", "1", "li", li_card),
        ("window.closed", "1", "user:zhou", li_card),  # the manager closed li's window
        ("window.opened", "2", None, None),  # its station: nobody signed in
        ("ticket.called", "2", None, None),
    ]
    # Entries that are no window action say nothing of one.
    assert {e["kind"] for e in entries if "signed_in" not in e} == {
        "ticket.issued",
        "tuning.changed",
    }
    # The journal itself is as it was: a call names its ticket and window, nobody.
    call = next(e for e in entries if e["kind"] == "ticket.called")
    assert set(call["data"]) == {"at", "ticket_id", "window", "callback"}

    # 操作人 finds what each did, the keypad's work for them included, page by page.
    for who, kinds in (
        ("wang", ["window.opened", "ticket.called", "ticket.finished", "rating.opened",
                  "ticket.called", "ticket.no_show", "window.paused"]),
        ("li", ["window.handed_over", "window.resumed", "ticket.called", "ticket.finished",
                "rating.opened"]),
        ("user:zhou", ["window.closed", "tuning.changed"]),
    ):  # fmt: skip
        found = await everything(hall, manager, f"log=journal&actor={who}")
        assert [e["kind"] for e in found] == kinds, who
        assert [e["seq"] for e in found] == [e["seq"] for e in entries if e["actor"] == who]
    calls = await everything(hall, manager, "log=journal&actor=wang&kind=ticket.called")
    assert len(calls) == 2
