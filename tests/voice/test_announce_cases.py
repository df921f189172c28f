"""The display agent speaks exactly what the shared cases say (the boards pass them too)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import RunningHall
from test_announcer import make_pack, segments_heard
from voice.announce_cases import CASES, case_hall, case_name, current, spoken

from display.agent import DisplayAgent, UnknownSpeaker
from display.voice.announcer import Announcer
from display.voice.rules import Scope, Skip, SpokenCalls
from drivers.audio.fake import FakeAudio

StartHall = Callable[..., Awaitable[RunningHall]]


@pytest.mark.parametrize("case", CASES, ids=case_name)
async def test_the_agent_speaks_what_the_case_says(
    start_hall: StartHall, tmp_path: Path, case: dict[str, Any]
) -> None:
    hall = await start_hall(case_hall())
    pack = make_pack(tmp_path / "pack")
    audio = FakeAudio()
    agent = DisplayAgent(hall.url, Announcer(pack, audio), **case["scope"])
    await agent.load_voice()  # the speaker group's windows, from GET /voice/speakers
    now = dt.datetime.now(dt.UTC)
    async with agent.announcer:
        for message in case["messages"]:
            agent.receive(json.dumps(current(message, now)))
        await agent.announcer.drain()
    expected = [list(agent.announcer.templates.script(call)) for call in spoken(case)]
    assert [segments_heard(p.wav) for p in audio.played] == expected
    assert audio.max_concurrent <= 1


async def test_an_unknown_speaker_group_stops_the_agent(
    start_hall: StartHall, tmp_path: Path
) -> None:
    hall = await start_hall(case_hall())
    agent = DisplayAgent(
        hall.url, Announcer(make_pack(tmp_path / "pack"), FakeAudio()), speaker="x"
    )
    with pytest.raises(UnknownSpeaker, match=r"no speaker group 'x' \(its groups: desk, rest\)"):
        await agent.run()


def test_a_floor_and_a_speaker_group_are_not_both_spoken(tmp_path: Path) -> None:
    announcer = Announcer(make_pack(tmp_path / "pack"), FakeAudio())
    with pytest.raises(ValueError, match="not both"):
        DisplayAgent("http://127.0.0.1:1", announcer, floor="1F", speaker="desk")


def test_a_message_that_is_no_call_is_passed_over() -> None:
    # Shapes the server never sends, which the browser cases cannot carry through a board.
    rule = SpokenCalls(Scope.of(windows=["1"]))
    window = {"id": "1", "floor": "1F"}
    for message in [
        {"type": "ticket.called", "seq": 1, "window": window},
        {"type": "ticket.called", "seq": 2, "ticket": {"number": ""}, "window": window},
        {"type": "ticket.called", "seq": 3, "ticket": {"number": "A001"}, "window": {"id": 1}},
        {"type": "ticket.called", "seq": True, "ticket": {"number": "A001"}},
    ]:
        assert rule.judge(message, 0.0).skip is Skip.NOT_A_CALL, message
    assert rule.last_seq == 3
    # Without an offset a time cannot be aged: spoken, as in the browser.
    naive = {"type": "ticket.called", "seq": 4, "at": "2020-01-01T09:00:00"}
    verdict = rule.judge({**naive, "ticket": {"number": "A001"}, "window": window}, 2e9)
    assert (verdict.skip, verdict.call is not None) == (None, True)
