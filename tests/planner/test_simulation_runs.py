"""Simulated days: reproducible by seed, and pooled windows beat dedicated counters."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from queue_server.config import load_hall
from queue_server.domain.hall import HallConfig, Window, WindowKind
from queue_server.planner.compare import compare
from queue_server.planner.demand import demand_from_profile
from queue_server.planner.profile import load_profile
from queue_server.planner.schedule import Schedule, pools_of
from queue_server.planner.simulate import simulate

JIANGBEI = Path(__file__).resolve().parents[2] / "config" / "hall.example.toml"


def test_the_same_seed_gives_the_same_result() -> None:
    hall = load_hall(JIANGBEI)
    demand = demand_from_profile(load_profile("county"), hall).scaled(0.5)
    steps: list[tuple[int, int]] = []
    first = simulate(hall, demand, replications=2, seed=11, progress=lambda *s: steps.append(s))
    again = simulate(hall, demand, replications=2, seed=11)
    other = simulate(hall, demand, replications=2, seed=12)
    assert first == again
    assert first.to_dict() == again.to_dict()
    assert other.overall != first.overall
    assert steps == [(1, 2), (2, 2)]
    assert 350 < first.issued_per_day < 450


def test_a_schedule_with_fewer_windows_waits_longer() -> None:
    hall = load_hall(JIANGBEI)
    demand = demand_from_profile(load_profile("county"), hall).scaled(0.5)
    full = Schedule.full(hall)
    half = Schedule(
        {h: {p.id: max(1, len(p.windows) // 2) for p in pools_of(hall)} for h in full.counts}
    )
    assert half.window_hours() < full.window_hours()
    many = simulate(hall, demand, full, replications=2, seed=3)
    few = simulate(hall, demand, half, replications=2, seed=3)
    assert few.overall.mean > many.overall.mean


def _dedicated(hall: HallConfig, counts: dict[tuple[str, ...], int]) -> HallConfig:
    windows: list[Window] = []
    for services, count in counts.items():
        for _ in range(count):
            number = str(len(windows) + 1)
            windows.append(Window(number, number, "1F", WindowKind.DOMAIN, services))
    return dataclasses.replace(hall, windows=tuple(windows))


def test_pooled_general_windows_beat_the_same_number_of_department_counters() -> None:
    jiangbei = load_hall(JIANGBEI)
    # 按部门设窗: each department its own counters, sized to its share of the county load.
    departments = {
        ("social-insurance", "medical-insurance"): 3,
        ("household", "exit-entry"): 2,
        ("real-estate",): 8,
        ("company-registration", "company-change", "food-licence"): 3,
        ("tax",): 2,
        ("housing-fund",): 1,
        ("construction-permit", "completion-filing"): 1,
        ("road-transport", "vehicle-permit"): 1,
        ("consult", "pickup", "other-matters"): 1,
    }
    dedicated = _dedicated(jiangbei, departments)
    everything = tuple(s.id for s in jiangbei.services)
    pooled = dataclasses.replace(
        jiangbei,
        windows=tuple(
            Window(str(n), str(n), "1F", WindowKind.GENERAL, everything)
            for n in range(1, len(dedicated.windows) + 1)
        ),
    )
    assert len(pooled.windows) == len(dedicated.windows) == 22
    demand = demand_from_profile(load_profile("county"), jiangbei).scaled(0.6)
    result = compare(pooled, dedicated, demand, replications=3, seed=5)
    one, other = result.first.result, result.second.result
    assert one.overall.mean < other.overall.mean / 2
    assert one.overall.within > other.overall.within
    assert one.unserved_per_day <= other.unserved_per_day
    assert result.to_dict()["first"]["windows"] == 22
    assert any(row[0] == "mean wait (min)" for row in result.rows())
