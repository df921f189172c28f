"""Malformed requests get 422 naming the field and change nothing; hall-state errors next."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from helpers import SHANGHAI, FakeClock, RunningHall, small_hall

from queue_server.domain.hall import Policy, Service

# (path, body, the field the message must name); bodies are raw bytes or JSON values.
MALFORMED: list[tuple[str, Any, str]] = [
    ("/api/v1/tickets", b"{not json", "body"),
    ("/api/v1/tickets", b"\xff\xfe\x00", "body"),
    ("/api/v1/tickets", [], "body"),
    ("/api/v1/tickets", "social", "body"),
    ("/api/v1/tickets", {}, "service"),
    ("/api/v1/tickets", {"service": None}, "service"),
    ("/api/v1/tickets", {"service": 1}, "service"),
    ("/api/v1/tickets", {"service": ""}, "service"),
    ("/api/v1/tickets", {"service": "a/b"}, "service"),
    ("/api/v1/tickets", {"service": "social", "priority": "vip"}, "priority"),
    ("/api/v1/tickets", {"service": "social", "priority": "appointment"}, "priority"),
    ("/api/v1/tickets", {"service": "social", "idempotency_key": ""}, "idempotency_key"),
    ("/api/v1/tickets", {"service": "social", "idempotency_key": "k" * 129}, "idempotency_key"),
    ("/api/v1/tickets", {"service": "social", "id_number": "12345"}, "id_number"),
    (
        "/api/v1/tickets",
        {"service": "social", "id_number": "１１０１０５１９４９１２３１００２Ｘ"},
        "id_number",
    ),
    ("/api/v1/tickets", {"service": "social", "extra": 1}, "extra"),
    ("/api/v1/tickets", {"service": {"id": "social"}}, "service"),
    ("/api/v1/tickets", {"service": "soc\u0000ial"}, "service"),
    ("/api/v1/tickets", b'{"service": "social", "x": "' + b"y" * 70_000 + b'"}', "body"),
    ("/api/v1/windows/1/no-show", {"reason": 5}, "reason"),
    ("/api/v1/windows/1/no-show", {"reason": "x" * 201}, "reason"),
    ("/api/v1/windows/1/pause", {}, "reason"),
    ("/api/v1/windows/1/pause", {"reason": ""}, "reason"),
    ("/api/v1/windows/1/transfer", {}, "service"),
    ("/api/v1/windows/1/transfer", {"service": "estate", "window": "2"}, "service"),
    ("/api/v1/windows/1/call-next", {"anything": True}, "anything"),
    ("/api/v1/windows/1/resume-held", {}, "ticket"),
    ("/api/v1/windows/1/call-back", {"ticket": 7}, "ticket"),
]

RATINGS: list[tuple[Any, str]] = [
    ({"ticket": "x"}, "level"),
    ({"ticket": "x", "level": 0}, "level"),
    ({"ticket": "x", "level": 6}, "level"),
    ({"ticket": "x", "level": True}, "level"),
    ({"ticket": "x", "level": "5"}, "level"),
    ({"ticket": "x", "level": 4.5}, "level"),
    ({"level": 5}, "ticket"),
    ({"ticket": "x", "level": 1, "tags": "115"}, "tags"),
    ({"ticket": "x", "level": 1, "tags": [115]}, "tags[0]"),
    ({"ticket": "x", "level": 1, "tags": ["abc"]}, "tags[0]"),
    ({"ticket": "x", "level": 1, "tags": ["１１５"]}, "tags[0]"),
    ({"ticket": "x", "level": 1, "tags": ["115"] * 9}, "tags"),
    ({"ticket": "x", "level": 5, "channel": 9}, "channel"),
    ({"ticket": "x", "level": 5, "comment": 3}, "comment"),
    ({"ticket": "x", "level": 5, "idempotency_key": ""}, "idempotency_key"),
    ({"ticket": "x", "level": 5, "idempotency_key": "k" * 129}, "idempotency_key"),
    ({"ticket": "x", "level": 5, "idempotency_key": 7}, "idempotency_key"),
]


async def journal_and_view(hall: RunningHall) -> tuple[int, Any]:
    return hall.server.service.last_seq, (await hall.call("GET", "/api/v1/hall"))[1]


@pytest.fixture
async def busy_hall(start_hall: Callable[..., Awaitable[RunningHall]]) -> tuple[RunningHall, str]:
    """A hall with a called ticket at window 1, whose clerk's token issues and acts there."""
    hall = await start_hall()
    clerk = await hall.clerk_at("1", "wang")
    kiosk = await hall.device("kiosk-1", "kiosk")
    await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    return hall, clerk


