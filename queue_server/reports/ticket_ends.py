"""How the tickets issued in a period stood at its end: each in exactly one column, so that
the columns add up to 取号数."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from queue_server.domain.model import TicketState


@dataclass(frozen=True)
class TicketEnds:
    """Tickets issued, by their state at the end of the period (or now, while it runs)."""

    done: int = 0  # finished, at the last step of their route (办结)
    no_show: int = 0  # missed, and not put back in the queue (过号)
    cancelled: int = 0  # voided by a manager, or by the kiosk that could not print (作废)
    abandoned: int = 0  # closed out at a clearing, waiting or held (清号)
    open: int = 0  # waiting, called, being served or held (未结)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def count_ends(ends: Iterable[TicketState | None]) -> TicketEnds:
    """Count tickets by their end; None for a ticket that has not ended."""
    found = Counter(ends)
    return TicketEnds(
        done=found[TicketState.DONE],
        no_show=found[TicketState.NO_SHOW],
        cancelled=found[TicketState.CANCELLED],
        abandoned=found[TicketState.ABANDONED],
        open=found[None],
    )
