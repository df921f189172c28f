"""The caller keypad's rules: every mapped key and combination makes the right action."""

from __future__ import annotations

import pytest

from kiosk.station.actions import NotPossible, Request, call_back_request, request_for
from kiosk.station.keypad import Action, Feedback, Intent, KeypadMachine, Output
from kiosk.station.keys import DEFAULT_KEYPAD, Key, key_code
from kiosk.station.settings import KeypadSettings, TransferTarget

CODES = {key: key_code(name) for name, key in DEFAULT_KEYPAD.items()}


def press(machine: KeypadMachine, *keys: Key, at: float = 100.0, step: float = 1.0) -> list[Output]:
    out: list[Output] = []
    for i, key in enumerate(keys):
        out += machine.press(CODES[key], at + i * step)
    return out


def actions(outputs: list[Output]) -> list[Action]:
    return [o for o in outputs if isinstance(o, Action)]


def machine() -> KeypadMachine:
    return KeypadMachine({c: k for k, c in CODES.items()}, entry_seconds=5, repeat_guard=0.8)


@pytest.mark.parametrize(
    ("key", "intent"),
    [
        (Key.CALL, Intent.CALL_NEXT),
        (Key.RECALL, Intent.RECALL),
        (Key.START, Intent.START),
        (Key.FINISH, Intent.FINISH),
        (Key.NO_SHOW, Intent.NO_SHOW),
        (Key.PAUSE, Intent.TOGGLE_PAUSE),
        (Key.RATE, Intent.ASK_RATING),
    ],
)
def test_each_action_key_acts_at_once(key: Key, intent: Intent) -> None:
    assert actions(press(machine(), key)) == [Action(intent)]


def test_digits_then_confirm_call_back_that_missed_ticket() -> None:
    m = machine()
    assert actions(press(m, Key.D3, Key.CONFIRM)) == [Action(Intent.CALL_BACK, "3")]
    assert actions(press(m, Key.D1, Key.D2, Key.CONFIRM, at=200)) == [
        Action(Intent.CALL_BACK, "12")
    ]
    assert not m.pending


def test_transfer_then_confirm_goes_to_the_default_and_with_digits_to_that_window() -> None:
    m = machine()
    assert actions(press(m, Key.TRANSFER, Key.CONFIRM)) == [Action(Intent.TRANSFER, None)]
    assert actions(press(m, Key.TRANSFER, Key.D1, Key.D2, Key.CONFIRM, at=200)) == [
        Action(Intent.TRANSFER, "12")
    ]
    assert actions(press(m, Key.D5, Key.TRANSFER, Key.CONFIRM, at=300)) == [
        Action(Intent.TRANSFER, "5")
    ]
    # Leading zeros are not part of a window's number.
    assert actions(press(m, Key.TRANSFER, Key.D0, Key.D7, Key.CONFIRM, at=400)) == [
        Action(Intent.TRANSFER, "7")
    ]


def test_cancel_forgets_what_was_typed() -> None:
    m = machine()
    out = press(m, Key.D3, Key.CANCEL, Key.CONFIRM)
    assert actions(out) == []
    assert Feedback("cleared", "3 cancelled") in out
    assert press(m, Key.TRANSFER, Key.CANCEL, Key.CONFIRM, at=200)[-1].kind == "ignored"  # type: ignore[union-attr]


def test_an_unplugged_keypad_takes_its_half_typed_entry_with_it() -> None:
    m = machine()
    press(m, Key.TRANSFER, Key.D2)
    assert m.unplugged() == [Feedback("cleared", "transfer 2 lost with the keypad")]
    assert actions(press(m, Key.CONFIRM, at=102)) == []
    assert m.unplugged() == []  # nothing typed: nothing to forget


def test_half_typed_digits_time_out() -> None:
    m = machine()
    press(m, Key.D3, at=100)
    out = m.press(CODES[Key.CONFIRM], 105.0)
    assert Feedback("cleared", "3 timed out") in out
    assert actions(out) == []
    # Within the time, each key restarts it.
    assert actions(press(m, Key.D1, Key.D2, Key.CONFIRM, at=200, step=4.9)) == [
        Action(Intent.CALL_BACK, "12")
    ]
    press(m, Key.D4, at=300)
    assert m.expire(304.0) == [] and m.pending
    assert m.expire(305.0) == [Feedback("cleared", "4 timed out")] and not m.pending