@pytest.mark.parametrize(("path", "body", "field"), MALFORMED)
async def test_malformed_bodies_get_422_naming_the_field_and_change_nothing(
    busy_hall: tuple[RunningHall, str], path: str, body: Any, field: str
) -> None:
    hall, clerk = busy_hall
    before = await journal_and_view(hall)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, answer = await hall.call("POST", path, clerk, raw=raw)
    assert status == 422, answer
    assert answer["error"]["code"] == "invalid_request"
    assert answer["error"]["message"].startswith(f"{field}:"), answer
    assert await journal_and_view(hall) == before


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_not_in_its_declared_encoding_gets_422_and_changes_nothing(
    start_hall: Callable[..., Awaitable[RunningHall]], encoding: str
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    headers = {"Authorization": f"Bearer {kiosk}", "Content-Encoding": encoding}
    async with hall.http.post(
        f"{hall.url}/api/v1/tickets", data=b'{"service": "social"}', headers=headers
    ) as response:
        assert response.status == 422
        answer = await response.json()
    assert answer["error"]["code"] == "invalid_request"
    message = answer["error"]["message"]
    # One line naming what failed, without aiohttp's "400, message:" wording inside a 422.
    assert message == f"body: cannot be read (Can not decode content-encoding: {encoding})"
    assert hall.server.service.last_seq == 0


@pytest.mark.parametrize(("body", "field"), RATINGS)
async def test_malformed_ratings_get_422(
    start_hall: Callable[..., Awaitable[RunningHall]], body: Any, field: str
) -> None:
    hall = await start_hall()
    pad = await hall.device("pad-1", "pad", window="1")
    before = hall.server.service.last_seq
    status, answer = await hall.call("POST", "/api/v1/ratings", pad, body)
    assert (status, answer["error"]["code"]) == (422, "invalid_request")
    assert answer["error"]["message"].startswith(f"{field}:"), answer
    assert hall.server.service.last_seq == before


async def test_stream_query_is_checked(start_hall: Callable[..., Awaitable[RunningHall]]) -> None:
    hall = await start_hall()
    for query, field in (
        ("after_seq=-1", "after_seq"),
        ("after_seq=x", "after_seq"),
        ("topics=secrets", "topics"),
    ):
        status, answer = await hall.call("GET", f"/ws?{query}")
        assert status == 422, answer
        assert answer["error"]["message"].startswith(f"{field}:")
    for digits in (19, 5000):  # 5000: more than Python reads as a number at all
        status, answer = await hall.call("GET", f"/ws?after_seq={'9' * digits}")
        assert (status, answer["error"]["message"]) == (
            422,
            "after_seq: must have at most 18 digits",
        )
    status, answer = await hall.call("GET", "/ws")  # no Upgrade header
    assert (status, answer["error"]["code"]) == (422, "invalid_request")
    status, answer = await hall.call("GET", "/ws?topics=board,console")
    assert (status, answer["error"]["code"]) == (401, "unauthenticated")


async def test_hall_state_errors(busy_hall: tuple[RunningHall, str]) -> None:
    hall, clerk = busy_hall
    station_2 = await hall.device("station-2", "station", window="2")
    cases: list[tuple[str, str, Any, int, str]] = [
        ("/api/v1/tickets", clerk, {"service": "nope"}, 404, "unknown_service"),
        ("/api/v1/windows/2/call-next", station_2, None, 409, "window_not_open"),
        ("/api/v1/windows/1/call-next", clerk, None, 404, "queue_empty"),
        ("/api/v1/windows/1/transfer", clerk, {"service": "nope"}, 404, "unknown_service"),
        ("/api/v1/windows/1/resume-held", clerk, {"ticket": "nope"}, 404, "unknown_ticket"),
        ("/api/v1/windows/1/close", clerk, None, 409, "window_busy"),
    ]
    for path, token, body, status, code in cases:
        before = hall.server.service.last_seq
        got, answer = await hall.call("POST", path, token, body)
        assert (got, answer["error"]["code"]) == (status, code), path
        assert hall.server.service.last_seq == before
    for _ in range(5):
        assert (await hall.call("POST", "/api/v1/windows/1/recall", clerk))[0] == 200
    status, answer = await hall.call("POST", "/api/v1/windows/1/recall", clerk)
    assert (status, answer["error"]["code"]) == (409, "recall_limit")


async def test_the_same_idempotency_key_gives_the_same_ticket(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    kiosk, other = await hall.device("kiosk-1", "kiosk"), await hall.device("kiosk-2", "kiosk")
    body = {"service": "social", "idempotency_key": "touch-0001"}
    first = await hall.call("POST", "/api/v1/tickets", kiosk, body)
    again = await hall.call("POST", "/api/v1/tickets", kiosk, body)
    assert first[0] == again[0] == 201
    assert first[1]["ticket"] == again[1]["ticket"]
    elsewhere = await hall.call("POST", "/api/v1/tickets", other, body)
    assert elsewhere[1]["ticket"]["number"] == "A002"
    # The same key for another request is a kiosk's bug, not a retry: refused, nothing issued.
    before = hall.server.service.last_seq
    for changed in ({**body, "service": "estate"}, {**body, "priority": "green"}):
        status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, changed)
        assert (status, answer["error"]["code"]) == (409, "idempotency_key_reused"), answer
    assert hall.server.service.last_seq == before


async def test_quota_and_one_ticket_per_id(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    limited = Service(
        id="social", name="社保医保", prefix="A", field="general", floor="1F", daily_quota=2
    )
    config = small_hall(open_all_hours=True)
    config = type(config)(**{**config.__dict__, "services": (limited, *config.services[1:])})
    hall = await start_hall(config)
    kiosk = await hall.device("kiosk-1", "kiosk")
    person = {"service": "social", "id_number": "11010519491231002X"}
    assert (await hall.call("POST", "/api/v1/tickets", kiosk, person))[0] == 201
    status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, person)
    assert (status, answer["error"]["code"]) == (409, "already_waiting")
    assert (await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}))[0] == 201
    status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert (status, answer["error"]["code"]) == (409, "quota_exhausted")
    rows = await hall.server.journal.read()
    assert "11010519491231002X" not in json.dumps([r.data for r in rows])


