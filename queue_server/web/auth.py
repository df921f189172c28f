"""Who is asking and what they may do: bearer tokens, roles and window binding."""

from __future__ import annotations

from aiohttp import web

from queue_server.accounts import AccountStore, Principal, Role
from queue_server.domain.state import Hall


class Unauthenticated(Exception):
    """No token, or a token nobody issued (401)."""


class Forbidden(Exception):
    """A known principal whose role or window may not do this (403)."""


PEOPLE = frozenset({Role.CLERK, Role.MANAGER, Role.ADMIN})
SUPERVISORS = frozenset({Role.MANAGER, Role.ADMIN})
# As API.md's table has it: an admin runs the system, not the queue.
ISSUERS = frozenset({Role.KIOSK, Role.CLERK, Role.MANAGER})
STAFF_STREAM = frozenset({Role.CLERK, Role.MANAGER, Role.ADMIN, Role.STATION, Role.PAD})


def bearer_token(request: web.Request, *, allow_query: bool = False) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and header[7:].strip():
        return header[7:].strip()
    if allow_query:  # browsers cannot set headers on a WebSocket
        return request.query.get("token") or None
    return None


async def optional_principal(
    request: web.Request, accounts: AccountStore, *, allow_query: bool = False
) -> Principal | None:
    token = bearer_token(request, allow_query=allow_query)
    if token is None:
        return None
    principal = await accounts.authenticate(token)
    if principal is None:
        raise Unauthenticated("unknown or expired token")
    return principal


async def require_principal(
    request: web.Request, accounts: AccountStore, *, allow_query: bool = False
) -> Principal:
    principal = await optional_principal(request, accounts, allow_query=allow_query)
    if principal is None:
        raise Unauthenticated("this needs a token (Authorization: Bearer ...)")
    return principal


def require_role(principal: Principal, allowed: frozenset[Role]) -> None:
    if principal.role not in allowed:
        raise Forbidden(f"a {principal.role} may not do this")


def actor(principal: Principal) -> str:
    """A stable name for the device or person, unique across both kinds."""
    return f"{principal.kind}:{principal.name}"


def check_window_action(principal: Principal, window: str, hall: Hall, *, opening: bool) -> None:
    """Stations act only for their own window; a clerk only where signed in (or signing in).
    Nobody else acts for a window: managers see the hall and steer it, clerks serve."""
    role = principal.role
    if role is Role.STATION:
        if principal.window != window:
            raise Forbidden(f"this station belongs to window {principal.window}")
        return
    if role is Role.CLERK:
        if opening:
            return
        if hall.window_of_clerk(principal.name) != window:
            raise Forbidden(f"you are not signed in at window {window}")
        return
    raise Forbidden(f"a {role} may not act for a window")
