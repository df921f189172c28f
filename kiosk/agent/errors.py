"""The kiosk agent's errors: why a ticket cannot be issued now, in words for the citizen."""

from __future__ import annotations

from typing import Any


class KioskError(Exception):
    """Base of every kiosk agent error."""


class IssueRefused(KioskError):
    """Issuing refused, by the server's rules or by the kiosk's state; shown to the citizen.

    `code` is the wire error code (API.md) and `status` the HTTP status the local page gets.
    """

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


class ServerUnavailable(KioskError):
    """The server did not answer; `maybe_done` when the request may have reached it."""

    def __init__(self, message: str, *, maybe_done: bool) -> None:
        super().__init__(message)
        self.maybe_done = maybe_done


class SettingsError(KioskError):
    """The kiosk's device config is wrong; `problems` lists each with its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("bad kiosk config:\n  " + "\n  ".join(problems))
        self.problems = problems
