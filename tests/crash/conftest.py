"""The `hall_process` fixture: real `hallq serve` processes, killed when the test ends."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from .hall_process import HALLQ, JIANGBEI, HallProcess


@pytest.fixture
async def hall_process(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[HallProcess]]]:
    """Factory: a started `hallq serve` on a free port with its db in tmp_path."""
    made: list[HallProcess] = []
    assert HALLQ.exists(), f"no hallq next to {sys.executable}: is the package installed?"
    assert os.access(HALLQ, os.X_OK), f"{HALLQ} is not executable"

    async def make(config: Path = JIANGBEI, *, start: bool = True) -> HallProcess:
        hall = HallProcess(tmp_path / f"hall{len(made)}", config)
        made.append(hall)
        if start:
            await hall.start()
        return hall

    yield make
    for hall in made:
        await hall.kill()
