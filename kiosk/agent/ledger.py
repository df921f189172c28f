"""Tickets issued but not (yet) printed, kept on disk until reprinted or voided."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unprinted:
    """One ticket the citizen did not get on paper.

    `answer` is the server's answer (None while unknown: the server took the request but its
    answer was lost, and `idempotency_key` will fetch it again).
    """

    idempotency_key: str
    service: str
    priority: str
    answer: dict[str, Any] | None = None
    appointment: str | None = None

    @property
    def ticket_id(self) -> str | None:
        return None if self.answer is None else str(self.answer["ticket"]["id"])


class Ledger:
    """An ordered set of Unprinted, written through to a JSON file with fsync.

    A kiosk that loses power with a ticket unprinted still knows about it when it starts
    again, so the ticket is reprinted or voided, never silently lost.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, Unprinted] = {}
        if path is not None and path.exists():
            try:
                for raw in json.loads(path.read_text(encoding="utf-8")):
                    entry = Unprinted(**raw)
                    self._entries[entry.idempotency_key] = entry
            except (OSError, ValueError, TypeError) as exc:
                # Keep the unreadable file for a person to look at; start afresh beside it.
                broken = path.with_suffix(".broken")
                log.error(
                    "unreadable unprinted-ticket ledger %s (%s); kept as %s", path, exc, broken
                )
                path.replace(broken)

    def __iter__(self) -> Iterator[Unprinted]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, entry: Unprinted) -> None:
        self._entries[entry.idempotency_key] = entry
        self._save()

    def drop(self, idempotency_key: str) -> None:
        if self._entries.pop(idempotency_key, None) is not None:
            self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        data = json.dumps([asdict(e) for e in self._entries.values()], ensure_ascii=False)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
