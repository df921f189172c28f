"""The caller keypad's rules, pure: key presses in, window intents out (no I/O, no clock).

Single keys act at once: 呼叫 call-next, 重呼 recall, 开始 start, 办结 finish, 过号 no-show,
暂停 pause/resume, 评价 ask-rating. Combinations end with 确认:

- digits + 确认: call back the N-th of the window's recently missed tickets, 1 = the most
  recent ("3 确认" calls back the third most recently missed);
- 转移 + 确认: transfer the current ticket to the configured default service or window;
- 转移 + digits + 确认 (or digits + 转移 + 确认): transfer it to window N.

取消 forgets what was typed, and so does a pause of `entry_seconds` between keys. The same
action key twice within `repeat_guard` seconds is one press: a double tap of 呼叫 must not
call (and skip) a second citizen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from kiosk.station.keys import Key

MAX_DIGITS = 4


class Intent(StrEnum):
    CALL_NEXT = "call-next"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no-show"
    TOGGLE_PAUSE = "pause-toggle"
    ASK_RATING = "ask-rating"
    CALL_BACK = "call-back"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class Action:
    """What the clerk asked for. `number`: the missed position (call-back) or the window typed
    (transfer; None means the configured default)."""

    intent: Intent
    number: str | None = None


@dataclass(frozen=True)
class Feedback:
    """A key that did not make an action: for the log, and a beep on keypads that have one."""

    kind: str  # "typed", "cleared", "ignored"
    text: str


Output = Action | Feedback

_SINGLE: Mapping[Key, Intent] = {
    Key.CALL: Intent.CALL_NEXT,
    Key.RECALL: Intent.RECALL,
    Key.START: Intent.START,
    Key.FINISH: Intent.FINISH,
    Key.NO_SHOW: Intent.NO_SHOW,
    Key.PAUSE: Intent.TOGGLE_PAUSE,
    Key.RATE: Intent.ASK_RATING,
}


class KeypadMachine:
    """Feed it key presses (key-down only) with a monotonic time; it answers with outputs."""

    def __init__(
        self, keys: Mapping[int, Key], *, entry_seconds: float = 5.0, repeat_guard: float = 0.8
    ) -> None:
        self.keys = dict(keys)
        self.entry_seconds = entry_seconds
        self.repeat_guard = repeat_guard
        self.digits = ""
        self.transferring = False
        self._last_entry = 0.0
        self._last_action: tuple[Key, float] | None = None

    @property
    def pending(self) -> bool:
        return bool(self.digits) or self.transferring

    def expire(self, now: float) -> list[Output]:
        """Forget a half-typed entry left alone for `entry_seconds`."""
        if self.pending and now - self._last_entry >= self.entry_seconds:
            return self._clear("timed out")
        return []

    def unplugged(self) -> list[Output]:
        """The keypad went away: a half-typed entry is forgotten, never finished by the first
        key of the keypad plugged in next."""
        return self._clear("lost with the keypad") if self.pending else []

    def press(self, code: int, now: float) -> list[Output]:
        key = self.keys.get(code)
        if key is None:
            return [Feedback("ignored", f"key {code} is not mapped")]
        out = self.expire(now)
        if key.digit is not None:
            return out + self._digit(key.digit, now)
        if key is Key.CANCEL:
            return out + (self._clear("cancelled") if self.pending else [])
        if key is Key.TRANSFER:
            self.transferring = True
            self._last_entry = now
            return [*out, Feedback("typed", f"transfer {self.digits}".rstrip())]
        if key is Key.CONFIRM:
            return out + self._confirm()
        return out + self._single(key, now)

    def _digit(self, digit: str, now: float) -> list[Output]:
        if len(self.digits) >= MAX_DIGITS:
            return [Feedback("ignored", f"at most {MAX_DIGITS} digits")]
        self.digits += digit
        self._last_entry = now
        return [Feedback("typed", ("transfer " if self.transferring else "") + self.digits)]

    def _confirm(self) -> list[Output]:
        digits, transferring = self.digits, self.transferring
        self.digits, self.transferring = "", False
        number = str(int(digits)) if digits else None
        if transferring:
            return [Action(Intent.TRANSFER, number)]
        if number is None:
            return [Feedback("ignored", "nothing typed to confirm")]
        if number == "0":
            return [Feedback("ignored", "missed tickets are counted from 1")]
        return [Action(Intent.CALL_BACK, number)]

    def _single(self, key: Key, now: float) -> list[Output]:
        out = self._clear("replaced by an action") if self.pending else []
        last = self._last_action
        if last is not None and last[0] is key and now - last[1] < self.repeat_guard:
            return [*out, Feedback("ignored", f"{key.value} pressed twice")]
        self._last_action = (key, now)  # counted from the press that acted
        return [*out, Action(_SINGLE[key])]

    def _clear(self, why: str) -> list[Output]:
        typed = ("transfer " if self.transferring else "") + self.digits
        self.digits, self.transferring = "", False
        return [Feedback("cleared", f"{typed.strip()} {why}")]
