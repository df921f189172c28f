"""The waiting queues and the dispatch order: which ticket a window calls next."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from enum import IntEnum

from queue_server.domain.hall import Window
from queue_server.domain.model import Priority, QueueKey, Ticket


class Rank(IntEnum):
    """The call order of DOMAIN.md, best first."""

    GREEN = 0  # 绿色通道
    PINNED = 1  # 置顶 by a manager
    TRANSFERRED = 2  # transferred in, or on to the next step of its route
    APPOINTMENT = 3  # an appointment whose slot has begun (and not ended)
    NORMAL = 4  # everyone else, first come first served


RANKS = tuple(Rank)  # best first; iterating the enum itself costs more on the hot path


def bucket_of(ticket: Ticket) -> Rank:
    """The bucket a waiting ticket lives in; appointments rank by time, see `rank_at`."""
    if ticket.rejoined:  # its precedence was for the call it missed: ordinary now
        return Rank.PINNED if ticket.pinned else Rank.NORMAL
    if ticket.priority is Priority.GREEN:
        return Rank.GREEN
    if ticket.pinned:
        return Rank.PINNED
    if ticket.transferred:
        return Rank.TRANSFERRED
    if ticket.priority is Priority.APPOINTMENT:
        return Rank.APPOINTMENT
    return Rank.NORMAL


def rank_at(ticket: Ticket, now: dt.datetime) -> Rank:
    rank = bucket_of(ticket)
    if rank is Rank.APPOINTMENT and not ticket.in_slot(now):
        return Rank.NORMAL
    return rank


class Bucket:
    """Waiting tickets of one service and rank, kept sorted by queue key."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[tuple[QueueKey, str]] = []

    def add(self, key: QueueKey, ticket_id: str) -> None:
        bisect.insort(self._items, (key, ticket_id))

    def remove(self, key: QueueKey, ticket_id: str) -> None:
        i = bisect.bisect_left(self._items, (key, ticket_id))
        if i < len(self._items) and self._items[i] == (key, ticket_id):
            del self._items[i]

    def head(self) -> tuple[QueueKey, str] | None:
        return self._items[0] if self._items else None

    def nth_key(self, n: int) -> QueueKey | None:
        """The key of the n-th ticket (1-based), or None when fewer wait."""
        return self._items[n - 1][0] if 0 < n <= len(self._items) else None

    def count_before(self, key: QueueKey) -> int:
        return bisect.bisect_left(self._items, (key, ""))

    def __iter__(self) -> Iterator[tuple[QueueKey, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class Queues:
    """Every waiting ticket, by service and rank; tickets sent to one window by window and rank."""

    def __init__(self) -> None:
        self._by_service: dict[tuple[str, Rank], Bucket] = {}
        self._by_window: dict[tuple[str, Rank], Bucket] = {}
        self._waiting_per_service: dict[str, int] = {}
        self._changed: set[str] = set()  # services whose line changed since `take_changed`

    def _bucket_for(self, ticket: Ticket) -> Bucket:
        if ticket.target_window is not None:
            return self._by_window.setdefault((ticket.target_window, bucket_of(ticket)), Bucket())
        return self._by_service.setdefault((ticket.service, bucket_of(ticket)), Bucket())

    def add(self, ticket: Ticket) -> None:
        assert ticket.key is not None
        self._bucket_for(ticket).add(ticket.key, ticket.id)
        self._waiting_per_service[ticket.service] = self.waiting(ticket.service) + 1
        self._changed.add(ticket.service)

    def remove(self, ticket: Ticket) -> None:
        assert ticket.key is not None
        self._bucket_for(ticket).remove(ticket.key, ticket.id)
        self._waiting_per_service[ticket.service] = self.waiting(ticket.service) - 1
        self._changed.add(ticket.service)

    def waiting(self, service: str) -> int:
        return self._waiting_per_service.get(service, 0)

    def waiting_counts(self) -> Mapping[str, int]:
        """Tickets waiting per service (a service missing from it has none)."""
        return self._waiting_per_service

    def take_changed(self) -> set[str]:
        """The services whose line grew or shrank since this was last asked."""
        changed, self._changed = self._changed, set()
        return changed

    def nth_ordinary_key(self, service: str, places: int) -> QueueKey | None:
        """The key of the `places`-th ordinary ticket waiting for `service`, or None when
        fewer wait."""
        bucket = self._by_service.get((service, Rank.NORMAL))
        return bucket.nth_key(places) if bucket is not None else None

    def _buckets(self, services: Iterable[str], window: str | None, rank: Rank) -> list[Bucket]:
        found = [b for s in services if (b := self._by_service.get((s, rank)))]
        if window is not None and (own := self._by_window.get((window, rank))):
            found.append(own)
        return found

    def pick(self, window: Window, tickets: dict[str, Ticket], now: dt.datetime) -> Ticket | None:
        """The ticket `window` must call next: primary services (and tickets sent to this
        window) first, then its overflow services."""
        return self._best(window.services, window.id, tickets, now) or self._best(
            window.overflow, None, tickets, now
        )

    def _best(
        self,
        services: Iterable[str],
        window: str | None,
        tickets: dict[str, Ticket],
        now: dt.datetime,
    ) -> Ticket | None:
        services = tuple(services)
        for rank in (Rank.GREEN, Rank.PINNED, Rank.TRANSFERRED):
            found = _first(self._buckets(services, window, rank))
            if found is not None:
                return tickets[found[1]]
        in_slot: list[tuple[QueueKey, str]] = []
        out_of_slot: list[tuple[QueueKey, str]] = []
        for bucket in self._buckets(services, window, Rank.APPOINTMENT):
            for item in bucket:
                (in_slot if tickets[item[1]].in_slot(now) else out_of_slot).append(item)
        if in_slot:
            return tickets[min(in_slot)[1]]
        heads = [h for h in (_first(self._buckets(services, window, Rank.NORMAL)),) if h]
        found = min(heads + out_of_slot, default=None)
        return tickets[found[1]] if found is not None else None

    def ahead_of(self, ticket: Ticket, tickets: dict[str, Ticket], now: dt.datetime) -> int:
        """How many tickets in the same line (its service, or its target window) come first."""
        if ticket.key is None:
            return 0
        mine = (rank_at(ticket, now), ticket.key)
        # Every kiosk's answer asks this: the line's buckets are looked up directly.
        line, owner = (
            (self._by_window, ticket.target_window)
            if ticket.target_window
            else (self._by_service, ticket.service)
        )
        ahead = 0
        for rank in RANKS:
            bucket = line.get((owner, rank))
            if not bucket:
                continue
            if rank is Rank.APPOINTMENT:  # out of their slot, appointments rank as ordinary
                ahead += sum(1 for key, tid in bucket if (rank_at(tickets[tid], now), key) < mine)
            elif rank < mine[0]:
                ahead += len(bucket)
            elif rank == mine[0]:
                ahead += bucket.count_before(ticket.key)
        return ahead


def _first(buckets: list[Bucket]) -> tuple[QueueKey, str] | None:
    """The earliest head among buckets of one rank."""
    return min((h for b in buckets if (h := b.head()) is not None), default=None)
