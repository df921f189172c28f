"""Key events to text for keyboard-emulating devices (scanners, ID readers) on a US layout."""

from __future__ import annotations

import string

from evdev import ecodes

from drivers.input.base import KeyEvent, KeyState

# (key name without KEY_, character, character with shift) on a US keyboard.
_MAIN_KEYS = [
    *((letter.upper(), letter, letter.upper()) for letter in string.ascii_lowercase),
    *((digit, digit, shifted) for digit, shifted in zip("1234567890", "!@#$%^&*()", strict=True)),
    ("GRAVE", "`", "~"),
    ("MINUS", "-", "_"),
    ("EQUAL", "=", "+"),
    ("LEFTBRACE", "[", "{"),
    ("RIGHTBRACE", "]", "}"),
    ("BACKSLASH", "\\", "|"),
    ("SEMICOLON", ";", ":"),
    ("APOSTROPHE", "'", '"'),
    ("COMMA", ",", "<"),
    ("DOT", ".", ">"),
    ("SLASH", "/", "?"),
    ("SPACE", " ", " "),
]
# Keypad keys, which some scanners send for digits; num lock is assumed on, shift ignored.
_KEYPAD_KEYS = [
    *((f"KP{digit}", digit) for digit in string.digits),
    ("KPMINUS", "-"),
    ("KPPLUS", "+"),
    ("KPDOT", "."),
    ("KPSLASH", "/"),
    ("KPASTERISK", "*"),
    ("KPEQUAL", "="),
    ("KPCOMMA", ","),
]

PLAIN: dict[int, str] = {ecodes.ecodes[f"KEY_{key}"]: char for key, char, _ in _MAIN_KEYS}
PLAIN.update((ecodes.ecodes[f"KEY_{key}"], char) for key, char in _KEYPAD_KEYS)
SHIFTED: dict[int, str] = {ecodes.ecodes[f"KEY_{key}"]: shifted for key, _, shifted in _MAIN_KEYS}
SHIFTED.update((ecodes.ecodes[f"KEY_{key}"], char) for key, char in _KEYPAD_KEYS)
SHIFT_KEYS = frozenset({ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT})
ENTER_KEYS = frozenset({ecodes.KEY_ENTER, ecodes.KEY_KPENTER})


def char_for(code: int, shifted: bool) -> str | None:
    """The character key `code` types, or None for a key that types none."""
    return (SHIFTED if shifted else PLAIN).get(code)


class LineAssembler:
    """Collects typed characters and hands back the line when Enter is pressed."""

    def __init__(self) -> None:
        self._chars: list[str] = []
        self._shifts: set[int] = set()

    @property
    def pending(self) -> str:
        """What has been typed since the last Enter."""
        return "".join(self._chars)

    def feed(self, event: KeyEvent) -> str | None:
        """Take one key event; return the finished line at a non-empty Enter, else None."""
        if event.code in SHIFT_KEYS:
            if event.state is KeyState.UP:
                self._shifts.discard(event.code)
            else:
                self._shifts.add(event.code)
            return None
        # Characters go down once; an auto-repeat is a key held too long, not a second one.
        if event.state is not KeyState.DOWN:
            return None
        if event.code in ENTER_KEYS:
            line = self.pending
            self._chars.clear()
            return line or None
        char = char_for(event.code, bool(self._shifts))
        if char is not None:
            self._chars.append(char)
        return None


# Text back to key events, for fakes that type: main keys only, so each character has one way.
_TYPE_PLAIN = {char: ecodes.ecodes[f"KEY_{key}"] for key, char, _ in _MAIN_KEYS}
_TYPE_SHIFTED = {
    shifted: ecodes.ecodes[f"KEY_{key}"] for key, char, shifted in _MAIN_KEYS if shifted != char
}


def keystrokes(text: str) -> list[KeyEvent]:
    """The key events a US keyboard sends to type `text`; a newline is Enter."""
    events: list[KeyEvent] = []
    for char in text:
        if char == "\n":
            events += _tap(ecodes.KEY_ENTER)
        elif char in _TYPE_PLAIN:
            events += _tap(_TYPE_PLAIN[char])
        elif char in _TYPE_SHIFTED:
            shift = ecodes.KEY_LEFTSHIFT
            events += [KeyEvent(shift, KeyState.DOWN), *_tap(_TYPE_SHIFTED[char])]
            events.append(KeyEvent(shift, KeyState.UP))
        else:
            raise ValueError(f"{char!r} cannot be typed on a US keyboard")
    return events


def _tap(code: int) -> list[KeyEvent]:
    return [KeyEvent(code, KeyState.DOWN), KeyEvent(code, KeyState.UP)]
