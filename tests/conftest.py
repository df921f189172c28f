"""Shared fixtures: hall configs, a fake clock, and a real server on loopback."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from helpers import SHANGHAI, FakeClock, RunningHall, small_hall

from queue_server.domain.hall import HallConfig
from queue_server.server import HallServer


@pytest.fixture(autouse=True)
def logging_as_it_was() -> Iterator[None]:
    """`hallq` commands run in-process (cli.main) point the root logger at this test's
    captured stderr; put it back, so later tests' threads never log to a closed stream."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def clock() -> FakeClock:
    # A Monday morning, inside the first session.
    return FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
async def start_hall(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[RunningHall]]]:
    """Factory: start a real hallq server on 127.0.0.1 with a SQLite journal in tmp_path."""
    running: list[RunningHall] = []

    async def start(config: HallConfig | None = None, **kwargs: Any) -> RunningHall:
        server = HallServer(
            config or small_hall(open_all_hours=True),
            kwargs.pop("db_path", tmp_path / f"hall{len(running)}.db"),
            **{"port": 0, **kwargs},  # a given port: e.g. a restart where clients expect it
        )
        await server.start()
        hall = RunningHall(server, aiohttp.ClientSession())
        running.append(hall)
        return hall

    yield start
    for hall in running:
        await hall.http.close()
        await hall.server.stop()
