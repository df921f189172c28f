"""The store's base error: every storage failure reaches the service as a StoreError."""


class StoreError(Exception):
    """The journal or the database could not do what was asked (disk full, corrupt, locked)."""
