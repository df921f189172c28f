"""The short soak: a hall day in about a minute, with kills, a full disk and a frozen tab."""

from __future__ import annotations

from pathlib import Path

import pytest
from crash.hall_process import JIANGBEI, HallProcess

from .hall_day import Plan, soak

pytestmark = pytest.mark.slow

SHORT_DAY = Plan(tickets=900, seconds=45.0, kills=3, disk_full=1)


async def test_a_short_hall_day_under_faults_keeps_every_invariant(tmp_path: Path) -> None:
    server = HallProcess(tmp_path / "hall", JIANGBEI)
    try:
        outcome = await soak(server, SHORT_DAY)
    finally:
        await server.kill()
    print(outcome.summary())
    shown = "\n".join(outcome.problems[:30])
    assert not outcome.problems, f"{outcome.summary()}\n{shown}\n{server.log_tail()}"
    assert outcome.counts["kills"] == SHORT_DAY.kills
    assert outcome.counts["disk_full"] == SHORT_DAY.disk_full
    assert outcome.counts["tickets"] > SHORT_DAY.tickets * 0.9, "the kiosks issued too little"
    assert outcome.counts["stream_resumes"] > 0, "no screen resumed after a kill"
