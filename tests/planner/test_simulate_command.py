"""`hallq simulate` on the example hall: API.md's JSON, a readable summary, the same answer
for the same seed, and its refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from queue_server.cli import main

REPO = Path(__file__).resolve().parents[2]
JIANGBEI = str(REPO / "config" / "hall.example.toml")
HALLQ = str(Path(sys.executable).with_name("hallq"))
SIMULATE = ["simulate", "--config", JIANGBEI, "--profile", "county", "--scale", "0.3"]


def simulated(capsys: pytest.CaptureFixture[str], *options: str) -> dict[str, Any]:
    assert main([*SIMULATE, *options, "--json"]) == 0
    answer: dict[str, Any] = json.loads(capsys.readouterr().out)
    return answer


def test_simulate_prints_the_contract_json_as_a_real_process() -> None:
    done = subprocess.run(
        [HALLQ, *SIMULATE, "--days", "2", "--seed", "7", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "simulated days: 2/2" in done.stderr  # progress stays off stdout
    answer = json.loads(done.stdout)
    assert type(answer["served"]) is int and answer["served"] > 0
    for key in ("wait_mean_minutes", "wait_p90_minutes"):
        assert type(answer[key]) in (int, float) and answer[key] >= 0
    assert answer["days"] == 2 and answer["seed"] == 7
    assert answer["hall"] == "重庆市江北区政务服务中心"
    assert answer["demand"].startswith("profile ")
    for key in ("issued", "unserved", "turned_away"):
        assert type(answer[key]) is int and answer[key] >= 0
    assert answer["served"] == answer["issued"] - answer["unserved"]
    assert 0 <= answer["within_target"] <= 1 and answer["target_minutes"] == 15
    assert "social-insurance" in answer["by_service"]
    assert set(answer["by_service"]["social-insurance"]) == {
        "count",
        "mean",
        "p90",
        "max",
        "within",
    }
    assert answer["notes"] == []


def test_served_is_the_total_over_the_simulated_days(
    capsys: pytest.CaptureFixture[str],
) -> None:
    one, two = simulated(capsys, "--days", "1"), simulated(capsys, "--days", "2")
    # Day i of a run is the same simulated day whatever the number of days: the first day
    # of two is the one day of one, so two days serve more in all.
    assert two["served"] > one["served"]
    assert one["per_day"]["served"] == one["served"]
    assert two["per_day"]["served"] == pytest.approx(two["served"] / 2)
    assert two["per_day"]["issued"] == pytest.approx(two["issued"] / 2)


def test_the_same_seed_gives_the_same_answer(capsys: pytest.CaptureFixture[str]) -> None:
    first = simulated(capsys, "--days", "2", "--seed", "3")
    assert simulated(capsys, "--days", "2", "--seed", "3") == first
    assert simulated(capsys, "--days", "2", "--seed", "4") != first
    # The default seed is 0.
    assert simulated(capsys, "--days", "1") == simulated(capsys, "--days", "1", "--seed", "0")


def test_without_json_a_readable_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*SIMULATE, "--days", "1", "--target-minutes", "20"]) == 0
    out = capsys.readouterr().out
    assert "1 simulated day, every window open, seed 0" in out
    assert "served" in out and "unserved" in out and "called within 20 min" in out
    assert "social-insurance" in out and "<=20m" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_simulate_reports_a_profile_service_the_hall_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    county = (REPO / "config" / "workloads" / "county.toml").read_text(encoding="utf-8")
    profile = tmp_path / "mine.toml"
    profile.write_text(county.replace('"tax"', '"no-such-service"', 1), encoding="utf-8")
    assert "no-such-service" in profile.read_text(encoding="utf-8")
    args = ["simulate", "--config", JIANGBEI, "--profile", str(profile), "--days", "1"]
    assert main([*args, "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert any("no-such-service" in note for note in notes)


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        status: int | str | None = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--days", "0"], "argument --days: must be 1 or more, not 0"),
        (["--days", "-1"], "argument --days: must be 1 or more"),
        (["--days", "two"], "argument --days: not a whole number"),
        (["--seed", "-2"], "argument --seed: must be 0 or more, not -2"),
        (["--scale", "0"], "argument --scale: must be more than 0"),
        (["--target-minutes", "0"], "argument --target-minutes: must be more than 0"),
        (["--from", "2026-11-01"], "--from and --to go with --from-db or --journal"),
        (["--db", "var/hall.db"], "--db goes with --from-db"),
    ],
)
def test_simulate_refuses_bad_options(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert message in refused([*SIMULATE, *options], capsys)


def test_simulate_refuses_reversed_dates_and_a_missing_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["simulate", "--config", JIANGBEI, "--from-db", "--db", "/nonexistent/hall.db"]
    err = refused([*base, "--from", "2026-11-30", "--to", "2026-11-01"], capsys)
    assert "the dates are reversed" in err
    assert "no such database (check --db)" in refused(base, capsys)


def test_simulate_lists_the_config_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[hall]\nnmae = "x"\n', encoding="utf-8")
    err = refused(["simulate", "--config", str(broken), "--profile", "county"], capsys)
    assert "hallq simulate: the hall config has" in err and "nmae" in err
