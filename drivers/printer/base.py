"""The TicketPrinter interface every printer adapter implements, and its one base error."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class PrinterError(Exception):
    """Base of every printer driver error."""


class PrintFailed(PrinterError):
    """A job did not reach the printer whole; part of it may have been printed."""


class PrinterCondition(StrEnum):
    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    UNKNOWN = "unknown"

    def can_print(self, *, trust_unknown: bool) -> bool:
        """Whether a ticket may be issued on this condition.

        Some printers never answer status queries, so a hall chooses whether `unknown` prints.
        """
        if self is PrinterCondition.UNKNOWN:
            return trust_unknown
        return self in (PrinterCondition.OK, PrinterCondition.PAPER_LOW)


@dataclass(frozen=True)
class PrinterStatus:
    """A printer's condition, with a detail for the admin screen and the logs."""

    condition: PrinterCondition
    detail: str = ""


@runtime_checkable
class TicketPrinter(Protocol):
    """A printer that takes whole ESC/POS jobs and reports its condition."""

    @property
    def name(self) -> str:
        """A short name for logs, e.g. "usb:0416:5011" or "fake"."""
        ...

    async def status(self) -> PrinterStatus:
        """Ask the printer, within a time-out; never raises.

        A failure to reach it is `offline`; an empty or unreadable answer is `unknown`.
        """
        ...

    async def print_job(self, job: bytes) -> None:
        """Send one job's raw ESC/POS bytes; raise PrintFailed if they did not all go out."""
        ...

    async def close(self) -> None:
        """Let go of the device; a later call opens it again."""
        ...
