"""The kiosk agent's errors (the server link's own are in kiosk.agent.link_errors)."""

from __future__ import annotations


class KioskError(Exception):
    """Base of every kiosk agent error."""


class SettingsError(KioskError):
    """The kiosk's device config is wrong; `problems` lists each with its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("bad kiosk config:\n  " + "\n  ".join(problems))
        self.problems = problems
