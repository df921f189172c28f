"""`hallq plan` on the example hall: the hourly table, JSON, the what-if and its problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from queue_server.cli import main

JIANGBEI = str(Path(__file__).resolve().parents[2] / "config" / "hall.example.toml")
QUICK = ["--scale", "0.3", "--replications", "1", "--max-simulations", "3"]
PLAN = ["plan", "--config", JIANGBEI]


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What `hallq` printed on stderr refusing `argv` with exit status 2 (argparse's usage
    error or the command's own), never a traceback."""
    try:
        status: int | str | None = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    return err


def test_plan_prints_the_hourly_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*PLAN, "--profile", "county", *QUICK]) == 0
    out, err = capsys.readouterr()
    assert "general 1-4" in out and "09:00" in out and "Window-hours" in out
    assert "simulations: 1/3" in err


def test_plan_json_and_compare(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*PLAN, "--profile", "county", *QUICK, "--json"]
    assert main(args) == 0
    answer = json.loads(capsys.readouterr().out)
    hours = answer["recommendation"]["hours"]
    assert [h["hour"] for h in hours] == [8, 9, 10, 11, 14, 15, 16, 17]
    assert main([*args, "--compare", JIANGBEI]) == 0
    both = json.loads(capsys.readouterr().out)
    assert both["comparison"]["first"]["result"] == both["comparison"]["second"]["result"]
    assert both["hours"] == []  # a what-if recommends no windows: honest and still a list


def test_plan_json_has_the_contract_hours(capsys: pytest.CaptureFixture[str]) -> None:
    """API.md: {"hours": [{"start": "09:00", "windows": {...}, "wait_p90_minutes": n}, ...]},
    made from the recommendation, whose keys stay."""
    assert main([*PLAN, "--profile", "county", *QUICK, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert {"hall", "demand", "recommendation", "notes", "hours"} <= answer.keys()
    rows = answer["recommendation"]["hours"]
    pools = {p["id"] for p in answer["recommendation"]["pools"]}
    hours = answer["hours"]
    assert [h["start"] for h in hours] == [f"{r['hour']:02d}:00" for r in rows]
    assert [h["start"] for h in hours][:2] == ["08:00", "09:00"]
    for hour, row in zip(hours, rows, strict=True):
        assert set(hour["windows"]) == pools
        assert all(type(n) is int and n >= 0 for n in hour["windows"].values())
        assert hour["windows"] == row["windows"]
        assert isinstance(hour["wait_p90_minutes"], int | float)
        assert hour["wait_p90_minutes"] == row["waits"]["p90"]
        assert hour["wait_mean_minutes"] == row["waits"]["mean"]
        assert hour["met"] is row["met"]


def test_plan_lists_the_profile_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[profile]\nname = "x"\n', encoding="utf-8")
    assert main([*PLAN, "--profile", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "profile.tickets_per_day: missing required key" in err
    assert "arrivals: missing required key" in err and "mix: missing required key" in err


def test_plan_from_a_missing_journal_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*PLAN, "--journal", "/nonexistent/hall.db"]
    assert main([*args, "--from", "2026-11-01", "--to", "2026-11-30"]) == 2
    assert "no such database" in capsys.readouterr().err
    # --from-db reads --db: the same check, naming the option to fix.
    err = refused([*PLAN, "--from-db", "--db", "/nonexistent/hall.db"], capsys)
    assert "/nonexistent/hall.db: no such database (check --db)" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--replications", "0"], "argument --replications: must be 1 or more, not 0"),
        (["--replications", "-3"], "argument --replications: must be 1 or more"),
        (["--max-simulations", "0"], "argument --max-simulations: must be 1 or more, not 0"),
        (["--target-minutes", "0"], "argument --target-minutes: must be more than 0"),
        (["--target-minutes", "-5"], "argument --target-minutes: must be more than 0"),
        (["--target-minutes", "inf"], "argument --target-minutes: not a number"),
        (["--target-share", "0"], "argument --target-share: must be above 0 and at most 1"),
        (["--target-share", "1.01"], "argument --target-share: must be above 0 and at most 1"),
        (["--target-share", "nan"], "argument --target-share: not a number"),
        (["--scale", "0"], "argument --scale: must be more than 0, not 0"),
        (["--scale", "-1.3"], "argument --scale: must be more than 0"),
        (["--seed", "-1"], "argument --seed: must be 0 or more, not -1"),
        (["--seed", "1.5"], "argument --seed: not a whole number"),
        (["--from", "2026-11-01"], "--from and --to go with --from-db or --journal"),
        (["--to", "2026-11-30"], "--from and --to go with --from-db or --journal"),
        (["--db", "var/hall.db"], "--db goes with --from-db"),
    ],
)
def test_plan_refuses_bad_options_with_a_usage_error(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # QUICK first: the option under test overrides it, and a plan that is not refused is short.
    err = refused([*PLAN, "--profile", "county", *QUICK, *options], capsys)
    assert message in err
    assert err.startswith(("usage:", "hallq plan: error:"))


def test_plan_says_when_the_dates_are_reversed(capsys: pytest.CaptureFixture[str]) -> None:
    dates = ["--from", "2026-11-30", "--to", "2026-11-01"]
    for source in (["--from-db"], ["--journal", "/nonexistent/hall.db"]):
        err = refused([*PLAN, *source, *dates], capsys)
        assert "the dates are reversed: --from 2026-11-30 is after --to 2026-11-01" in err
    # Without --to the last day is yesterday: a --from after it is reversed too.
    err = refused([*PLAN, "--from-db", "--from", "2999-01-01"], capsys)
    assert "the dates are reversed: --from 2999-01-01 is after" in err
    assert "the last whole day" in err


def test_plan_needs_one_demand_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert "one of the arguments --profile --from-db --journal is required" in refused(PLAN, capsys)
    err = refused([*PLAN, "--profile", "county", "--from-db"], capsys)
    assert "not allowed with argument" in err
    err = refused([*PLAN, "--journal", "a.db", "--db", "b.db"], capsys)
    assert "--db goes with --from-db; --journal names the database itself" in err
