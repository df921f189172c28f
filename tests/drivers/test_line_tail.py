"""LineTail: following lines appended to a file, poll by poll (no timing involved)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from drivers.input.base import DeviceError
from drivers.input.tail import LineTail


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def test_lines_already_there_are_not_replayed(tmp_path: Path) -> None:
    path = tmp_path / "scanner.in"
    path.write_text("old\n")
    tail = LineTail(path)
    assert tail.poll() == []
    append(path, "new\n")
    assert tail.poll() == ["new"]


def test_a_file_that_does_not_exist_yet_is_read_from_its_start(tmp_path: Path) -> None:
    path = tmp_path / "scanner.in"
    tail = LineTail(path)
    assert tail.poll() == []
    append(path, "A001\nB002\n")
    assert tail.poll() == ["A001", "B002"]
    assert tail.poll() == []


def test_a_partial_line_waits_for_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "scanner.in"
    tail = LineTail(path)
    append(path, "C0")
    assert tail.poll() == []
    append(path, "03\nD0")
    assert tail.poll() == ["C003"]
    append(path, "04\n")
    assert tail.poll() == ["D004"]


def test_a_truncated_file_starts_over_and_forgets_the_half_line(tmp_path: Path) -> None:
    path = tmp_path / "scanner.in"
    tail = LineTail(path)
    append(path, "first line\nhalf")
    assert tail.poll() == ["first line"]
    path.write_text("E5\n")  # shorter than what was read: truncated and rewritten
    assert tail.poll() == ["E5"]


def test_a_replaced_or_removed_and_recreated_file_is_read_anew(tmp_path: Path) -> None:
    path = tmp_path / "scanner.in"
    tail = LineTail(path)
    append(path, "one line that is long\n")
    assert tail.poll() == ["one line that is long"]
    replacement = tmp_path / "next"
    replacement.write_text("one line that is long too\n")
    replacement.replace(path)
    assert tail.poll() == ["one line that is long too"]
    path.unlink()
    assert tail.poll() == []
    append(path, "F6\n")
    assert tail.poll() == ["F6"]


def test_blank_lines_are_skipped_and_crlf_and_spaces_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "scanner.in"
    tail = LineTail(path)
    append(path, "\n  \r\n G7 \r\n")
    assert tail.poll() == ["G7"]


def test_an_unreadable_file_is_a_device_error(tmp_path: Path) -> None:
    (tmp_path / "scanner.in").mkdir()
    with pytest.raises(DeviceError, match=r"cannot read .*scanner\.in"):
        LineTail(tmp_path / "scanner.in").poll()


async def test_iteration_polls_until_closed(tmp_path: Path) -> None:
    path = tmp_path / "scanner.in"
    tail = LineTail(path, interval=0.01)
    lines = aiter(tail)
    append(path, "H8\n")
    assert await asyncio.wait_for(anext(lines), 5) == "H8"
    pending = asyncio.create_task(anext(lines))
    await asyncio.sleep(0)
    tail.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, 5)
