"""What the hall's clients were told: every acknowledged answer, checked as it arrives."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FINAL_STATES = frozenset({"done", "no_show", "abandoned", "cancelled"})


@dataclass
class Acked:
    """A ticket as the clients know it: its number, and its last acknowledged end, if any."""

    id: str
    number: str
    service: str
    day: str  # the business day it was issued on: numbers restart each day
    ended: str | None = None  # "done" or "no_show" once a station was told so


@dataclass
class Ledger:
    """Everything acknowledged with a 2xx answer, across every restart of the server."""

    tickets: dict[str, Acked] = field(default_factory=dict)
    numbers: dict[tuple[str, str], str] = field(default_factory=dict)  # (day, number) -> id
    keys: dict[str, str] = field(default_factory=dict)  # idempotency key -> id
    issued_ids: set[str] = field(default_factory=set)
    holder: dict[str, str] = field(default_factory=dict)  # window -> its current ticket
    unsure: set[str] = field(default_factory=set)  # windows whose last request was lost
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def saw(self, ticket: dict[str, Any]) -> Acked:
        """Any answer carrying a ticket: one id per printed number per day, ever."""
        day = ticket["issued_at"][:10]  # the hall's local date: times carry its offset
        holder = self.numbers.setdefault((day, ticket["number"]), ticket["id"])
        if holder != ticket["id"]:
            self.problems.append(
                f"{ticket['number']} of {day} given to {holder} and {ticket['id']}"
            )
        known = self.tickets.setdefault(
            ticket["id"], Acked(ticket["id"], ticket["number"], ticket["service"], day)
        )
        if known.number != ticket["number"]:
            self.problems.append(f"ticket {known.id} was {known.number}, now {ticket['number']}")
        return known

    def issued(self, key: str, service: str, ticket: dict[str, Any]) -> None:
        known = self.saw(ticket)
        if known.service != service:
            self.problems.append(f"asked {service} with key {key}, got {known.service}")
        holder = self.keys.setdefault(key, known.id)
        if holder != known.id:
            self.problems.append(f"key {key} gave {holder} and later {known.id}")
        self.issued_ids.add(known.id)

    def called(self, window: str, ticket: dict[str, Any]) -> None:
        known = self.saw(ticket)
        if ticket["state"] != "called" or ticket["window"] != window:
            self.problems.append(f"call-next at {window} answered {ticket}")
        if known.ended is not None:
            self.problems.append(f"{known.number} called at {window} after it ended {known.ended}")
        for other, held in self.holder.items():
            if held == known.id and other != window and other not in self.unsure:
                self.problems.append(f"{known.number} called at {window} while current at {other}")
        self.holder[window] = known.id
        self.unsure.discard(window)
        self.counts["called"] += 1

    def released(self, window: str, action: str, answer: dict[str, Any]) -> None:
        """The window's ticket finished, missed or transferred, as acknowledged."""
        ticket = answer["ticket"]
        current = self.holder.pop(window, None)
        if ticket is None or (current is not None and ticket["id"] != current):
            self.problems.append(f"{action} at {window} (current {current}) answered {answer}")
            return
        known = self.saw(ticket)
        if action == "no-show":
            known.ended = "no_show" if ticket["state"] == "no_show" else None
        elif action == "finish" and ticket["state"] == "done":
            known.ended = "done"
        self.counts[action] += 1

    def lost(self, window: str) -> None:
        """A request from this window got no answer: it may or may not have happened."""
        self.unsure.add(window)

    def adopt(self, window: str, current: dict[str, Any] | None) -> None:
        """After a lost request the station reads its window back and carries on from there."""
        if current is None:
            self.holder.pop(window, None)
        else:
            self.holder[window] = self.saw(current).id
        self.unsure.discard(window)
