"""A hall's request limit holds against a client that makes up a new token for every
request: only a token the server accepts has a bucket of its own."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from collections.abc import Awaitable, Callable

from helpers import RunningHall, small_hall

from queue_server.domain.hall import MIN_REQUESTS_PER_SECOND, RequestLimits

StartHall = Callable[..., Awaitable[RunningHall]]


async def limited_hall(start_hall: StartHall) -> RunningHall:
    limits = RequestLimits(requests_per_second=MIN_REQUESTS_PER_SECOND)
    return await start_hall(dataclasses.replace(small_hall(open_all_hours=True), limits=limits))


async def test_made_up_tokens_share_their_address_s_bucket(start_hall: StartHall) -> None:
    hall = await limited_hall(start_hall)
    # Public reads ignore a token they do not need; every route counts against the limit.
    answers = await asyncio.gather(
        *(hall.call("GET", "/healthz", secrets.token_urlsafe(32)) for _ in range(300))
    )
    statuses = [status for status, _ in answers]
    assert statuses.count(429) >= 100, statuses


async def test_a_real_device_keeps_its_own_bucket(start_hall: StartHall) -> None:
    hall = await limited_hall(start_hall)
    kiosk = await hall.device("kiosk-1", "kiosk")
    await asyncio.gather(*(hall.call("GET", "/healthz") for _ in range(200)))  # the address's
    answers = await asyncio.gather(
        *(hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}) for _ in range(50))
    )
    assert [status for status, _ in answers] == [201] * 50
