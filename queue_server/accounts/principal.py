"""Who is asking: roles, the authenticated principal, and the accounts package's base error."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class AccountError(Exception):
    """An account, device, password or token request was refused; the message says why."""


class Role(StrEnum):
    CLERK = "clerk"
    MANAGER = "manager"
    ADMIN = "admin"
    KIOSK = "kiosk"
    BOARD = "board"
    PAD = "pad"
    STATION = "station"


PERSON_ROLES = frozenset({Role.CLERK, Role.MANAGER, Role.ADMIN})
DEVICE_ROLES = frozenset({Role.KIOSK, Role.BOARD, Role.PAD, Role.STATION})
# A station or pad sits at one window and may act for that window only.
WINDOW_BOUND_ROLES = frozenset({Role.PAD, Role.STATION})


@dataclass(frozen=True)
class Principal:
    """The person or device behind an authenticated request."""

    kind: Literal["user", "device"]
    name: str
    role: Role
    window: str | None = None
    display_name: str | None = None
    staff_no: str | None = None
