"""Running an agent until it is stopped: a crash of its work ends the process, said why."""

from __future__ import annotations

import asyncio
import logging

import pytest

from kiosk.running import run_until


async def test_a_crashed_main_task_ends_the_run_with_exit_code_1_and_its_error_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def crashes() -> None:
        await asyncio.sleep(0.01)
        raise OSError("the printer's file went away")

    with caplog.at_level(logging.ERROR, logger="kiosk.running"):
        # Bounded: before the fix it waited for a stop signal that never came.
        assert await asyncio.wait_for(run_until(asyncio.Event(), crashes(), "agent"), 5) == 1
    assert "agent ended by itself" in caplog.text
    assert "the printer's file went away" in caplog.text  # with its traceback


async def test_a_stop_cancels_the_main_task_and_exits_0() -> None:
    stop, cancelled = asyncio.Event(), asyncio.Event()

    async def works() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    asyncio.get_running_loop().call_later(0.05, stop.set)
    assert await asyncio.wait_for(run_until(stop, works(), "agent"), 5) == 0
    assert cancelled.is_set()
