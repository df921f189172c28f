"""The end of the day: every invariant of the soak, checked against the server, its journal
and what every client was told."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from crash.hall_process import HallProcess

from .clients import Hall
from .ledger import FINAL_STATES, Ledger
from .streams import Watcher

# The report columns that count events, and the journal's tally of each.
REPORTED = ("issued", "called", "served", "missed", "transferred", "ratings")


@dataclass
class Journal:
    """The day as the journal holds it, tallied per service the way the reports count."""

    issued: set[str] = field(default_factory=set)
    endings: Counter[str] = field(default_factory=Counter)  # ticket -> final events
    tallies: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    days: set[dt.date] = field(default_factory=set)
    integrity: str = ""


def read_journal(server: HallProcess, zone: ZoneInfo) -> Journal:
    """Replay the events table read-only, beside the running server (WAL allows it)."""
    found = Journal()
    at_service: dict[str, str] = {}  # the service a ticket is at now
    issued_for: dict[str, str] = {}
    called: set[str] = set()
    with sqlite3.connect(f"file:{server.db}?mode=ro", uri=True) as db:
        found.integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = db.execute("SELECT type, data, recorded_at FROM events ORDER BY seq").fetchall()
    for kind, text, recorded_at in rows:
        data = json.loads(text)
        found.days.add(dt.datetime.fromisoformat(recorded_at).astimezone(zone).date())
        ticket = data.get("ticket_id")
        if kind == "ticket.issued":
            found.issued.add(ticket)
            at_service[ticket] = issued_for[ticket] = data["service"]
            found.tallies[data["service"]]["issued"] += 1
        elif kind == "ticket.called" and ticket not in called:
            called.add(ticket)  # the first call ends the wait: later calls are no new wait
            found.tallies[issued_for[ticket]]["called"] += 1
        elif kind == "ticket.finished":
            found.tallies[data["service"]]["served"] += 1
            if data.get("next_service"):
                at_service[ticket] = data["next_service"]
            else:
                found.endings[ticket] += 1
        elif kind == "ticket.no_show":
            found.tallies[at_service[ticket]]["missed"] += 1
            found.endings[ticket] += data.get("key") is None
        elif kind == "ticket.transferred":
            found.tallies[at_service[ticket]]["transferred"] += 1
            at_service[ticket] = data["to_service"]
        elif kind == "ticket.cancelled":
            found.endings[ticket] += 1
        elif kind == "queue.cleared":
            found.endings.update(data["ticket_ids"])
        elif kind == "rating.recorded":
            found.tallies[data["service"]]["ratings"] += 1
    return found


async def check_day(
    server: HallProcess, hall: Hall, boss: str, ledger: Ledger, watchers: list[Watcher]
) -> list[str]:
    """Every invariant at the end of the day; the problems found (none, when all hold)."""
    problems: list[str] = []
    status, shown = await hall.insist("GET", "/api/v1/hall")
    assert status == 200, shown
    zone = ZoneInfo(shown["hall"]["timezone"])
    journal = await asyncio.to_thread(read_journal, server, zone)
    if journal.integrity != "ok":
        problems.append(f"integrity_check: {journal.integrity}")
    problems += await _tickets_ended(hall, ledger)
    problems += _numbers_gap_free(ledger)
    if journal.issued != ledger.issued_ids:
        problems.append(
            f"the journal issued {len(journal.issued)} tickets, the kiosks were given "
            f"{len(ledger.issued_ids)}: {sorted(journal.issued ^ ledger.issued_ids)[:5]}"
        )
    for ticket in journal.issued:
        if journal.endings[ticket] != 1:
            problems.append(f"ticket {ticket} ended {journal.endings[ticket]} times in the journal")
    problems += _screens_agree(watchers, shown)
    problems += await _reports_agree(hall, boss, journal)
    for acked, reported in (("finish", "served"), ("no-show", "missed"), ("rated", "ratings")):
        in_journal = sum(t[reported] for t in journal.tallies.values())
        if ledger.counts[acked] > in_journal:
            problems.append(f"{ledger.counts[acked]} {acked} acknowledged, {in_journal} journalled")
    return problems


async def _tickets_ended(hall: Hall, ledger: Ledger) -> list[str]:
    """Every ticket anyone was given is in a final state, the one it was acknowledged in."""
    problems: list[str] = []
    limit = asyncio.Semaphore(16)

    async def one(ticket_id: str) -> None:
        async with limit:
            status, answer = await hall.insist("GET", f"/api/v1/tickets/{ticket_id}")
        known = ledger.tickets[ticket_id]
        if status != 200:
            problems.append(f"acknowledged {known.number} ({ticket_id}) is gone: {answer}")
            return
        state = answer["ticket"]["state"]
        if state not in FINAL_STATES:
            problems.append(f"{known.number} is still {state} at the end of the day")
        elif known.ended is not None and state != known.ended:
            problems.append(f"{known.number} was acknowledged {known.ended}, is {state}")

    await asyncio.gather(*(one(t) for t in ledger.issued_ids))
    return problems


def _numbers_gap_free(ledger: Ledger) -> list[str]:
    """Per day and prefix the numbers run 1..n: each given once, none skipped or lost."""
    numbers: dict[tuple[str, str], list[int]] = defaultdict(list)
    for (day, number), _ in ledger.numbers.items():
        numbers[day, number[0]].append(int(number[1:]))
    problems = []
    for (day, prefix), found in sorted(numbers.items()):
        if sorted(found) != list(range(1, len(found) + 1)):
            problems.append(f"{prefix} numbers of {day} are not 1..{len(found)}: {sorted(found)}")
    return problems


def _screens_agree(watchers: list[Watcher], shown: dict[str, Any]) -> list[str]:
    """Every screen, rebuilt from its snapshot and the changes since, draws the server's hall."""
    rows = [
        (w["id"], w["state"], (w["ticket"] or {}).get("id"))
        for w in sorted(shown["windows"], key=lambda w: int(w["id"]))
    ]
    waiting = {s["id"]: s["waiting"] for s in shown["services"]}
    problems = []
    for watcher in watchers:
        seen_rows, seen_waiting = watcher.view.shown()
        if seen_rows != rows:
            wrong = [(a, b) for a, b in zip(seen_rows, rows, strict=False) if a != b]
            problems.append(f"{watcher.name} shows windows {wrong[:3]} unlike the server")
        if seen_waiting != waiting:
            problems.append(f"{watcher.name} shows waiting {seen_waiting}, server {waiting}")
    return problems


async def _reports_agree(hall: Hall, boss: str, journal: Journal) -> list[str]:
    """The day's report per service counts what the journal holds, column by column."""
    reported: dict[str, Counter[str]] = defaultdict(Counter)
    for day in sorted(journal.days):
        status, answer = await hall.insist(
            "GET", f"/api/v1/reports?period=day&by=service&date={day.isoformat()}", boss
        )
        if status != 200:
            return [f"report of {day}: {status} {answer}"]
        for row in answer["rows"]:
            reported[row["key"]].update({k: row[k] or 0 for k in REPORTED})
    problems = []
    for service in sorted(set(reported) | set(journal.tallies)):
        want = {k: journal.tallies[service][k] for k in REPORTED}
        got = {k: reported[service][k] for k in REPORTED}
        if want != got:
            problems.append(f"report for {service}: {got}, journal {want}")
    return problems
