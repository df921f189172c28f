"""A hall database written by an older hallq opens with this one and says what the old server
said: its tickets, windows, people, devices, ratings, cases and report, numbering going on.

Each database in data/ was made by driving the server of an older commit over HTTP
(data/README.md): a snapshot at a clean stop, then more of the day, then a kill. The facts
below are what that server answered before it was killed.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from helpers import FakeClock, RunningHall

from queue_server.config import load_hall

DATA = Path(__file__).parent / "data"
PASSWORD = "Qingshan-2026x"  # every person's, as made with `hallq user add`
KIOSK = "ks_h1p9W4l4FMwmAPUOqY1iSpzryj9XVxk0kj76EwO8"  # kiosk-1, printed by `hallq device add`
PAD_1 = "ep7OdAIV3Jp5cRigZQ8MWvO092FpnecvSdlSbYdeJrY"
STATION_2 = "tCbcYq8Hxs9Q5LhIUPKBHGFru3q7i8BXVlUj2mUI3uc"
DAY = "2026-12-07"
# Shortly after the old server's last event, in the fixture hall's session (UTC).
SOON_AFTER = dt.datetime(2026, 12, 7, 12, 40, tzinfo=dt.UTC)

# The old server's ticket ids.
IDS = {
    "A001": "a2edd4d6fcbe44fab3f525705147d757",
    "A002": "7ef0faee0062408abfac486edbcc759d",
    "A003": "a56bd0f3ce8743919ddaf3b2389ca9a5",
    "A004": "4ca7efe245404a51bbd8aaff7df434d5",
    "B001": "0ae124ed3ba24c239e69f2f4806d24de",
    "B002": "6bd386ee924b4fada20928c0c269c6dd",
    "B003": "092a5dc9b0bc480cbb410d8136f285a7",
    "B004": "763afd0aacb547c9bbb2cf418c9888e5",
    "B005": "026678cce870418383d32337288db502",
    "B006": "10186a53192b4b628ec4709568e408b5",
    "C001": "ef64d2ae0bcb481f8a9d2dfa401dac15",
    "C002": "8a14b8b8a23f49f4becfb0dd46c674ca",
}
# number, state, service, priority, window, called at, finished at: as the old server's
# GET /api/v1/tickets/{id} gave them (C001 went on from business to its route's pickup).
TICKETS = [
    ("A001", "waiting", "social-insurance", "normal", None, None, None),
    ("A002", "waiting", "social-insurance", "green", "3", "12:34:32", None),
    ("A003", "waiting", "social-insurance", "normal", None, None, None),
    ("A004", "waiting", "social-insurance", "normal", None, None, None),
    ("B001", "done", "household", "normal", "1", "12:34:32", "12:34:32"),
    ("B002", "done", "household", "normal", "2", "12:34:32", "12:34:32"),
    ("B003", "done", "household", "normal", "2", "12:34:32", "12:34:32"),
    ("B004", "held", "household", "appointment", "2", "12:34:35", None),
    ("B005", "done", "household", "green", "2", "12:34:35", "12:34:35"),
    ("B006", "called", "household", "normal", "2", "12:34:35", None),
    ("C001", "done", "pickup", "normal", "2", "12:34:35", "12:34:35"),
    ("C002", "serving", "business", "normal", "1", "12:34:35", None),
]
ISSUED_AFTER_THE_RESTART = {"A004", "B005", "B006", "C002"}  # at 12:34:35, the rest 12:34:32

Start = Callable[..., Awaitable[RunningHall]]


def restored(tmp_path: Path, dump: str = "c914066-day.sql") -> Path:
    """The old server's database file, rebuilt from its dump."""
    path = tmp_path / "hall.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript((DATA / dump).read_text(encoding="utf-8"))
    return path


async def upgraded(
    start_hall: Start, tmp_path: Path, now: dt.datetime, dump: str = "c914066-day.sql"
) -> RunningHall:
    return await start_hall(
        load_hall(DATA / "hall.toml"),
        db_path=restored(tmp_path, dump),
        clock=FakeClock(now),
        supervise_every=None,
    )


async def login(hall: RunningHall, username: str) -> str:
    status, answer = await hall.call(
        "POST", "/api/v1/session", body={"username": username, "password": PASSWORD}
    )
    assert status == 200, answer
    return str(answer["token"])


def at(clock_time: str | None) -> str | None:
    return None if clock_time is None else f"{DAY}T{clock_time}+00:00"


