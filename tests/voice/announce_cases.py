"""The shared speaking cases (announce_cases.json): their hall, their messages made current."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from helpers import SHANGHAI, two_floors

from display.voice.script import Call, CallKind
from queue_server.domain.hall import HallConfig, SpeakerGroup, VoiceSettings

_DOC: dict[str, Any] = json.loads(
    (Path(__file__).with_name("announce_cases.json")).read_text("utf-8")
)
CASES: list[dict[str, Any]] = _DOC["cases"]


def case_name(case: dict[str, Any]) -> str:
    return str(case["name"])


def case_hall() -> HallConfig:
    """The two-floor test hall with the cases' speaker groups, windows expanded as the
    config reader does (the floors' windows, then those listed)."""
    hall = two_floors()
    groups = []
    for group in _DOC["speakers"]:
        on_floors = [w.id for w in hall.windows if w.floor in group["floors"]]
        windows = tuple(dict.fromkeys([*on_floors, *group["windows"]]))
        groups.append(SpeakerGroup(group["id"], group["name"], windows, tuple(group["floors"])))
    return dataclasses.replace(hall, voice=VoiceSettings(speakers=tuple(groups)))


def current(message: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The message as the server would send it now: `at_ago_s` becomes `at` with its offset."""
    made = {k: v for k, v in message.items() if k != "at_ago_s"}
    if "at_ago_s" in message:
        moment = now.astimezone(SHANGHAI) - dt.timedelta(seconds=message["at_ago_s"])
        made["at"] = moment.isoformat()
    return made


def spoken(case: dict[str, Any]) -> list[Call]:
    return [Call(CallKind(kind), number, window) for kind, number, window in case["spoken"]]
