"""The server link's errors, which both agents handle: a refusal, and no answer at all."""

from __future__ import annotations

from typing import Any

from kiosk.agent.errors import KioskError


class IssueRefused(KioskError):
    """A request refused, by the server's rules or by the agent's state; shown to the citizen.

    `code` is the wire error code (API.md) and `status` the HTTP status the local page gets.
    `after_lost_answer`: an earlier attempt of the same request went unanswered and may have
    been done; for a request without an idempotency key, a refusal such as `already_rated`
    may then be that attempt's own doing.
    """

    def __init__(
        self, status: int, code: str, message: str, *, after_lost_answer: bool = False, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.after_lost_answer = after_lost_answer
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


class ServerUnavailable(KioskError):
    """The server did not answer; `maybe_done` when the request may have reached it."""

    def __init__(self, message: str, *, maybe_done: bool) -> None:
        super().__init__(message)
        self.maybe_done = maybe_done
