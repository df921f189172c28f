"""`hallq plan --from-db` and `hallq simulate --from-db` read a real hall's database, live,
without changing it: by default the last four weeks, --from and --to narrowing them."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from helpers import SHANGHAI, FakeClock, RunningHall

from queue_server.config import load_hall

JIANGBEI = str(Path(__file__).resolve().parents[2] / "config" / "hall.example.toml")
HALLQ = str(Path(sys.executable).with_name("hallq"))
QUICK = ["--replications", "1", "--max-simulations", "3"]


async def hallq(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        HALLQ,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def answer(*args: str) -> dict[str, Any]:
    status, out, err = await hallq(*args, "--json")
    assert status == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def fingerprint(db: Path) -> dict[str, str]:
    """The bytes of the database and its WAL: reading must change neither."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(db.parent.glob(f"{db.name}*"))
        if not path.name.endswith("-shm")  # SQLite's shared index, rebuilt by any reader
    }


async def test_planning_from_the_halls_own_database(
    tmp_path: Path, start_hall: Callable[..., Awaitable[RunningHall]]
) -> None:
    today = dt.datetime.now(SHANGHAI).date()
    old_day, yesterday = today - dt.timedelta(days=40), today - dt.timedelta(days=1)
    clock = FakeClock(dt.datetime.combine(old_day, dt.time(10, 0), SHANGHAI))
    db = tmp_path / "hall.db"
    hall = await start_hall(
        load_hall(JIANGBEI, open_all_hours=True), db_path=db, clock=clock, supervise_every=None
    )
    kiosk = await hall.device("kiosk-1", "kiosk")

    async def issue(service: str, count: int) -> None:
        for _ in range(count):
            status, body = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": service})
            assert status == 201, body
            clock.advance(minutes=7)

    await issue("tax", 3)  # 40 days ago: outside the last four weeks
    clock.now = dt.datetime.combine(yesterday, dt.time(9, 30), SHANGHAI)
    await issue("social-insurance", 6)
    before = fingerprint(db)

    # Read while the server runs, the runs side by side.
    from_db = ["--config", JIANGBEI, "--from-db", "--db", str(db)]
    month_ago = today - dt.timedelta(days=30)
    days, wide, early, plan, journal, empty = await asyncio.gather(
        answer("simulate", *from_db),
        answer("simulate", *from_db, "--from", str(old_day), "--days", "2"),
        answer("simulate", *from_db, "--to", str(month_ago), "--days", "2"),
        answer("plan", *from_db, *QUICK),
        answer("plan", "--config", JIANGBEI, "--journal", str(db), *QUICK),
        hallq("plan", *from_db, "--to", str(old_day - dt.timedelta(days=1))),
    )

    # Without dates: the 28 whole days before today.
    assert days["demand"] == f"journal {today - dt.timedelta(days=28)} to {yesterday}"
    assert set(days["by_service"]) == {"social-insurance"}
    assert type(days["served"]) is int and days["served"] > 0
    assert days["days"] == 20  # the default

    # --from widens (or narrows) the days; --to alone ends the four weeks earlier.
    assert wide["demand"] == f"journal {old_day} to {yesterday}"
    assert set(wide["by_service"]) >= {"social-insurance", "tax"}
    assert early["demand"] == f"journal {month_ago - dt.timedelta(days=27)} to {month_ago}"
    assert "social-insurance" not in early["by_service"] and "tax" in early["by_service"]

    # plan --from-db, and --journal DB: the same thing with the file named there.
    assert plan["demand"] == days["demand"]
    assert plan["hours"] and all(set(h) >= {"start", "windows"} for h in plan["hours"])
    assert journal == plan

    # Days without a ticket are refused, not planned as an empty hall.
    status, _, err = empty
    assert status == 2 and "no tickets issued" in err and "Traceback" not in err

    assert fingerprint(db) == before
    status, _ = await hall.call("GET", "/healthz")
    assert status == 200  # the server never noticed
