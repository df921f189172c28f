"""The hall config's [voice] section: templates, gap, speaker groups, every mistake at its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_config import CONFIG_DIR, minimal_hall, only_problem, parse, problems_of, to_toml

from queue_server.config import check_config_main, load_hall
from queue_server.domain.hall import SpeakerGroup

Doc = dict[str, Any]


def with_voice(voice: Doc) -> Doc:
    """The minimal hall (floors 1F and 2F; windows 1 and M03 on 1F, 2 on 2F) with `voice`."""
    doc = minimal_hall()
    doc["windows"].append(
        {"id": "2", "label": "2号窗口", "floor": "2F", "kind": "general", "services": ["tax"]}
    )
    doc["voice"] = voice
    return doc


def test_jiangbei_has_one_speaker_group_per_floor() -> None:
    hall = load_hall(CONFIG_DIR / "hall.example.toml")
    groups = hall.speaker_groups()
    assert [(g.id, g.floors) for g in groups] == [
        ("floor-1", ("1F",)),
        ("floor-2", ("2F",)),
        ("floor-3", ("3F",)),
    ]
    for group in groups:
        assert list(group.windows) == [w.id for w in hall.windows if w.floor == group.floors[0]]
    assert hall.voice.templates["call"] == "请{number}号到{window}号窗口办理"


def test_the_township_example_speaks_its_own_text() -> None:
    hall = load_hall(CONFIG_DIR / "township.example.toml")
    assert hall.voice.templates == {"call": "请{number}号到{window}号窗口"}
    assert hall.voice.gap_ms == 120
    assert [(g.id, g.windows) for g in hall.speaker_groups()] == [("hall", ("1", "2", "3", "4"))]


def test_without_a_voice_section_each_floor_is_a_group() -> None:
    hall = parse(with_voice({}))
    assert hall.voice.templates == {} and hall.voice.gap_ms == 60
    assert hall.speaker_groups() == (
        SpeakerGroup("1F", "一楼", windows=("1", "M03"), floors=("1F",)),
        SpeakerGroup("2F", "二楼", windows=("2",), floors=("2F",)),
    )


def test_a_full_voice_section_is_read() -> None:
    hall = parse(
        with_voice(
            {
                "gap_ms": 90,
                "phrases": ["柜台"],
                "templates": {"call": "请{number}号到{window}号柜台", "welcome": "欢迎您。"},
                "speakers": [
                    {"id": "desk", "name": "咨询台", "windows": ["M03"]},
                    {
                        "id": "hall",
                        "name": "大厅",
                        "floors": ["2F"],
                        "windows": ["1"],
                        "gap_ms": 30,
                        "templates": {"recall": "重复呼叫，{number}号请到{window}号柜台"},
                    },
                ],
            }
        )
    )
    assert hall.voice.phrases == ("柜台",)
    assert hall.voice.templates == {"call": "请{number}号到{window}号柜台", "welcome": "欢迎您。"}
    desk, main = hall.speaker_groups()
    assert (desk.id, desk.windows, desk.floors, desk.gap_ms) == ("desk", ("M03",), (), None)
    assert (main.windows, main.floors, main.gap_ms) == (("2", "1"), ("2F",), 30)
    assert main.templates == {"recall": "重复呼叫，{number}号请到{window}号柜台"}


MISTAKES: list[tuple[Doc, str]] = [
    (
        {"templates": {"call": "请{ticket}号到{window}号窗口"}},
        "voice.templates.call: unknown placeholder {ticket} in template "
        "'请{ticket}号到{window}号窗口'; known: {number}, {window}",
    ),
    (
        {"templates": {"call": "请{number}号到{window}号柜台"}},
        "voice.templates.call: no voice segment for '柜' at position 20 in template "
        "'请{number}号到{window}号柜台'; add it as a phrase to the voice pack or change the text",
    ),
    ({"templates": {"pause": "{window}号窗口暂停服务}"}}, "voice.templates.pause: stray '}'"),
    ({"templates": {"recal": "重复呼叫"}}, "voice.templates.recal: unknown key; did you mean"),
    ({"gap_ms": 5000}, "voice.gap_ms: must be from 0 to 1000, not 5000"),
    ({"speed": 1.2}, "voice.speed: unknown key; did you mean 'speakers'?"),
    (
        {"speakers": [{"id": "a", "name": "一楼", "floors": ["1f"]}]},
        "voice.speakers[0].floors[0]: there is no floor '1f'; did you mean '1F'?",
    ),
    (
        {"speakers": [{"id": "a", "name": "咨询台", "windows": ["M3"]}]},
        "voice.speakers[0].windows[0]: there is no window 'M3'; did you mean 'M03'?",
    ),
    (
        {
            "speakers": [
                {"id": "a", "name": "一楼", "floors": ["1F"]},
                {"id": "b", "name": "咨询台", "windows": ["M03"]},
            ]
        },
        "voice.speakers[1].windows[0]: window 'M03' is already spoken by speaker group 'a' "
        "(voice.speakers[0]); a window's calls are spoken by one group only",
    ),
    (
        {
            "speakers": [
                {"id": "a", "name": "咨询台", "windows": ["1"]},
                {"id": "b", "name": "一楼", "floors": ["1F"]},
            ]
        },
        "voice.speakers[1].floors[0]: window '1' is already spoken by speaker group 'a'",
    ),
    (
        {"speakers": [{"id": "a", "name": "一楼", "floors": ["1F"], "windows": ["1"]}]},
        "voice.speakers[0].windows[0]: '1' is already in this group",
    ),
    (
        {
            "speakers": [
                {"id": "a", "name": "一楼", "floors": ["1F"]},
                {"id": "a", "name": "二楼", "floors": ["2F"]},
            ]
        },
        "voice.speakers[1].id: 'a' is already the id of voice.speakers[0]",
    ),
    (
        {"speakers": [{"id": "a", "name": "空"}]},
        "voice.speakers[0]: lists no floors and no windows, so it would never speak",
    ),
    (
        {"speakers": [{"id": "一楼", "name": "一楼", "floors": ["1F"]}]},
        "voice.speakers[0].id: '一楼' may hold only letters, digits, '-' and '_'",
    ),
    (
        {"speakers": [{"id": "a", "floors": ["1F"]}]},
        "voice.speakers[0].name: missing required key",
    ),
    (
        {
            "speakers": [
                {"id": "a", "name": "一楼", "floors": ["1F"], "templates": {"welcome": "你好"}}
            ]
        },
        "voice.speakers[0].templates.welcome: no voice segment for '你'",
    ),
]


@pytest.mark.parametrize(("voice", "message"), MISTAKES)
def test_a_voice_mistake_is_reported_at_its_key(voice: Doc, message: str) -> None:
    assert only_problem(with_voice(voice)).startswith(message)


def test_a_phrase_the_hall_records_makes_its_template_speakable() -> None:
    doc = with_voice({"phrases": ["柜台"], "templates": {"call": "请{number}号到{window}号柜台"}})
    assert parse(doc).voice.templates["call"] == "请{number}号到{window}号柜台"


def test_every_voice_mistake_is_reported_at_once() -> None:
    problems = problems_of(
        with_voice(
            {
                "templates": {"call": "{ticket}", "recall": "你"},
                "speakers": [{"id": "a", "name": "x", "floors": ["9F"], "windows": ["99"]}],
            }
        )
    )
    keys = [p.split(":")[0] for p in problems]
    assert keys == [
        "voice.templates.call",
        "voice.templates.recall",
        "voice.speakers[0].floors[0]",
        "voice.speakers[0].windows[0]",
    ]


def test_check_config_reports_voice_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hall.toml"
    path.write_text(to_toml(with_voice({"speakers": [{"id": "a", "name": "x"}]})), "utf-8")
    assert check_config_main(str(path)) == 1
    assert "voice.speakers[0]: lists no floors and no windows" in capsys.readouterr().err
