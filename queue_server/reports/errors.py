"""The reports package's one error: a period or grouping that cannot be reported on."""

from __future__ import annotations


class ReportError(ValueError):
    """A bad report question; `field` names the part at fault (web/ answers 422 with it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
