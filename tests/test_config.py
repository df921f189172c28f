"""The hall configuration loader: the example halls, every validation rule, check-config."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from queue_server.config import (
    ConfigError,
    builtin_hall_path,
    check_config_main,
    load_builtin_hall,
    load_hall,
    parse_hall,
)
from queue_server.domain.hall import (
    HallConfig,
    MissedPolicy,
    ServiceKind,
    Session,
    WindowKind,
)

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"

Doc = dict[str, Any]


def minimal_hall() -> Doc:
    """A small valid hall as the parsed TOML document; each call gives a fresh copy."""
    return {
        "hall": {"name": "测试政务服务中心"},
        "hours": {
            "sessions": [{"start": "08:30", "end": "12:00"}, {"start": "14:00", "end": "17:30"}],
            "clearing_times": ["18:00", "12:30"],
        },
        "floors": [{"id": "1F", "label": "一楼"}, {"id": "2F", "label": "二楼"}],
        "fields": [{"id": "general", "name": "综合"}, {"id": "pickup", "name": "出件"}],
        "services": [
            {
                "id": "tax",
                "name": "税务",
                "prefix": "A",
                "field": "general",
                "floor": "1F",
                "mean_service_minutes": 10,
                "route": ["pickup"],
            },
            {
                "id": "pickup",
                "name": "出件",
                "prefix": "P",
                "field": "pickup",
                "floor": "1F",
                "kind": "pickup",
                "mean_service_minutes": 2.5,
            },
        ],
        "windows": [
            {"id": "1", "label": "1号窗口", "floor": "1F", "kind": "general", "services": ["tax"]},
            {
                "id": "M03",
                "label": "出件窗口",
                "floor": "1F",
                "kind": "domain",
                "services": ["pickup"],
                "overflow": ["tax"],
            },
        ],
    }


def _toml_value(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # JSON scalars are valid TOML scalars


def to_toml(doc: Doc) -> str:
    return "".join(f"{key} = {_toml_value(value)}\n" for key, value in doc.items())


def parse(doc: Doc, *, open_all_hours: bool = False) -> HallConfig:
    return parse_hall(to_toml(doc), open_all_hours=open_all_hours)


def problems_of(doc: Doc) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(doc)
    return info.value.problems


def only_problem(doc: Doc) -> str:
    """The one problem of a document with one mistake: a mistake must not cascade."""
    problems = problems_of(doc)
    assert len(problems) == 1, problems
    return problems[0]


def set_at(doc: Doc, where: tuple[str | int, ...], value: object) -> str:
    """Set one value deep in a document (creating [policy] if needed); return its key path."""
    doc.setdefault("policy", {})
    target: Any = doc
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in where).lstrip(".")


def domain_field(hall: HallConfig, window_id: str) -> str:
    window = hall.window(window_id)
    assert window is not None
    fields = {service.field for s in window.services if (service := hall.service(s))}
    assert len(fields) == 1, f"domain window {window_id} serves fields {fields}"
    return fields.pop()


# --- the example halls -------------------------------------------------------------------


def test_jiangbei_example_loads() -> None:
    hall = load_hall(CONFIG_DIR / "hall.example.toml")
    assert hall.name == "重庆市江北区政务服务中心"
    assert [f.id for f in hall.floors] == ["1F", "2F", "3F"]
    assert hall.hours.sessions == (
        Session(dt.time(8, 30), dt.time(12, 0)),
        Session(dt.time(14, 0), dt.time(17, 30)),
    )
    assert not hall.hours.open_all_hours
    assert hall.policy.recall_cap == 5
    assert hall.policy.missed is MissedPolicy.VOID


def test_jiangbei_window_counts_follow_the_reform_layout() -> None:
    hall = load_hall(CONFIG_DIR / "hall.example.toml")
    kinds = Counter(
        (w.floor, "general" if w.kind is WindowKind.GENERAL else domain_field(hall, w.id))
        for w in hall.windows
    )
    assert kinds == {
        ("1F", "general"): 4,
        ("1F", "pickup"): 1,
        ("1F", "consult"): 1,
        ("2F", "general"): 4,
        ("2F", "market"): 11,
        ("2F", "transport"): 2,
        ("3F", "general"): 4,
        ("3F", "construction"): 5,
    }


def test_jiangbei_covers_the_county_mix() -> None:
    hall = load_hall(CONFIG_DIR / "hall.example.toml")
    names = "".join(s.name for s in hall.services)
    for matter in ["社会保险", "医疗保障", "户籍", "出入境", "不动产", "税务", "公积金"]:
        assert matter in names
    assert {s.field for s in hall.services} == {f.id for f in hall.fields}
    kinds = {s.kind for s in hall.services}
    assert kinds == {ServiceKind.APPLY, ServiceKind.PICKUP, ServiceKind.CONSULT}


def test_jiangbei_has_a_multi_step_case_and_no_quotas() -> None:
    hall = load_hall(CONFIG_DIR / "hall.example.toml")
    registration = hall.service("company-registration")
    assert registration is not None
    assert registration.route == ("tax", "pickup")
    assert all(s.daily_quota is None and s.session_quota is None for s in hall.services)


def test_township_example_loads() -> None:
    hall = load_hall(CONFIG_DIR / "township.example.toml")
    assert len(hall.floors) == 1
    assert Counter(w.kind for w in hall.windows) == {WindowKind.GENERAL: 3, WindowKind.DOMAIN: 1}
    assert any(s.daily_quota for s in hall.services)
    assert hall.policy.missed is MissedPolicy.AFTER_N


def test_builtin_hall_is_the_jiangbei_example_open_all_hours() -> None:
    assert builtin_hall_path() == CONFIG_DIR / "hall.example.toml"
    hall = load_builtin_hall()
    assert hall.name == "重庆市江北区政务服务中心"
    assert hall.hours.open_all_hours
    assert hall.policy.bad_rating_requires_tag


# --- what a good file becomes -----------------------------------------------------------


def test_minimal_hall_parses_with_defaults() -> None:
    hall = parse(minimal_hall())
    assert hall.timezone == "Asia/Shanghai"
    assert hall.hours.clearing_times == (dt.time(12, 30), dt.time(18, 0))  # sorted
    assert hall.hours.issue_cutoff_minutes == 30
    tax, pickup = hall.services
    assert tax.kind is ServiceKind.APPLY
    assert tax.mean_service_minutes == 10.0
    assert isinstance(tax.mean_service_minutes, float)
    assert tax.route == ("pickup",)
    assert pickup.kind is ServiceKind.PICKUP
    window = hall.window("M03")
    assert window is not None
    assert window.kind is WindowKind.DOMAIN
    assert window.overflow == ("tax",)
    assert hall.policy == type(hall.policy)()


def test_every_policy_key_is_read() -> None:
    doc = minimal_hall()
    doc["policy"] = {
        "recall_cap": 0,
        "missed": "after_n",
        "missed_after_places": 5,
        "missed_requeue_limit": 2,
        "callback_window_memory": 0,
        "green_channel_age": 65,
        "one_waiting_ticket_per_id": False,
        "bad_rating_requires_tag": False,
    }
    policy = parse(doc).policy
    assert policy.missed is MissedPolicy.AFTER_N
    assert (policy.recall_cap, policy.missed_after_places, policy.missed_requeue_limit) == (0, 5, 2)
    assert (policy.callback_window_memory, policy.green_channel_age) == (0, 65)
    assert not policy.one_waiting_ticket_per_id
    assert not policy.bad_rating_requires_tag


def test_open_all_hours_override() -> None:
    assert not parse(minimal_hall()).hours.open_all_hours
    assert parse(minimal_hall(), open_all_hours=True).hours.open_all_hours


def test_sessions_are_optional_when_open_all_hours() -> None:
    doc = minimal_hall()
    del doc["hours"]
    assert parse(doc, open_all_hours=True).hours.sessions == ()
    doc["hours"] = {"open_all_hours": True}
    assert parse(doc).hours.open_all_hours
    del doc["hours"]
    assert only_problem(doc) == "hours.sessions: missing required key"


def test_second_language_and_alt_names() -> None:
    doc = minimal_hall()
    doc["hall"] |= {"name_alt": "ᠬᠣᠲᠠ", "second_language": "mn-Mong"}
    doc["floors"][0]["label_alt"] = "ᠨᠢᠭᠡ"
    doc["services"][0]["name_alt"] = "ᠲᠠᠲᠠᠪᠤᠷᠢ"
    doc["windows"][0]["label_alt"] = "ᠴᠣᠩᠬᠣ"
    hall = parse(doc)
    assert (hall.second_language, hall.name_alt) == ("mn-Mong", "ᠬᠣᠲᠠ")
    assert hall.floors[0].label_alt == "ᠨᠢᠭᠡ"
    assert (hall.windows[0].label_alt, hall.windows[1].label_alt) == ("ᠴᠣᠩᠬᠣ", None)
    del doc["windows"][0]["label_alt"]
    del doc["hall"]["second_language"]
    assert problems_of(doc) == [
        "hall.name_alt: needs hall.second_language to say which language it is in",
        "floors[0].label_alt: needs hall.second_language to say which language it is in",
        "services[0].name_alt: needs hall.second_language to say which language it is in",
    ]


# --- every problem at once ---------------------------------------------------------------


def test_many_mistakes_are_all_reported_with_their_keys() -> None:
    doc = minimal_hall()
    doc["hall"]["timezone"] = "Asia/Chongqin"
    doc["hours"]["sessions"][1]["start"] = "2pm"
    doc["hours"]["clearing_times"].append("10:00")
    doc["policy"] = {"recall_cap": 21, "missed": "skip"}
    doc["floors"][1]["id"] = "1F"
    doc["fields"][0]["nmae"] = doc["fields"][0].pop("name")
    doc["services"][0]["prefix"] = "AA"
    doc["services"][0]["daily_quota"] = True
    doc["services"][1]["floor"] = "4F"
    doc["windows"][0]["services"] = ["tax", "txa"]
    doc["windows"][1]["kind"] = "special"
    doc["windows"][1]["overflow"] = ["pickup"]
    doc["colour"] = "red"
    problems = problems_of(doc)
    expected = [
        "hall.timezone: 'Asia/Chongqin' is not a time zone known here; "
        "did you mean 'Asia/Chongqing'?",
        'hours.sessions[1].start: \'2pm\' is not a time "HH:MM" from "00:00" to "23:59"',
        "hours.clearing_times[2]: 10:00 falls inside the session 08:30-12:00",
        "policy.recall_cap: must be from 0 to 20, not 21",
        "policy.missed: 'skip' is not one of void, back, after_n",
        "fields[0].name: missing required key",
        "fields[0].nmae: unknown key; did you mean 'name'?",
        "services[0].prefix: 'AA' must be one capital letter A-Z",
        "services[0].daily_quota: must be an integer, not a boolean (True)",
        "windows[1].kind: 'special' is not one of general, domain",
        "colour: unknown key; known keys: "
        "hall, hours, policy, floors, fields, services, windows, voice, ratings, alerts, limits",
        "floors[1].id: '1F' is already the id of floors[0]",
        "services[1].floor: there is no floor '4F'",
        "windows[0].services[1]: there is no service 'txa'; did you mean 'tax'?",
        "windows[1].overflow[0]: 'pickup' is already one of this window's services",
    ]
    assert problems == expected
    assert str(ConfigError(problems)) == "\n".join(expected)


def test_toml_syntax_error_names_the_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_hall('[hall]\nname = "x"\n\ntimezone = \n', source="hall.toml")
    (problem,) = info.value.problems
    assert problem.startswith("hall.toml: not valid TOML: ")
    assert "line 4" in problem


# --- unknown keys -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "typo", "path"),
    [
        ((), "flors", "flors: unknown key; did you mean 'floors'?"),
        (("hall",), "timezon", "hall.timezon: unknown key; did you mean 'timezone'?"),
        (("hours",), "clearing_time", "hours.clearing_time: unknown key; did you mean"),
        (
            ("hours", "sessions", 0),
            "ned",
            "hours.sessions[0].ned: unknown key; did you mean 'end'?",
        ),
        (("floors", 1), "lable", "floors[1].lable: unknown key; did you mean 'label'?"),
        (("policy",), "recal_cap", "policy.recal_cap: unknown key; did you mean 'recall_cap'?"),
        (("fields", 0), "name_al", "fields[0].name_al: unknown key; did you mean 'name_alt'?"),
        (("services", 1), "routes", "services[1].routes: unknown key; did you mean 'route'?"),
        (("windows", 1), "overflows", "windows[1].overflows: unknown key; did you mean"),
    ],
)
def test_unknown_key_suggests_the_close_one(
    table: tuple[str | int, ...], typo: str, path: str
) -> None:
    doc = minimal_hall()
    set_at(doc, (*table, typo), 1)
    assert only_problem(doc).startswith(path)


# --- required keys and types ------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("floors", "id"),
        ("floors", "label"),
        ("fields", "name"),
        ("services", "prefix"),
        ("services", "field"),
        ("services", "mean_service_minutes"),
        ("windows", "kind"),
        ("windows", "services"),
    ],
)
def test_missing_required_key(section: str, key: str) -> None:
    doc = minimal_hall()
    del doc[section][0][key]
    problems = problems_of(doc)
    assert problems[0] == f"{section}[0].{key}: missing required key"


def test_missing_hall_name() -> None:
    doc = minimal_hall()
    del doc["hall"]
    assert only_problem(doc) == "hall.name: missing required key"


@pytest.mark.parametrize("section", ["floors", "fields", "services", "windows"])
def test_sections_must_not_be_empty(section: str) -> None:
    doc = minimal_hall()
    doc[section] = []
    assert f"{section}: must list at least one entry" in problems_of(doc)
    del doc[section]
    assert f"{section}: missing required key" in problems_of(doc)


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("services", 0, "daily_quota"), "100", "must be an integer, not a string ('100')"),
        (("services", 0, "session_quota"), 2.5, "must be an integer, not a number (2.5)"),
        (("services", 0, "mean_service_minutes"), False, "must be a number, not a boolean (False)"),
        (("services", 0, "mean_service_minutes"), "10", "must be a number, not a string ('10')"),
        (("services", 0, "name"), 7, "must be a string, not an integer (7)"),
        (("services", 0, "route"), "pickup", "must be an array, not a string ('pickup')"),
        (("windows", 0, "services"), "tax", "must be an array, not a string ('tax')"),
        (("windows", 0, "id"), 1, "must be a string, not an integer (1)"),
        (("hours", "issue_cutoff_minutes"), 1.5, "must be an integer, not a number (1.5)"),
        (("hours", "open_all_hours"), "yes", "must be a boolean, not a string ('yes')"),
        (("hours", "sessions", 0, "start"), [8, 30], "must be a string, not an array"),
        (("policy", "recall_cap"), True, "must be an integer, not a boolean (True)"),
        (("policy", "one_waiting_ticket_per_id"), 1, "must be a boolean, not an integer (1)"),
        (("hall",), "重庆", "must be a table, not a string ('重庆')"),
    ],
)
def test_wrong_types(where: tuple[str | int, ...], value: object, message: str) -> None:
    doc = minimal_hall()
    path = set_at(doc, where, value)
    assert f"{path}: {message}" in problems_of(doc)


def test_a_bad_array_entry_keeps_the_paths_of_the_others() -> None:
    doc = minimal_hall()
    doc["windows"][0]["services"] = [3, "tax", "nope"]
    assert problems_of(doc) == [
        "windows[0].services[0]: must be a string, not an integer (3)",
        "windows[0].services[2]: there is no service 'nope'",
    ]


def test_an_entry_that_is_not_a_table() -> None:
    doc = minimal_hall()
    doc["floors"].append("3F")
    assert only_problem(doc) == "floors[2]: must be a table, not a string ('3F')"


# --- ranges -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("services", 0, "daily_quota"), 0, "must be from 1 to 999, not 0"),
        (("services", 0, "daily_quota"), 1000, "must be from 1 to 999, not 1000"),
        (("services", 0, "session_quota"), -1, "must be from 1 to 999, not -1"),
        (("services", 0, "mean_service_minutes"), 0, "must be more than 0 and at most 240, not 0"),
        (
            ("services", 0, "mean_service_minutes"),
            -2.5,
            "must be more than 0 and at most 240, not -2.5",
        ),
        (("policy", "recall_cap"), 21, "must be from 0 to 20, not 21"),
        (("policy", "recall_cap"), -1, "must be from 0 to 20, not -1"),
        (("policy", "missed_after_places"), 0, "must be from 1 to 100, not 0"),
        (("policy", "green_channel_age"), 40, "must be from 50 to 100, not 40"),
        (("hours", "issue_opens_before_minutes"), -5, "must be from 0 to 240, not -5"),
        (
            ("services", 0, "prefix"),
            "I",
            "'I' is not used: on LED strips and tickets it reads as 1 or 0",
        ),
        (
            ("services", 0, "prefix"),
            "O",
            "'O' is not used: on LED strips and tickets it reads as 1 or 0",
        ),
        (
            ("hall", "staff_photos"),
            "no-such-photos",
            "there is no folder 'no-such-photos' (relative to the config file)",
        ),
    ],
)
def test_out_of_range(where: tuple[str | int, ...], value: object, message: str) -> None:
    doc = minimal_hall()
    path = set_at(doc, where, value)
    assert only_problem(doc) == f"{path}: {message}"


def test_a_session_quota_larger_than_the_daily_one_is_refused() -> None:
    doc = minimal_hall()
    doc["services"][0] |= {"daily_quota": 100, "session_quota": 150}
    assert only_problem(doc) == (
        "services[0].session_quota: 150 is more than the daily_quota 100: "
        "one session could never use it"
    )


def test_quota_and_minutes_at_their_limits_are_fine() -> None:
    doc = minimal_hall()
    doc["services"][0] |= {"daily_quota": 999, "session_quota": 1, "mean_service_minutes": 240}
    doc["policy"] = {"recall_cap": 20}
    hall = parse(doc)
    assert (hall.services[0].daily_quota, hall.services[0].session_quota) == (999, 1)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("missed", "vod", "'vod' is not one of void, back, after_n; did you mean 'void'?"),
        ("missed", "", "'' is not one of void, back, after_n"),
    ],
)
def test_enum_values(key: str, value: str, message: str) -> None:
    doc = minimal_hall()
    doc["policy"] = {key: value}
    assert only_problem(doc) == f"policy.{key}: {message}"


def test_service_kind_must_be_known() -> None:
    doc = minimal_hall()
    doc["services"][1]["kind"] = "pick-up"
    assert only_problem(doc) == (
        "services[1].kind: 'pick-up' is not one of apply, pickup, consult; did you mean 'pickup'?"
    )


# --- hours ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["8:30", "24:00", "08:60", "08:30:00", " 08:30", "0830"])
def test_times_are_hh_mm(text: str) -> None:
    doc = minimal_hall()
    doc["hours"]["sessions"][0]["start"] = text
    assert only_problem(doc) == (
        f'hours.sessions[0].start: {text!r} is not a time "HH:MM" from "00:00" to "23:59"'
    )


def test_session_must_end_after_it_starts() -> None:
    doc = minimal_hall()
    doc["hours"]["sessions"][0] = {"start": "12:00", "end": "12:00"}
    assert only_problem(doc) == "hours.sessions[0]: ends at 12:00, not after it starts at 12:00"


@pytest.mark.parametrize(
    "sessions",
    [
        [("08:30", "12:00"), ("11:30", "17:30")],  # overlapping
        [("14:00", "17:30"), ("08:30", "12:00")],  # out of order
    ],
)
def test_sessions_in_order_without_overlap(sessions: list[tuple[str, str]]) -> None:
    doc = minimal_hall()
    doc["hours"]["sessions"] = [{"start": s, "end": e} for s, e in sessions]
    doc["hours"]["clearing_times"] = ["18:00"]
    assert only_problem(doc).startswith("hours.sessions[1]: starts at ")


def test_sessions_may_touch() -> None:
    doc = minimal_hall()
    doc["hours"]["sessions"] = [
        {"start": "08:30", "end": "12:00"},
        {"start": "12:00", "end": "17:30"},
    ]
    doc["hours"]["clearing_times"] = ["12:00"]
    assert len(parse(doc).hours.sessions) == 2


def test_cutoff_must_leave_time_to_issue() -> None:
    doc = minimal_hall()
    doc["hours"]["sessions"][0] = {"start": "08:30", "end": "09:00"}
    doc["hours"]["issue_cutoff_minutes"] = 30
    assert only_problem(doc) == (
        "hours.issue_cutoff_minutes: 30 leaves no time to issue in hours.sessions[0] (08:30-09:00)"
    )


def test_clearing_times() -> None:
    doc = minimal_hall()
    doc["hours"]["clearing_times"] = ["12:00", "9:00", "15:00", "12:00"]
    assert problems_of(doc) == [
        'hours.clearing_times[1]: \'9:00\' is not a time "HH:MM" from "00:00" to "23:59"',
        "hours.clearing_times[2]: 15:00 falls inside the session 14:00-17:30",
        "hours.clearing_times[3]: 12:00 is listed twice",
    ]


# --- hall -------------------------------------------------------------------------------


def test_timezone_must_load() -> None:
    doc = minimal_hall()
    doc["hall"]["timezone"] = "Beijing"
    assert only_problem(doc).startswith("hall.timezone: 'Beijing' is not a time zone known here")
    doc["hall"]["timezone"] = "Asia/Urumqi"
    assert parse(doc).timezone == "Asia/Urumqi"


@pytest.mark.parametrize("tag", ["mn-Mong", "ug", "bo-CN", "za"])
def test_second_language_tags(tag: str) -> None:
    doc = minimal_hall()
    doc["hall"]["second_language"] = tag
    assert parse(doc).second_language == tag


@pytest.mark.parametrize("tag", ["Mongolian", "m", "mn_Mong", "蒙古文"])
def test_bad_second_language_tags(tag: str) -> None:
    doc = minimal_hall()
    doc["hall"]["second_language"] = tag
    assert only_problem(doc).startswith("hall.second_language: ")


def test_empty_text_is_refused() -> None:
    doc = minimal_hall()
    doc["hall"]["name"] = "  "
    doc["hall"]["name_alt"] = ""
    assert problems_of(doc) == [
        "hall.name: must not be empty",
        "hall.name_alt: must not be empty (leave the key out instead)",
    ]


# --- ids, prefixes and references -------------------------------------------------------


@pytest.mark.parametrize("section", ["floors", "fields", "services", "windows"])
def test_duplicate_ids(section: str) -> None:
    doc = minimal_hall()
    doc[section][1]["id"] = doc[section][0]["id"]
    problems = problems_of(doc)
    assert f"{section}[1].id: {doc[section][0]['id']!r} is already the id of {section}[0]" in (
        problems
    )


def test_a_repeated_window_id_is_one_problem_not_a_cascade() -> None:
    text = (CONFIG_DIR / "hall.example.toml").read_text(encoding="utf-8")
    repeated = text.replace('id = "2"\nlabel = "2号窗口"', 'id = "1"\nlabel = "2号窗口"', 1)
    assert repeated != text
    with pytest.raises(ConfigError) as info:
        parse_hall(repeated)
    # The voice group of floor 1 takes window 1 once; the alert naming window 2 is right.
    assert info.value.problems == [
        "alerts.staffed[1]: there is no window '2'",
        "windows[1].id: '1' is already the id of windows[0]",
    ]


@pytest.mark.parametrize("value", ["a b", "x/y", "窗口", "1?", "tax\n"])
def test_ids_fit_in_urls(value: str) -> None:
    doc = minimal_hall()
    doc["windows"][0]["id"] = value
    assert only_problem(doc) == (
        f"windows[0].id: {value!r} may hold only letters, digits, '-' and '_' (ids go in URLs)"
    )


def test_a_bad_id_does_not_break_references_to_it() -> None:
    doc = minimal_hall()
    doc["services"][0]["id"] = "tax office"
    doc["windows"][0]["services"] = ["tax office"]
    doc["windows"][1]["overflow"] = []
    assert only_problem(doc).startswith("services[0].id: 'tax office' may hold only")


@pytest.mark.parametrize("prefix", ["AA", "a", "1", "Ä", "Ａ"])
def test_prefix_is_one_ascii_capital(prefix: str) -> None:
    doc = minimal_hall()
    doc["services"][0]["prefix"] = prefix
    assert only_problem(doc) == f"services[0].prefix: {prefix!r} must be one capital letter A-Z"


def test_duplicate_prefix() -> None:
    doc = minimal_hall()
    doc["services"][1]["prefix"] = "A"
    assert only_problem(doc) == "services[1].prefix: 'A' is already the prefix of services[0]"


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("services", 0, "field"), "genral", "there is no field 'genral'; did you mean 'general'?"),
        (("services", 0, "floor"), "9F", "there is no floor '9F'"),
        (("windows", 1, "floor"), "1f", "there is no floor '1f'; did you mean '1F'?"),
    ],
)
def test_references_must_exist(where: tuple[str, int, str], value: str, message: str) -> None:
    doc = minimal_hall()
    section, index, key = where
    doc[section][index][key] = value
    assert only_problem(doc) == f"{section}[{index}].{key}: {message}"


def test_window_services_must_exist_once() -> None:
    doc = minimal_hall()
    doc["windows"][0]["services"] = ["tax", "tax", "pickups"]
    doc["windows"][1]["overflow"] = ["tax", "nope"]
    assert problems_of(doc) == [
        "windows[0].services[1]: 'tax' is listed twice",
        "windows[0].services[2]: there is no service 'pickups'; did you mean 'pickup'?",
        "windows[1].overflow[1]: there is no service 'nope'",
    ]


def test_a_service_is_not_both_primary_and_overflow() -> None:
    doc = minimal_hall()
    doc["windows"][0]["overflow"] = ["tax"]
    assert (
        only_problem(doc)
        == "windows[0].overflow[0]: 'tax' is already one of this window's services"
    )


def test_a_window_needs_a_primary_service() -> None:
    doc = minimal_hall()
    doc["windows"][1]["services"] = []
    doc["windows"][1]["overflow"] = ["pickup"]
    assert only_problem(doc) == "windows[1].services: must list at least one entry"


def test_every_service_needs_a_window() -> None:
    doc = minimal_hall()
    doc["windows"][1]["services"] = ["tax"]
    doc["windows"][1]["overflow"] = []
    doc["windows"][0]["services"] = ["tax"]
    assert only_problem(doc) == (
        "services[1]: no window serves 'pickup', so its tickets could never be called; "
        "list it in some window's services or overflow"
    )


def test_overflow_alone_serves_a_service() -> None:
    doc = minimal_hall()
    doc["windows"][1]["services"] = ["tax"]
    doc["windows"][1]["overflow"] = ["pickup"]
    doc["windows"][0]["services"] = ["tax"]
    assert parse(doc).windows[1].overflow == ("pickup",)


def test_route_rules() -> None:
    doc = minimal_hall()
    doc["services"][0]["route"] = ["tax", "pickup", "pickup", "cashier"]
    assert problems_of(doc) == [
        "services[0].route[0]: 'tax' is this service itself",
        "services[0].route[2]: 'pickup' is listed twice",
        "services[0].route[3]: there is no service 'cashier'",
    ]


# --- files and the command ----------------------------------------------------------------


def test_load_hall_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_hall(missing)
    assert info.value.problems == [f"{missing}: cannot read: No such file or directory"]


@pytest.mark.parametrize("path", ["", "  "])
def test_load_hall_of_an_empty_path_says_so(path: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_hall(path)
    assert info.value.problems == ["no hall config file named (the path is empty)"]


def test_load_hall_of_a_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_hall(tmp_path)
    assert info.value.problems == [f"{tmp_path}: is a folder, not a hall config file"]


def test_load_hall_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_bytes(b"\xef\xbb\xbf" + to_toml(minimal_hall()).encode())
    assert load_hall(str(path)).name == "测试政务服务中心"


def test_a_file_saved_as_gbk_names_its_line_and_says_to_save_it_as_utf_8(tmp_path: Path) -> None:
    """It said "not UTF-8 text (byte 66): invalid continuation byte": where byte 66 is, and
    what to do about it, was the reader's to find out."""
    path = tmp_path / "hall.toml"
    path.write_bytes('# hall\n\n[hall]\nname = "江北"\n'.encode("gbk"))
    with pytest.raises(ConfigError) as info:
        load_hall(path)
    (problem,) = info.value.problems
    assert problem.startswith(f"{path}: line 4 is not UTF-8 text: save the file as UTF-8")


def test_load_hall_names_the_file_in_syntax_errors(tmp_path: Path) -> None:
    path = tmp_path / "hall.toml"
    path.write_text("[hall\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_hall(path)
    assert info.value.problems[0].startswith(f"{path}: not valid TOML: ")


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        ("hall.example.toml", "OK: 重庆市江北区政务服务中心, 17 services, 32 windows\n"),
        ("township.example.toml", "OK: 青山镇便民服务中心, 6 services, 4 windows\n"),
    ],
)
def test_check_config_accepts_the_examples(
    name: str, summary: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_config_main(str(CONFIG_DIR / name)) == 0
    out, err = capsys.readouterr()
    assert (out, err) == (summary, "")


def test_check_config_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = minimal_hall()
    doc["services"][0]["prefix"] = "a"
    doc["windows"][0]["kind"] = "generall"
    path = tmp_path / "hall.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    assert check_config_main(str(path)) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "services[0].prefix: 'a' must be one capital letter A-Z",
        "windows[0].kind: 'generall' is not one of general, domain; did you mean 'general'?",
    ]
