"""What each keypad action asks of the server: the window action endpoints of API.md, pure."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from kiosk.station.keypad import Action, Intent
from kiosk.station.settings import KeypadSettings


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict[str, Any] | None = None


class NotPossible(Exception):
    """The action cannot be sent as it stands (nothing to call back, no default target)."""


def window_path(window_id: str, action: str = "") -> str:
    path = f"/api/v1/windows/{urllib.parse.quote(window_id, safe='')}"
    return f"{path}/{action}" if action else path


def request_for(
    action: Action, window_id: str, state: str | None, keypad: KeypadSettings
) -> Request:
    """The request for `action` at `window_id`, whose state the stream last showed as `state`.

    Call-back needs the missed list first: see `call_back_request`.
    """
    intent = action.intent
    if intent is Intent.TOGGLE_PAUSE:
        if state == "paused":
            return Request("POST", window_path(window_id, "resume"), {})
        return Request("POST", window_path(window_id, "pause"), {"reason": keypad.pause_reason})
    if intent is Intent.TRANSFER:
        if action.number is not None:
            if action.number == window_id:
                raise NotPossible(f"the ticket is already at window {window_id}")
            return Request("POST", window_path(window_id, "transfer"), {"window": action.number})
        if keypad.transfer_to is None:
            raise NotPossible("no default transfer target: set [keypad] transfer_to or type one")
        return Request("POST", window_path(window_id, "transfer"), keypad.transfer_to.body())
    if intent is Intent.CALL_BACK:
        return Request("GET", window_path(window_id))
    return Request("POST", window_path(window_id, intent.value), {})


def call_back_request(detail: dict[str, Any], window_id: str, position: str) -> Request:
    """Call back the `position`-th most recently missed ticket of the window's detail.

    The server lists `missed` oldest first, so 1 is the last entry.
    """
    missed = [t for t in detail.get("missed") or () if isinstance(t, dict) and "id" in t]
    index = int(position)
    if not 1 <= index <= len(missed):
        raise NotPossible(f"no missed ticket number {index}: the window has {len(missed)}")
    ticket = missed[-index]
    return Request("POST", window_path(window_id, "call-back"), {"ticket": ticket["id"]})
