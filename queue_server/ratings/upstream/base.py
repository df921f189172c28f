"""What an upstream adapter is: the items it sends, its settings, its one error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from queue_server.domain.hall import UpstreamSettings
from queue_server.domain.ratings import RatingRecord
from queue_server.ratings.errors import RatingsError

# The Rater fields of the wire contract; an adapter picks the ones its upstream takes.
__all__ = ["RATER_FIELDS", "UpstreamAdapter", "UpstreamError", "UpstreamItem", "UpstreamSettings"]

RATER_FIELDS = ("name", "id_type", "id_number", "credit_code", "phone", "agent")


class UpstreamError(RatingsError):
    """A batch did not reach the upstream system (refused, unreachable, timed out).

    The outbox keeps the batch and tries again; nothing in it counts as delivered.
    """


@dataclass(frozen=True)
class UpstreamItem:
    """One rating to send: the record, its rater in the clear (or None) and its journal seq."""

    record: RatingRecord
    rater: Mapping[str, str] | None
    seq: int


class UpstreamAdapter(Protocol):
    """Sends batches to one outside 好差评 system.

    `send` returns only when the upstream has accepted the whole batch, and raises
    UpstreamError for anything else (translate library errors with `raise ... from`). It may
    be given the same batch again after a failure, or after a crash between the upstream's
    answer and the cursor write: upstreams should treat the record id as a key.
    """

    @property
    def name(self) -> str:
        """A stable name: the outbox keeps its delivery cursor under it."""
        ...

    async def send(self, batch: Sequence[UpstreamItem]) -> None: ...
