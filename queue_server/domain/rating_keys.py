"""Ratings sent with an idempotency key: a retry finds the rating its first attempt recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from queue_server.domain.ratings import Channel, RatingRecord

# Whose key it is, and the key: (the device, the ticket for the phone page or "", the key).
KeyOwner = tuple[str, str, str]


def key_owner(
    device: str | None, channel: Channel, ticket_id: str, key: str | None
) -> KeyOwner | None:
    """Whose idempotency key `key` is; None when there is no key or nobody to own it.

    A pad's key is its own. The phone page rates under one device name for every citizen's
    phone, so there the key belongs to the ticket whose QR the phone holds: two citizens
    choosing the same key never meet.
    """
    if not device or not key:
        return None
    return device, ticket_id if channel is Channel.QR_CODE else "", key


class KeyedRatings:
    """The ratings recorded with an idempotency key, by whose key it is, until the next day.

    A retry comes seconds after its first attempt; the keys of the days before are
    forgotten when a new business day starts, as the tickets' keys are.
    """

    def __init__(self) -> None:
        self._by_owner: dict[KeyOwner, RatingRecord] = {}

    def find(
        self, device: str | None, channel: Channel, ticket_id: str, key: str | None
    ) -> RatingRecord | None:
        """The rating recorded before with this sender's key, if any."""
        owner = key_owner(device, channel, ticket_id, key)
        return self._by_owner.get(owner) if owner is not None else None

    def add(self, key: str, record: RatingRecord) -> None:
        owner = key_owner(record.device, record.channel, record.served.ticket_id, key)
        if owner is not None:
            self._by_owner[owner] = record

    def forget_before(self, day: dt.date, tz: dt.tzinfo) -> None:
        self._by_owner = {
            owner: record
            for owner, record in self._by_owner.items()
            if record.rated_at.astimezone(tz).date() >= day
        }

    def __iter__(self) -> Iterator[tuple[str, RatingRecord]]:
        """Each key with its rating, in the order recorded."""
        return ((owner[2], record) for owner, record in self._by_owner.items())
