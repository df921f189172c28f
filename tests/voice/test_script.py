"""Announcement scripts: templates, ticket and window readings, and their errors."""

from __future__ import annotations

import pytest

from display.voice.errors import ScriptError, TemplateError
from display.voice.script import (
    Call,
    CallKind,
    Template,
    Templates,
    read_cardinal,
    read_ticket,
    read_window,
)


def test_default_call_reads_ticket_digit_by_digit_and_window_as_cardinal() -> None:
    script = Templates().script(Call(CallKind.CALL, "A012", "3"))
    assert script == ("请", "A", "零", "一", "二", "号", "到", "三", "号", "窗口", "办理")


@pytest.mark.parametrize(
    ("value", "spoken"),
    [
        (0, "零"),
        (3, "三"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "一零零"),
        (105, "一零五"),
    ],
)
def test_cardinals_read_as_halls_read_them(value: int, spoken: str) -> None:
    assert "".join(read_cardinal(value)) == spoken


def test_window_ids_numeric_and_lettered() -> None:
    assert read_window("12") == ("十", "二")
    assert read_window("03") == ("三",)
    assert read_window("M03") == ("M", "零", "三")
    assert read_window(" 7 ") == ("七",)
    # The hall config allows '-' and '_' in window ids: each part is read in turn.
    assert read_window("2F-12") == ("二", "F", "十", "二")
    assert read_window("east_3") == ("E", "A", "S", "T", "三")


def test_ticket_letters_are_upper_cased() -> None:
    assert read_ticket("b007") == ("B", "零", "零", "七")


@pytest.mark.parametrize("number", ["", "A-12", "A１2", "甲01"])
def test_unreadable_ticket_numbers_are_refused(number: str) -> None:
    with pytest.raises(ScriptError):
        read_ticket(number)


def test_window_missing_is_refused() -> None:
    with pytest.raises(ScriptError, match="no window"):
        Templates().script(Call(CallKind.CALL, "A001", ""))


def test_variants() -> None:
    templates = Templates()
    recall = templates.script(Call(CallKind.RECALL, "A1", "2"))
    assert recall[:2] == ("重复呼叫", "请")
    assert recall[2:] == templates.script(Call(CallKind.CALL, "A1", "2"))[1:]
    assert templates.script(Call(CallKind.PAUSE, window="12")) == (
        "十",
        "二",
        "号",
        "窗口",
        "暂停服务",
    )
    assert templates.script(Call(CallKind.WELCOME)) == ("欢迎您",)


def test_hall_template_uses_longest_known_phrase_and_ignores_punctuation() -> None:
    templates = Templates({"call": "请 {number} 号，到{window}号窗口"}, phrases=["号窗口"])
    assert templates.script(Call(CallKind.CALL, "C9", "4")) == (
        "请",
        "C",
        "九",
        "号",
        "到",
        "四",
        "号窗口",
    )


def test_unknown_placeholder_is_refused_with_the_known_ones() -> None:
    with pytest.raises(TemplateError, match=r"unknown placeholder \{counter\}.*\{number\}"):
        Template.parse("请{number}号到{counter}号窗口")


@pytest.mark.parametrize("text", ["请{number号", "请number}号"])
def test_unbalanced_braces_are_refused(text: str) -> None:
    with pytest.raises(TemplateError, match="position"):
        Template.parse(text)


def test_words_without_a_segment_are_refused_at_parse_time() -> None:
    with pytest.raises(TemplateError, match="'柜'"):
        Templates({"call": "请{number}号到{window}号柜台"})


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(TemplateError, match="unknown announcement kind"):
        Templates({"cal": "请{number}号"})
