"""The store's base error: every storage failure reaches the service as a StoreError."""

import sqlite3


class StoreError(Exception):
    """The journal or the database could not do what was asked (disk full, corrupt, locked)."""


def refused_writing(failure: BaseException) -> bool:
    """Whether SQLite refused to write the database file (or the error it caused): most
    often a database made by `sudo hallq ...` rather than as the service's user."""
    codes = {getattr(e, "sqlite_errorcode", None) for e in (failure, failure.__cause__)}
    return sqlite3.SQLITE_READONLY in codes
