"""Key events to text: the US keymap, shift handling, Enter, and typing text back into keys."""

from __future__ import annotations

import string

import pytest
from evdev import ecodes
from hypothesis import given
from hypothesis import strategies as st

from drivers.input.base import KeyEvent, KeyState
from drivers.input.keymap import LineAssembler, char_for, keystrokes

DOWN, UP, REPEAT = KeyState.DOWN, KeyState.UP, KeyState.REPEAT
US_PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "


def tap(code: int) -> list[KeyEvent]:
    return [KeyEvent(code, DOWN), KeyEvent(code, UP)]


def lines_of(events: list[KeyEvent]) -> list[str]:
    assembler = LineAssembler()
    return [line for event in events if (line := assembler.feed(event)) is not None]


@pytest.mark.parametrize(
    ("key", "plain", "shifted"),
    [
        ("KEY_A", "a", "A"),
        ("KEY_Z", "z", "Z"),
        ("KEY_1", "1", "!"),
        ("KEY_5", "5", "%"),
        ("KEY_0", "0", ")"),
        ("KEY_MINUS", "-", "_"),
        ("KEY_DOT", ".", ">"),
        ("KEY_SLASH", "/", "?"),
        ("KEY_SEMICOLON", ";", ":"),
        ("KEY_EQUAL", "=", "+"),
        ("KEY_7", "7", "&"),
        ("KEY_KP3", "3", "3"),
        ("KEY_KPMINUS", "-", "-"),
    ],
)
def test_char_for_follows_the_us_layout(key: str, plain: str, shifted: str) -> None:
    code = ecodes.ecodes[key]
    assert char_for(code, shifted=False) == plain
    assert char_for(code, shifted=True) == shifted


def test_keys_that_type_nothing_give_none() -> None:
    for key in ("KEY_LEFTSHIFT", "KEY_ENTER", "KEY_F1", "KEY_LEFTCTRL", "KEY_CAPSLOCK"):
        assert char_for(ecodes.ecodes[key], shifted=False) is None


def test_shift_plus_a_then_digits_and_enter_makes_one_code() -> None:
    events = [
        KeyEvent(ecodes.KEY_LEFTSHIFT, DOWN),
        *tap(ecodes.KEY_A),
        KeyEvent(ecodes.KEY_LEFTSHIFT, UP),
        *tap(ecodes.KEY_0),
        *tap(ecodes.KEY_0),
        *tap(ecodes.KEY_1),
        *tap(ecodes.KEY_MINUS),
        *tap(ecodes.KEY_X),
        *tap(ecodes.KEY_ENTER),
    ]
    assert lines_of(events) == ["A001-x"]


def test_either_shift_key_shifts_and_a_held_shift_stays_held_through_repeats() -> None:
    events = [
        KeyEvent(ecodes.KEY_RIGHTSHIFT, DOWN),
        KeyEvent(ecodes.KEY_RIGHTSHIFT, REPEAT),
        *tap(ecodes.KEY_B),
        KeyEvent(ecodes.KEY_RIGHTSHIFT, UP),
        *tap(ecodes.KEY_B),
        *tap(ecodes.KEY_KPENTER),
    ]
    assert lines_of(events) == ["Bb"]


def test_shift_is_released_only_when_both_shift_keys_are_up() -> None:
    events = [
        KeyEvent(ecodes.KEY_LEFTSHIFT, DOWN),
        KeyEvent(ecodes.KEY_RIGHTSHIFT, DOWN),
        KeyEvent(ecodes.KEY_LEFTSHIFT, UP),
        *tap(ecodes.KEY_C),
        KeyEvent(ecodes.KEY_RIGHTSHIFT, UP),
        *tap(ecodes.KEY_C),
        *tap(ecodes.KEY_ENTER),
    ]
    assert lines_of(events) == ["Cc"]


def test_auto_repeat_and_key_up_type_nothing() -> None:
    events = [
        KeyEvent(ecodes.KEY_7, DOWN),
        KeyEvent(ecodes.KEY_7, REPEAT),
        KeyEvent(ecodes.KEY_7, REPEAT),
        KeyEvent(ecodes.KEY_7, UP),
        *tap(ecodes.KEY_ENTER),
    ]
    assert lines_of(events) == ["7"]


def test_keypad_digits_are_digits() -> None:
    events = [*tap(ecodes.KEY_KP4), *tap(ecodes.KEY_KPDOT), *tap(ecodes.KEY_KP2)]
    assert lines_of([*events, *tap(ecodes.KEY_KPENTER)]) == ["4.2"]


def test_enter_with_nothing_typed_is_no_line_and_lines_do_not_run_together() -> None:
    events = [*tap(ecodes.KEY_ENTER), *keystrokes("one\n"), *tap(ecodes.KEY_ENTER)]
    assert lines_of([*events, *keystrokes("two\n")]) == ["one", "two"]


def test_unknown_keys_are_skipped_and_pending_shows_the_half_line() -> None:
    assembler = LineAssembler()
    for event in [*tap(ecodes.KEY_F5), *keystrokes("Q1"), *tap(ecodes.KEY_LEFTCTRL)]:
        assert assembler.feed(event) is None
    assert assembler.pending == "Q1"


def test_a_url_with_query_and_percent_escapes_survives() -> None:
    url = "https://hall.example.gov.cn/q?t=A001&s=x_y-z%2F1:2"
    assert lines_of(keystrokes(url + "\n")) == [url]


def test_keystrokes_press_shift_around_shifted_characters_only() -> None:
    shift = ecodes.KEY_LEFTSHIFT
    assert keystrokes("a") == tap(ecodes.KEY_A)
    assert keystrokes("A") == [KeyEvent(shift, DOWN), *tap(ecodes.KEY_A), KeyEvent(shift, UP)]
    assert keystrokes("\n") == tap(ecodes.KEY_ENTER)


def test_keystrokes_refuse_what_a_us_keyboard_cannot_type() -> None:
    with pytest.raises(ValueError, match="cannot be typed"):
        keystrokes("张")


@given(st.lists(st.text(alphabet=US_PRINTABLE, min_size=1).map(str.strip).filter(bool)))
def test_typing_lines_and_reading_them_back_round_trips(lines: list[str]) -> None:
    text = "".join(line + "\n" for line in lines)
    assert lines_of(keystrokes(text)) == lines
