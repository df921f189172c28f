"""Each benchmark runs end to end at tiny sizes and reports a well-formed result (no timings)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCHMARKS = [
    "issue_throughput",
    "call_latency",
    "board_latency",
    "startup",
    "memory",
    "ticket_print",
    "planner",
]
TIMEOUT = 300  # seconds; a smoke run takes a few

pytestmark = pytest.mark.slow


def _run(module: str, *args: str) -> str:
    # As a module from the checkout, the way the benchmarks are meant to be run.
    done = subprocess.run(
        [sys.executable, "-m", module, "--smoke", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _check(result: dict[str, Any]) -> None:
    keys = "name metric value baseline baseline_value ratio target met details"
    assert sorted(result) == sorted(keys.split())
    for key in ("name", "metric", "baseline", "target"):
        assert isinstance(result[key], str) and result[key]
    for key in ("value", "baseline_value", "ratio"):
        assert isinstance(result[key], int | float) and math.isfinite(result[key])
    assert result["value"] > 0 and result["baseline_value"] > 0
    assert math.isclose(result["ratio"], result["value"] / result["baseline_value"], rel_tol=1e-6)
    assert isinstance(result["met"], bool)
    assert result["details"]
    for value in result["details"].values():
        assert isinstance(value, str) or math.isfinite(value)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_benchmark_reports_a_well_formed_result(name: str) -> None:
    _check(json.loads(_run(f"bench.{name}", "--json").splitlines()[-1]))


def test_run_all_writes_the_results_table(tmp_path: Path) -> None:
    output = tmp_path / "benchmarks.md"
    _run("bench.run_all", "--output", str(output))
    text = output.read_text(encoding="utf-8")
    assert "| cores | cpu |" in text and "| benchmark | measured |" in text
    for heading in (
        "### Durable ticket issuing",
        "### Call-to-subscriber latency",
        "### Call to the lobby board's DOM",
        "### Start-up after a day",
        "### Server memory with subscribers",
        "### Ticket to printer bytes",
    ):
        assert heading in text