async def test_every_ticket_is_as_the_old_server_left_it(start_hall: Start, tmp_path: Path) -> None:
    hall = await upgraded(start_hall, tmp_path, SOON_AFTER)
    for number, state, service, priority, window, called, finished in TICKETS:
        status, answer = await hall.call("GET", f"/api/v1/tickets/{IDS[number]}")
        assert status == 200, answer
        ticket = answer["ticket"]
        seen = (ticket["number"], ticket["state"], ticket["service"], ticket["priority"])
        assert seen == (number, state, service, priority)
        assert ticket["window"] == window, number
        issued = "12:34:35" if number in ISSUED_AFTER_THE_RESTART else "12:34:32"
        assert ticket["issued_at"] == at(issued), number
        assert (ticket["called_at"], ticket["finished_at"]) == (at(called), at(finished)), number


async def test_windows_keep_their_clerks_tickets_and_held_tickets(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await upgraded(start_hall, tmp_path, SOON_AFTER)
    manager = await login(hall, "mgr")
    seen: dict[str, Any] = {}
    for window in ("1", "2", "3", "4"):
        status, answer = await hall.call("GET", f"/api/v1/windows/{window}", manager)
        assert status == 200, answer
        current = answer["window"]["ticket"]
        seen[window] = (
            answer["window"]["state"],
            answer["window"]["clerk_username"],
            current["number"] if current else None,
            [t["number"] for t in answer["held"]],
        )
    assert seen == {
        "1": ("serving", "wang", "C002", []),
        "2": ("calling", "zhao", "B006", ["B004"]),
        "3": ("idle", "li", None, []),
        "4": ("closed", None, None, []),
    }


async def test_old_tokens_and_passwords_work_and_numbering_goes_on(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await upgraded(start_hall, tmp_path, SOON_AFTER)
    numbers = []
    for service in ("social-insurance", "household", "business", "pickup"):
        status, answer = await hall.call("POST", "/api/v1/tickets", KIOSK, {"service": service})
        assert status == 201, answer
        numbers.append(answer["ticket"]["number"])
    assert numbers == ["A005", "B007", "C003", "P001"]

    wang = await login(hall, "wang")
    status, answer = await hall.call("POST", "/api/v1/windows/1/finish", wang)
    assert (status, answer["ticket"]["number"]) == (200, "C002")
    status, answer = await hall.call("GET", "/api/v1/session", STATION_2)
    assert (status, answer["window"]) == (200, "2")
    status, answer = await hall.call("POST", "/api/v1/windows/2/recall", STATION_2)
    assert (status, answer["ticket"]["number"]) == (200, "B006")


async def test_the_bad_rating_its_case_deadlines_and_alerts_are_kept(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await upgraded(start_hall, tmp_path, SOON_AFTER)
    manager = await login(hall, "mgr")
    status, answer = await hall.call("GET", "/api/v1/cases?state=all", manager)
    assert status == 200, answer
    [case] = answer["cases"]
    rating = case["rating"]
    assert (case["id"], case["state"], case["clerk_username"]) == (
        "20261207-001",
        "rectified",
        "wang",
    )
    assert case["deadlines"] == {
        "verify": "2026-12-08T23:59:59+00:00",
        "rectify": "2026-12-28T23:59:59+00:00",
        "callback": "2026-12-08T23:59:59+00:00",
    }
    assert [step["action"] for step in case["history"]] == ["verify", "rectify"]
    assert (rating["ticket"], rating["level"], rating["tags"], rating["comment"]) == (
        IDS["C001"],
        1,
        ["115"],
        "态度生硬",
    )
    # B001's service was rated 5 at window 1's pad: rating it again is refused.
    status, answer = await hall.call(
        "POST", "/api/v1/ratings", PAD_1, {"ticket": IDS["B001"], "level": 4}
    )
    assert (status, answer["error"]["code"]) == (409, "already_rated")

    status, answer = await hall.call("GET", "/api/v1/alerts", manager)
    assert status == 200, answer
    alerts = {a["kind"]: a for a in answer["alerts"]}
    assert alerts["bad_rating"]["acknowledged_by"] == "user:mgr"
    assert alerts["device_fault"]["cleared_at"] is None
    assert alerts["unstaffed"]["cleared_at"] == f"{DAY}T12:34:34+00:00"


async def test_todays_report_counts_as_the_old_server_did(
    start_hall: Start, tmp_path: Path
) -> None:
    hall = await upgraded(start_hall, tmp_path, SOON_AFTER)
    manager = await login(hall, "mgr")
    status, answer = await hall.call("GET", f"/api/v1/reports?date={DAY}&by=service", manager)
    assert status == 200, answer
    counted = ("issued", "called", "served", "missed", "held", "ratings", "good", "bad")
    rows = {row["key"]: [row[k] for k in counted] for row in answer["rows"]}
    assert rows == {
        "business": [2, 2, 1, 0, 0, 1, 0, 1],
        "household": [6, 6, 4, 0, 2, 1, 1, 0],
        "pickup": [0, 0, 1, 0, 0, 0, 0, 0],
        "social-insurance": [4, 1, 0, 1, 0, 0, 0, 0],
    }
    assert [answer["total"][k] for k in counted] == [12, 9, 6, 1, 2, 2, 1, 1]


async def test_a_ticket_put_back_before_the_upgrade_waits_as_an_ordinary_ticket_since_then(
    start_hall: Start, tmp_path: Path
) -> None:
    """A002 (green) missed its call at window 3 and went back 2 places; the old snapshot
    does not say so. Today's rules (DOMAIN.md) call it as an ordinary ticket, after A001 and
    A003, and count its wait from when it went back, as the journal has it."""
    hall = await upgraded(start_hall, tmp_path, SOON_AFTER)
    went_back = dt.datetime(2026, 12, 7, 12, 34, 32, 943769, tzinfo=dt.UTC)  # its no_show event
    assert hall.server.service.hall.tickets[IDS["A002"]].in_line_since == went_back
    li = await login(hall, "li")
    called = []
    for _ in range(3):
        status, answer = await hall.call("POST", "/api/v1/windows/3/call-next", li)
        assert status == 200, answer
        called.append(answer["ticket"]["number"])
        await hall.call("POST", "/api/v1/windows/3/finish", li)
    assert called == ["A001", "A003", "A002"]


async def test_the_next_day_clears_the_upgraded_journal(start_hall: Start, tmp_path: Path) -> None:
    next_morning = dt.datetime(2026, 12, 8, 7, 0, tzinfo=dt.UTC)  # past the 21:00 clearing
    hall = await upgraded(start_hall, tmp_path, next_morning)
    status, answer = await hall.call("GET", f"/api/v1/tickets/{IDS['A001']}")
    assert (status, answer["ticket"]["state"]) == (200, "abandoned")
    status, answer = await hall.call("POST", "/api/v1/tickets", KIOSK, {"service": "household"})
    assert (status, answer["ticket"]["number"], answer["ahead"]) == (201, "B001", 0)
    manager = await login(hall, "mgr")
    status, answer = await hall.call("GET", "/api/v1/cases?state=all", manager)
    assert [(c["id"], c["deadlines"]["rectify"]) for c in answer["cases"]] == [
        ("20261207-001", "2026-12-28T23:59:59+00:00")
    ]
    status, answer = await hall.call("GET", f"/api/v1/reports?date={DAY}&by=service", manager)
    assert (status, answer["total"]["issued"], answer["total"]["served"]) == (200, 12, 6)


async def test_the_old_snapshot_rebuilds_the_hall_the_journal_does(
    start_hall: Start, tmp_path: Path
) -> None:
    """Where an older snapshot cannot say what today's code keeps, it is passed over."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    alone = restored(tmp_path / "b")
    with closing(sqlite3.connect(alone)) as conn, conn:
        conn.execute("DELETE FROM snapshots")
    halls = [
        await start_hall(
            load_hall(DATA / "hall.toml"),
            db_path=path,
            clock=FakeClock(SOON_AFTER),
            supervise_every=None,
        )
        for path in (restored(tmp_path / "a"), alone)
    ]
    with_snapshot, from_journal = (h.server.service.hall.to_snapshot() for h in halls)
    assert with_snapshot == from_journal


async def test_the_first_servers_morning_is_kept_with_its_clerks_figures(
    start_hall: Start, tmp_path: Path
) -> None:
    """8c964e9, the first server, kept no ratings nor clerk figures in its snapshots: wang
    finished B001 before its snapshot and B002 after, both at window 1."""
    now = dt.datetime(2026, 12, 7, 12, 45, tzinfo=dt.UTC)
    hall = await upgraded(start_hall, tmp_path, now, dump="8c964e9-morning.sql")
    seen = {}
    for number, ticket_id in (
        ("A001", "b9a2ddd9568d4e62a3778a738bc484d9"),
        ("B001", "ad3ec6592a244b8a800c1b930e626a9a"),
        ("B002", "f407cc912a2d43fd8f10f3838b077413"),
    ):
        status, answer = await hall.call("GET", f"/api/v1/tickets/{ticket_id}")
        assert (status, answer["ticket"]["number"]) == (200, number)
        seen[number] = (answer["ticket"]["state"], answer["ticket"]["window"])
    assert seen == {"A001": ("called", "1"), "B001": ("done", "1"), "B002": ("done", "1")}

    wang = await login(hall, "wang")
    status, answer = await hall.call("GET", "/api/v1/windows/1", wang)
    assert status == 200, answer
    assert (answer["window"]["state"], answer["window"]["ticket"]["number"]) == ("calling", "A001")
    assert answer["today"]["served"] == 2
    kiosk = "e3gx6Q56N9W5tCtyJQwmu1N_BNRhiGG3QHGzt4MDeUA"  # its kiosk-1
    status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "household"})
    assert (status, answer["ticket"]["number"]) == (201, "B003")
