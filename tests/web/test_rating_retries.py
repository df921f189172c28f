"""A rating sent again with its idempotency key, through the real server and its restarts."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import RunningHall

StartHall = Callable[..., Awaitable[RunningHall]]


async def served(hall: RunningHall, clerk: str, *steps: str) -> dict[str, Any]:
    """A ticket issued for the first of `steps` (social by default) and served at window 1
    through all of them; the issuing answer."""
    steps = steps or ("social",)
    kiosk = await hall.device(f"kiosk-{uuid.uuid4().hex[:8]}", "kiosk")
    status, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": steps[0]})
    assert status == 201, issued
    for _step in steps:
        for action in ("call-next", "finish"):
            status, seen = await hall.call("POST", f"/api/v1/windows/1/{action}", clerk)
            assert status == 200, seen
    return dict(issued)


async def test_a_pad_s_retry_gets_the_first_answer_and_records_nothing(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    clerk = await hall.clerk_at("1", "wang", "王芳", "1001")
    pad = await hall.device("pad-1", "pad", window="1")
    ticket = (await served(hall, clerk))["ticket"]["id"]
    body = {"ticket": ticket, "level": 2, "tags": ["214"], "idempotency_key": "pad-1/0001"}
    status, first = await hall.call("POST", "/api/v1/ratings", pad, body)
    assert status == 201, first
    seq = hall.server.service.last_seq
    status, again = await hall.call("POST", "/api/v1/ratings", pad, body)
    assert status == 201, again
    assert again["rating"]["id"] == first["rating"]["id"]
    assert (again["rating"], again["case"]) == (first["rating"], first["case"])
    assert hall.server.service.last_seq == seq  # nothing journalled
    for other in ({"level": 1, "tags": ["115"]}, {"comment": "态度生硬"}, {"channel": 5}):
        status, refused = await hall.call("POST", "/api/v1/ratings", pad, {**body, **other})
        assert (status, refused["error"]["code"]) == (409, "idempotency_key_reused"), refused
    for plain in ({}, {"idempotency_key": "pad-1/0002"}):  # without the key: as before
        body = {"ticket": ticket, "level": 2, "tags": ["214"], **plain}
        status, refused = await hall.call("POST", "/api/v1/ratings", pad, body)
        assert (status, refused["error"]["code"]) == (409, "already_rated"), refused
    assert hall.server.service.last_seq == seq
    status, cases = await hall.call(
        "GET", "/api/v1/cases?state=all", await hall.person("li", "manager")
    )
    assert status == 200 and len(cases["cases"]) == 1


async def test_another_pad_s_key_is_its_own(start_hall: StartHall) -> None:
    hall = await start_hall()
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    other_pad = await hall.device("pad-2", "pad", window="1")
    ticket = (await served(hall, clerk))["ticket"]["id"]
    body = {"ticket": ticket, "level": 5, "channel": 4, "idempotency_key": "0001"}
    assert (await hall.call("POST", "/api/v1/ratings", pad, body))[0] == 201
    status, refused = await hall.call("POST", "/api/v1/ratings", other_pad, body)
    assert (status, refused["error"]["code"]) == (409, "already_rated"), refused


async def test_a_phone_s_retry_gets_the_first_answer_not_the_next_step(
    start_hall: StartHall,
) -> None:
    """A route served at one window: the retry of the latest step's rating is not taken for
    a rating of the step before, which the phone offers once the latest is rated."""
    hall = await start_hall()
    clerk = await hall.clerk_at("1", "wang")
    issued = await served(hall, clerk, "estate", "pickup")
    ticket, key = issued["ticket"]["id"], issued["rating_key"]
    path = f"/api/v1/tickets/{ticket}/rating"
    body = {"key": key, "level": 5, "tags": ["517"], "idempotency_key": "phone-1"}
    status, first = await hall.call("POST", path, None, body)
    assert (status, first["rating"]["service"]) == (201, "pickup"), first
    status, again = await hall.call("POST", path, None, body)
    assert (status, again["rating"]) == (201, first["rating"])
    status, refused = await hall.call("POST", path, None, {**body, "level": 4, "tags": []})
    assert (status, refused["error"]["code"]) == (409, "idempotency_key_reused"), refused
    status, step_before = await hall.call("POST", path, None, {**body, "idempotency_key": "p2"})
    assert (status, step_before["rating"]["service"]) == (201, "estate"), step_before
    # Another citizen's phone choosing the same key rates its own ticket.
    other = await served(hall, clerk)
    other_body = {**body, "key": other["rating_key"]}
    status, theirs = await hall.call(
        "POST", f"/api/v1/tickets/{other['ticket']['id']}/rating", None, other_body
    )
    assert (status, theirs["rating"]["ticket"]) == (201, other["ticket"]["id"]), theirs


@pytest.mark.parametrize("how", ["stopped", "crashed"])
async def test_a_retry_after_a_restart_gets_the_first_answer(
    start_hall: StartHall, tmp_path: Path, how: str
) -> None:
    db = tmp_path / "hall.db"
    hall = await start_hall(db_path=db, snapshot_every=1_000_000)
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    ticket = (await served(hall, clerk))["ticket"]["id"]
    body = {"ticket": ticket, "level": 4, "channel": 5, "idempotency_key": "keys/0001"}
    status, first = await hall.call("POST", "/api/v1/ratings", pad, body)
    assert status == 201, first
    if how == "stopped":
        await hall.server.stop()  # a snapshot on the way down
        restarted = db
    else:
        # The database as a crash leaves it: the file and its write-ahead log, no snapshot;
        # the hall comes back from the journal.
        restarted = tmp_path / "crashed.db"
        for suffix in ("", "-wal"):
            if (source := db.with_name(db.name + suffix)).exists():
                shutil.copyfile(source, restarted.with_name(restarted.name + suffix))
    again = await start_hall(db_path=restarted)
    status, answer = await again.call("POST", "/api/v1/ratings", pad, body)
    assert status == 201, answer
    assert answer["rating"] == first["rating"]
    status, refused = await again.call("POST", "/api/v1/ratings", pad, {**body, "level": 5})
    assert (status, refused["error"]["code"]) == (409, "idempotency_key_reused"), refused