def test_an_action_key_drops_a_half_typed_entry_and_acts() -> None:
    m = machine()
    out = press(m, Key.D3, Key.CALL)
    assert actions(out) == [Action(Intent.CALL_NEXT)]
    assert not m.pending


def test_a_double_tap_of_an_action_key_is_one_press() -> None:
    m = machine()
    assert actions(press(m, Key.CALL, Key.CALL, step=0.3)) == [Action(Intent.CALL_NEXT)]
    assert actions(press(m, Key.CALL, at=101.0)) == [Action(Intent.CALL_NEXT)]
    # Another key in between is not a repeat.
    assert len(actions(press(m, Key.RECALL, Key.START, Key.RECALL, at=200, step=0.1))) == 3


def test_unmapped_keys_confirm_alone_zero_and_too_many_digits_do_nothing() -> None:
    m = machine()
    assert m.press(key_code("KEY_A"), 1.0) == [
        Feedback("ignored", f"key {key_code('KEY_A')} is not mapped")
    ]
    assert actions(press(m, Key.CONFIRM)) == []
    assert actions(press(m, Key.D0, Key.CONFIRM, at=200)) == []
    out = press(m, Key.D1, Key.D2, Key.D3, Key.D4, Key.D5, Key.CONFIRM, at=300, step=0.1)
    assert actions(out) == [Action(Intent.CALL_BACK, "1234")]


# -- the requests each action makes -----------------------------------------------------------

KEYPAD = KeypadSettings(pause_reason="休息", transfer_to=TransferTarget("service", "estate"))


@pytest.mark.parametrize(
    ("intent", "path"),
    [
        (Intent.CALL_NEXT, "call-next"),
        (Intent.RECALL, "recall"),
        (Intent.START, "start"),
        (Intent.FINISH, "finish"),
        (Intent.NO_SHOW, "no-show"),
        (Intent.ASK_RATING, "ask-rating"),
    ],
)
def test_plain_actions_post_to_this_windows_endpoint(intent: Intent, path: str) -> None:
    assert request_for(Action(intent), "7", "serving", KEYPAD) == Request(
        "POST", f"/api/v1/windows/7/{path}", {}
    )


def test_pause_toggles_on_the_windows_state() -> None:
    assert request_for(Action(Intent.TOGGLE_PAUSE), "7", "idle", KEYPAD) == Request(
        "POST", "/api/v1/windows/7/pause", {"reason": "休息"}
    )
    assert request_for(Action(Intent.TOGGLE_PAUSE), "7", "paused", KEYPAD) == Request(
        "POST", "/api/v1/windows/7/resume", {}
    )


def test_transfer_to_the_default_or_the_window_typed() -> None:
    assert request_for(Action(Intent.TRANSFER), "7", "serving", KEYPAD).body == {
        "service": "estate"
    }
    assert request_for(Action(Intent.TRANSFER, "3"), "7", "serving", KEYPAD).body == {"window": "3"}
    with pytest.raises(NotPossible, match="no default"):
        request_for(Action(Intent.TRANSFER), "7", "serving", KeypadSettings())
    with pytest.raises(NotPossible, match="already at window 7"):
        request_for(Action(Intent.TRANSFER, "7"), "7", "serving", KEYPAD)


def test_call_back_counts_the_missed_tickets_from_the_most_recent() -> None:
    detail = {"missed": [{"id": "t-old"}, {"id": "t-mid"}, {"id": "t-new"}]}
    assert request_for(Action(Intent.CALL_BACK, "3"), "7", "idle", KEYPAD) == Request(
        "GET", "/api/v1/windows/7"
    )
    assert call_back_request(detail, "7", "1").body == {"ticket": "t-new"}
    assert call_back_request(detail, "7", "3") == Request(
        "POST", "/api/v1/windows/7/call-back", {"ticket": "t-old"}
    )
    with pytest.raises(NotPossible, match="no missed ticket number 4"):
        call_back_request(detail, "7", "4")
