"""The soak's profile summary: py-spy's raw samples of every server generation, summed up."""

from __future__ import annotations

from pathlib import Path

from .profile import read_samples, write_profile

WRITER = "HallService._writer (queue_server/service.py:222)"
DECIDE = "decide (queue_server/domain/deciding.py:40)"
PARSE = "HttpRequestParser.feed_data (aiohttp/http_parser.py:300)"
DUMPS = "dumps (json/__init__.py:183)"


def test_samples_of_every_generation_are_summed_by_function_and_package(tmp_path: Path) -> None:
    (tmp_path / "server-1.txt").write_text(
        f"<module> (hallq:1);{WRITER};{DECIDE} 30\n<module> (hallq:1);{PARSE} 50\n"
    )
    (tmp_path / "server-2.txt").write_text(
        f"<module> (hallq:1);{WRITER};{DECIDE};{DUMPS} 20\n<module> (hallq:1);{WRITER} 0\n"
    )
    (tmp_path / "notes.txt").write_text(f"{PARSE} 999\n")  # not py-spy's: left out
    profile = read_samples(tmp_path)
    assert profile.samples == 100
    assert profile.own["decide (queue_server/domain/deciding.py)"] == 30
    assert profile.own["HttpRequestParser.feed_data (aiohttp/http_parser.py)"] == 50
    assert profile.inclusive["HallService._writer (queue_server/service.py)"] == 50
    assert profile.inclusive["decide (queue_server/domain/deciding.py)"] == 50
    assert profile.packages == {
        "aiohttp": 50,
        "hallq: the domain core": 30,
        "json": 20,
    }


def test_a_recursive_function_counts_once_per_stack(tmp_path: Path) -> None:
    (tmp_path / "server-1.txt").write_text(f"{DECIDE};{DECIDE};{DECIDE} 7\n")
    profile = read_samples(tmp_path)
    assert profile.inclusive["decide (queue_server/domain/deciding.py)"] == 7


def test_the_merged_samples_and_the_summary_are_written_beside_them(tmp_path: Path) -> None:
    (tmp_path / "server-1.txt").write_text(f"{WRITER};{DECIDE} 3\n")
    (tmp_path / "server-2.txt").write_text(f"{WRITER};{DECIDE} 2\n{PARSE} 5\n")
    summary = write_profile(tmp_path)
    assert (tmp_path / "samples.txt").read_text().splitlines() == [
        f"{WRITER};{DECIDE} 5",
        f"{PARSE} 5",
    ]
    assert (tmp_path / "profile.txt").read_text() == summary + "\n"
    assert "50.0%  hallq: the domain core" in summary
    assert "100.0%  HallService._writer" not in summary  # only half the samples were its
    assert " 50.0%  HallService._writer (queue_server/service.py)" in summary


def test_no_samples_says_why(tmp_path: Path) -> None:
    assert "no samples" in read_samples(tmp_path).report()
