"""`hallq plan` on the example hall: the hourly table, JSON, the what-if and its problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from queue_server.cli import main

JIANGBEI = str(Path(__file__).resolve().parents[2] / "config" / "hall.example.toml")
QUICK = ["--scale", "0.3", "--replications", "1", "--max-simulations", "3"]


def test_plan_prints_the_hourly_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--config", JIANGBEI, "--profile", "county", *QUICK]) == 0
    out, err = capsys.readouterr()
    assert "general 1-4" in out and "09:00" in out and "Window-hours" in out
    assert "simulations: 1/3" in err


def test_plan_json_and_compare(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "--config", JIANGBEI, "--profile", "county", *QUICK, "--json"]
    assert main(args) == 0
    answer = json.loads(capsys.readouterr().out)
    hours = answer["recommendation"]["hours"]
    assert [h["hour"] for h in hours] == [8, 9, 10, 11, 14, 15, 16, 17]
    assert main([*args, "--compare", JIANGBEI]) == 0
    both = json.loads(capsys.readouterr().out)["comparison"]
    assert both["first"]["result"] == both["second"]["result"]


def test_plan_lists_the_profile_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[profile]\nname = "x"\n', encoding="utf-8")
    assert main(["plan", "--config", JIANGBEI, "--profile", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "profile.tickets_per_day: missing required key" in err
    assert "arrivals: missing required key" in err and "mix: missing required key" in err


def test_plan_from_a_missing_journal_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "--config", JIANGBEI, "--journal", "/nonexistent/hall.db"]
    assert main([*args, "--from", "2026-11-01", "--to", "2026-11-30"]) == 2
    assert "no such database" in capsys.readouterr().err