async def test_outside_issuing_hours(start_hall: Callable[..., Awaitable[RunningHall]]) -> None:
    night = FakeClock(dt.datetime(2026, 11, 23, 21, 0, tzinfo=SHANGHAI))
    hall = await start_hall(small_hall(), clock=night)
    kiosk = await hall.device("kiosk-1", "kiosk")
    status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert (status, answer["error"]["code"]) == (409, "hall_closed")


async def test_ratings_rules(start_hall: Callable[..., Awaitable[RunningHall]]) -> None:
    hall = await start_hall(small_hall(open_all_hours=True, policy=Policy()))
    kiosk = await hall.device("kiosk-1", "kiosk")
    station = await hall.device("station-1", "station", window="1")
    pad1 = await hall.device("pad-1", "pad", window="1")
    pad2 = await hall.device("pad-2", "pad", window="2")
    _, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    ticket = issued["ticket"]["id"]
    for pad in (pad1, pad2):  # at no window yet: not served, whichever pad asks
        status, answer = await hall.call(
            "POST", "/api/v1/ratings", pad, {"ticket": ticket, "level": 5}
        )
        assert (status, answer["error"]["code"]) == (409, "not_served")
    await hall.call("POST", "/api/v1/windows/1/open", station)
    await hall.call("POST", "/api/v1/windows/1/call-next", station)
    status, answer = await hall.call(
        "POST", "/api/v1/ratings", pad1, {"ticket": ticket, "level": 5}
    )
    assert (status, answer["error"]["code"]) == (409, "not_served")
    await hall.call("POST", "/api/v1/windows/1/finish", station)
    # Window 2's pad may not rate what window 1 served, whatever else its body holds.
    for body in ({"ticket": ticket, "level": 5}, {"ticket": ticket, "level": 9, "x": 1}):
        status, answer = await hall.call("POST", "/api/v1/ratings", pad2, body)
        assert (status, answer["error"]["code"]) == (403, "forbidden")
    status, answer = await hall.call(
        "POST", "/api/v1/ratings", pad1, {"ticket": ticket, "level": 2}
    )
    assert (status, answer["error"]["code"]) == (422, "reason_required")
    status, answer = await hall.call(
        "POST", "/api/v1/ratings", pad1, {"ticket": ticket, "level": 2, "tags": ["517"]}
    )
    assert (status, answer["error"]["code"]) == (422, "invalid_request")
    status, recorded = await hall.call(
        "POST", "/api/v1/ratings", pad1, {"ticket": ticket, "level": 2, "tags": ["214"]}
    )
    assert status == 201
    assert recorded["rating"]["level"] == 2 and recorded["rating"]["tags"] == ["214"]
    assert (recorded["rating"]["window"], recorded["rating"]["service"]) == ("1", "social")
    status, answer = await hall.call(
        "POST", "/api/v1/ratings", pad1, {"ticket": ticket, "level": 5}
    )
    assert (status, answer["error"]["code"]) == (409, "already_rated")
    status, answer = await hall.call(
        "POST", "/api/v1/ratings", pad1, {"ticket": "nope", "level": 5}
    )
    assert (status, answer["error"]["code"]) == (404, "unknown_ticket")
