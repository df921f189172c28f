"""The log's words for a device token the server refuses, the same for every agent."""

from __future__ import annotations


def refused_token(token: str, status: int, remedy: str) -> str:
    """What the IT person reads: which token, that the server refuses it, and `remedy`, how to
    make and give the agent a new one."""
    return (
        f"the server refuses the {token} (HTTP {status}): it was revoked or made for another "
        f"server; make a new one {remedy}"
    )
