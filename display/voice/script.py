"""The words of an announcement: per-hall templates turned into voice-pack segment names."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from display.voice.errors import ScriptError, TemplateError

DIGITS = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九")
TEN = "十"
LETTERS = tuple(string.ascii_uppercase)
# Phrases the default pack records; a hall's pack may add more for its own templates.
DEFAULT_PHRASES = ("请", "号", "到", "窗口", "办理", "暂停服务", "欢迎您", "重复呼叫")
PLACEHOLDERS = ("number", "window")
# Punctuation and spaces make templates readable; they are not spoken.
_SILENT = set(" \t\u3000,.;:!?，。、；：！？")
_ASCII_DIGITS = re.compile(r"[0-9]+")


class CallKind(StrEnum):
    """What an announcement says: a call, a repeated call, a paused window or a welcome."""

    CALL = "call"
    RECALL = "recall"
    PAUSE = "pause"
    WELCOME = "welcome"


DEFAULT_TEMPLATES: Mapping[CallKind, str] = {
    CallKind.CALL: "请{number}号到{window}号窗口办理",
    CallKind.RECALL: "重复呼叫，请{number}号到{window}号窗口办理",
    CallKind.PAUSE: "{window}号窗口暂停服务",
    CallKind.WELCOME: "欢迎您",
}


@dataclass(frozen=True)
class Call:
    """One thing to announce: the kind, the ticket number ("A012") and the window ("3", "M03")."""

    kind: CallKind = CallKind.CALL
    number: str = ""
    window: str = ""


@dataclass(frozen=True)
class _Placeholder:
    name: str


_Token = str | _Placeholder


def read_ticket(number: str) -> tuple[str, ...]:
    """A ticket number read character by character: "A012" -> A 零 一 二."""
    text = number.strip().upper()
    if not text:
        raise ScriptError("the call has no ticket number to read")
    spoken: list[str] = []
    for char in text:
        if char in LETTERS:
            spoken.append(char)
        elif "0" <= char <= "9":
            spoken.append(DIGITS[int(char)])
        else:
            raise ScriptError(f"cannot read {char!r} in {number!r}: only A-Z and 0-9 are spoken")
    return tuple(spoken)


def read_cardinal(value: int) -> tuple[str, ...]:
    """0-99 as a Chinese cardinal (10 -> 十, 21 -> 二十一); 100 and above digit by digit."""
    if value < 0:
        raise ScriptError(f"cannot read a negative number {value}")
    if value < 10:
        return (DIGITS[value],)
    if value >= 100:
        # Halls with 100+ windows number them like rooms: 一零五, not 一百零五.
        return tuple(DIGITS[int(d)] for d in str(value))
    tens, units = divmod(value, 10)
    spoken = [TEN] if tens == 1 else [DIGITS[tens], TEN]
    if units:
        spoken.append(DIGITS[units])
    return tuple(spoken)


def read_window(window: str) -> tuple[str, ...]:
    """A window id: a pure number as a cardinal ("03" -> 三), anything else like a ticket."""
    text = window.strip()
    if _ASCII_DIGITS.fullmatch(text):
        return read_cardinal(int(text))
    if not text:
        raise ScriptError("the call has no window to read")
    return read_ticket(text)


@dataclass(frozen=True)
class Template:
    """One parsed template: spoken phrases and placeholders, in order."""

    text: str
    tokens: tuple[_Token, ...]

    @classmethod
    def parse(cls, text: str, phrases: Iterable[str] = DEFAULT_PHRASES) -> Template:
        """Parse `text`, splitting its words into the longest phrases known.

        The default phrases are always known, so a pack lacking one still parses; the pack
        reports the gap (VoicePack.missing) instead.
        """
        vocabulary = {*phrases, *DEFAULT_PHRASES, *DIGITS, TEN, *LETTERS}
        longest = max(len(p) for p in vocabulary)
        tokens: list[_Token] = []
        i = 0
        while i < len(text):
            char = text[i]
            if char == "{":
                end = text.find("}", i)
                if end < 0:
                    raise TemplateError(f"unclosed '{{' at position {i} in template {text!r}")
                name = text[i + 1 : end]
                if name not in PLACEHOLDERS:
                    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                    raise TemplateError(
                        f"unknown placeholder {{{name}}} in template {text!r}; known: {known}"
                    )
                tokens.append(_Placeholder(name))
                i = end + 1
            elif char == "}":
                raise TemplateError(f"stray '}}' at position {i} in template {text!r}")
            elif char in _SILENT:
                i += 1
            else:
                for size in range(min(longest, len(text) - i), 0, -1):
                    if text[i : i + size] in vocabulary:
                        tokens.append(text[i : i + size])
                        i += size
                        break
                else:
                    raise TemplateError(
                        f"no voice segment for {char!r} at position {i} in template {text!r}; "
                        "add it as a phrase to the voice pack or change the template"
                    )
        return cls(text, tuple(tokens))

    def segments(self, call: Call) -> tuple[str, ...]:
        """The segment names to play for `call`."""
        spoken: list[str] = []
        for token in self.tokens:
            if isinstance(token, str):
                spoken.append(token)
            elif token.name == "number":
                spoken.extend(read_ticket(call.number))
            else:
                spoken.extend(read_window(call.window))
        return tuple(spoken)


class Templates:
    """A hall's templates, one per call kind, parsed once; kinds not given use the defaults."""

    def __init__(
        self,
        templates: Mapping[str, str] | None = None,
        *,
        phrases: Iterable[str] = DEFAULT_PHRASES,
    ) -> None:
        given = dict(templates or {})
        unknown = sorted(set(given) - {k.value for k in CallKind})
        if unknown:
            known = ", ".join(k.value for k in CallKind)
            raise TemplateError(f"unknown announcement kind(s) {unknown}; known: {known}")
        phrases = tuple(phrases)
        self.by_kind = {
            kind: Template.parse(given.get(kind.value, DEFAULT_TEMPLATES[kind]), phrases)
            for kind in CallKind
        }

    def script(self, call: Call) -> tuple[str, ...]:
        """The segment names to play for `call`."""
        return self.by_kind[call.kind].segments(call)
