"""Workload profiles: the shipped ones load; a broken one lists every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_server.config import load_hall
from queue_server.planner.demand import demand_from_profile
from queue_server.planner.profile import ProfileError, load_profile, parse_profile

JIANGBEI = Path(__file__).resolve().parents[2] / "config" / "hall.example.toml"


@pytest.mark.parametrize("name", ["county", "city"])
def test_shipped_profiles_load_and_fit_the_example_hall(name: str) -> None:
    profile = load_profile(name)
    demand = demand_from_profile(profile, load_hall(JIANGBEI))
    assert demand.notes == ()
    assert demand.per_day == pytest.approx(profile.tickets_per_day)
    hourly = {h: sum(s.in_hour(h) for s in demand.services) for h in range(24)}
    morning_peak = (hourly[9] + hourly[10]) / demand.per_day
    assert 0.35 <= morning_peak <= 0.40
    before_opening = sum(s.arrivals[16] for s in demand.services) / demand.per_day  # 08:00
    assert 0.05 <= before_opening <= 0.08


def test_a_profile_with_problems_lists_every_one() -> None:
    text = """
[profile]
name = "broken"
tickets_per_day = -5
colour = "blue"

[behaviour]
missed_share = 1.5
pause_minuts = 10

[[arrivals]]
from = "09:00"
to = "08:00"
share = 0.5

[[arrivals]]
from = "nine"
to = "10:00"
share = 0.2

[[mix]]
name = "社保"
share = 0.4
services = []
cv = 9
distribution = "gamma"
"""
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, source="broken.toml")
    problems = caught.value.problems
    expected = [
        "profile.tickets_per_day: must be from 1 to 1e+06, not -5",
        "profile.colour: unknown key",
        "behaviour.missed_share: must be from 0 to 0.9, not 1.5",
        "behaviour.pause_minuts: unknown key; did you mean 'pause_minutes'?",
        "arrivals[0].to: must be later than from (09:00)",
        "arrivals[1].from: must be a time like '08:30', not a string ('nine')",
        "mix[0].services: must list at least one entry",
        "mix[0].mean_minutes: missing required key",
        "mix[0].cv: must be from 0.05 to 3, not 9",
        "mix[0].distribution: 'gamma' is not one of lognormal, exponential",
        "arrivals: the shares add up to 0.700, not 1",
        "mix: the shares add up to 0.400, not 1",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in problems), (line, problems)


def test_a_missing_profile_file_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(tmp_path / "none.toml")
    assert len(caught.value.problems) == 1


def test_mix_entries_naming_no_service_of_the_hall_are_noted() -> None:
    text = """
[profile]
name = "t"
tickets_per_day = 100
[[arrivals]]
from = "09:00"
to = "10:00"
share = 1
[[mix]]
name = "社保"
share = 0.5
services = ["social-insurance"]
mean_minutes = 6
[[mix]]
name = "渔业"
share = 0.5
services = ["fishing"]
mean_minutes = 6
"""
    demand = demand_from_profile(parse_profile(text), load_hall(JIANGBEI))
    assert demand.per_day == pytest.approx(50)
    assert len(demand.notes) == 1 and "渔业" in demand.notes[0]
