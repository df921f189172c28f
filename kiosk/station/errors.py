"""The station agent's errors."""

from __future__ import annotations


class StationError(Exception):
    """Base of every station agent error."""


class SettingsError(StationError):
    """The station's device config is wrong; `problems` lists each with its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("bad station config:\n  " + "\n  ".join(problems))
        self.problems = problems
