"""Domain errors: a command the hall's rules refuse, with a stable snake_case code."""

from __future__ import annotations


class DomainError(Exception):
    """A command refused by the hall's rules; `code` is the wire error code of API.md."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(DomainError):
    """The thing named does not exist, or there is nothing to call (404 on the wire)."""


class Conflict(DomainError):
    """The hall's state does not allow the command now (409 on the wire)."""
