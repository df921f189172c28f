"""The words of an announcement: per-hall templates turned into voice-pack segment names."""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from display.voice.errors import ScriptError, TemplateError

DIGITS = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九")
TEN = "十"
LETTERS = tuple(string.ascii_uppercase)
# Phrases the default pack records for calls; a hall's pack may add more for its templates.
DEFAULT_PHRASES = ("请", "号", "到", "窗口", "办理", "暂停服务", "欢迎您", "重复呼叫")
# Whole sentences the default pack records for the kiosk's elderly mode (适老化 voice guidance)
# and the window's rating pad, served by GET /voice/phrase.wav; a hall's pack may record them
# in a human voice too.
GUIDANCE_PHRASES = (
    "请选择要办理的业务",
    "请确认",
    "请取走您的号票",
    "取号成功",
    "暂停取号",
    "请扫描预约码",
    "请将身份证放在感应区",
    "请稍候",
    "请联系工作人员",
    "请您对我的服务进行评价",
    "谢谢您的评价",
)
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
    """A window id: a pure number as a cardinal ("03" -> 三), anything else like a ticket;
    the parts of an id with '-' or '_' (which the hall config allows) one after the other."""
    parts = [part for part in re.split(r"[-_]", window.strip()) if part]
    if not parts:
        raise ScriptError("the call has no window to read")
    return tuple(
        word
        for part in parts
        for word in (
            read_cardinal(int(part)) if _ASCII_DIGITS.fullmatch(part) else read_ticket(part)
        )
    )


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
        tokens: list[_Token] = []
        i = 0
        while i < len(text):
            start = text.find("{", i)
            stray = text.find("}", i, None if start < 0 else start)
            if stray >= 0:
                raise TemplateError(f"stray '}}' at position {stray} in template {text!r}")
            words_end = len(text) if start < 0 else start
            tokens.extend(_split(text, i, words_end, vocabulary, "template"))
            if start < 0:
                break
            end = text.find("}", start)
            if end < 0:
                raise TemplateError(f"unclosed '{{' at position {start} in template {text!r}")
            name = text[start + 1 : end]
            if name not in PLACEHOLDERS:
                known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                raise TemplateError(
                    f"unknown placeholder {{{name}}} in template {text!r}; known: {known}"
                )
            tokens.append(_Placeholder(name))
            i = end + 1
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


def _split(text: str, start: int, end: int, vocabulary: Collection[str], what: str) -> list[str]:
    """text[start:end] as the longest phrases of `vocabulary`, silent characters dropped."""
    longest = max(len(p) for p in vocabulary)
    found: list[str] = []
    i = start
    while i < end:
        if text[i] in _SILENT:
            i += 1
            continue
        for size in range(min(longest, end - i), 0, -1):
            if text[i : i + size] in vocabulary:
                found.append(text[i : i + size])
                i += size
                break
        else:
            raise TemplateError(
                f"no voice segment for {text[i]!r} at position {i} in {what} {text!r}; "
                "add it as a phrase to the voice pack or change the text"
            )
    return found


def read_phrase(text: str, vocabulary: Collection[str]) -> tuple[str, ...]:
    """Plain text (no placeholders) as segments of `vocabulary`; TemplateError naming the
    first character no segment covers, or when nothing in it is spoken."""
    if not vocabulary:
        raise TemplateError("there are no voice segments to speak with")
    spoken = tuple(_split(text, 0, len(text), vocabulary, "text"))
    if not spoken:
        raise TemplateError(f"nothing to speak in {text!r}")
    return spoken


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
