"""好差评 through the real server: pads, the phone, 差评 cases, deadlines, alerts, 替岗."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from helpers import SHANGHAI, FakeClock, RunningHall, small_hall

from queue_server.config.holiday_files import load_calendar
from queue_server.domain.hall import HallConfig, RatingSettings, UpstreamSettings
from queue_server.ratings.protect import RaterVault

StartHall = Callable[..., Awaitable[RunningHall]]


def rating_hall(**settings: Any) -> HallConfig:
    base = small_hall(open_all_hours=True)
    ratings = RatingSettings(calendar=load_calendar(), **settings)
    return dataclasses.replace(base, ratings=ratings)


async def served_ticket(hall: RunningHall, clerk: str, window: str = "1") -> str:
    """A ticket issued, called and finished at `window`; its id."""
    kiosk = await hall.device(f"kiosk-{uuid.uuid4().hex[:8]}", "kiosk")
    status, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert status == 201, issued
    status, called = await hall.call("POST", f"/api/v1/windows/{window}/call-next", clerk)
    assert status == 200 and called["ticket"]["id"] == issued["ticket"]["id"], called
    status, _ = await hall.call("POST", f"/api/v1/windows/{window}/finish", clerk)
    assert status == 200
    return str(issued["ticket"]["id"])


async def test_a_finish_opens_the_rating_on_that_windows_pad_only(start_hall: StartHall) -> None:
    hall = await start_hall(rating_hall())
    clerk = await hall.clerk_at("1", "wang", "王芳", "1001")
    pad_1 = await hall.device("pad-1", "pad", window="1")
    pad_2 = await hall.device("pad-2", "pad", window="2")
    ticket = await served_ticket(hall, clerk)
    status, detail = await hall.call("GET", "/api/v1/windows/1", clerk)
    assert detail["window"]["rating"]["ticket"] == ticket
    body = {"ticket": ticket, "level": 5, "tags": ["517"]}
    status, answer = await hall.call("POST", "/api/v1/ratings", pad_2, body)
    assert (status, answer["error"]["code"]) == (403, "forbidden")  # window 1 served it
    status, answer = await hall.call("POST", "/api/v1/ratings", pad_1, body)
    assert status == 201, answer
    rating = answer["rating"]
    assert (rating["window"], rating["level_name"], rating["channel"]) == ("1", "非常满意", 4)
    assert rating["clerk"] == {"name": "王芳", "staff_no": "1001"}
    status, answer = await hall.call("POST", "/api/v1/ratings", pad_1, body)
    assert (status, answer["error"]["code"]) == (409, "already_rated")
    status, detail = await hall.call("GET", "/api/v1/windows/1", clerk)
    assert detail["window"]["rating"] is None
    assert detail["today"]["served"] == 1 and detail["today"]["ratings"] == 1


async def test_the_pads_offer_ends_when_the_next_citizen_s_service_starts(
    start_hall: StartHall,
) -> None:
    """The next citizen sits down within the pad's time: the pad must not offer them the
    previous citizen's service (its QR code still rates it by phone)."""
    hall = await start_hall(rating_hall())
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    kiosk = await hall.device("kiosk-next", "kiosk")
    first = await served_ticket(hall, clerk)
    assert (await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"}))[0] == 201
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", clerk))[0] == 200
    _, detail = await hall.call("GET", "/api/v1/windows/1", clerk)
    assert detail["window"]["rating"]["ticket"] == first  # still at the window: may rate
    assert (await hall.call("POST", "/api/v1/windows/1/start", clerk))[0] == 200
    _, detail = await hall.call("GET", "/api/v1/windows/1", clerk)
    assert detail["window"]["rating"] is None
    body = {"ticket": first, "level": 5, "tags": ["517"]}
    status, answer = await hall.call("POST", "/api/v1/ratings", pad, body)
    assert (status, answer["error"]["code"]) == (409, "rating_closed")


async def test_a_key_pad_press_counts_only_while_the_rating_is_open(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(rating_hall(key_pad_seconds=10), clock=clock)
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("keys-1", "pad", window="1")
    ticket = await served_ticket(hall, clerk)
    clock.advance(seconds=11)
    press = {"ticket": ticket, "level": 4, "channel": 5}
    status, answer = await hall.call("POST", "/api/v1/ratings", pad, press)
    assert (status, answer["error"]["code"]) == (409, "rating_closed")
    # The clerk asks (评价 key): the key pad counts again for another 10 seconds.
    status, _ = await hall.call("POST", "/api/v1/windows/1/ask-rating", clerk)
    assert status == 200
    clock.advance(seconds=5)
    status, answer = await hall.call("POST", "/api/v1/ratings", pad, press)
    assert status == 201 and answer["rating"]["channel"] == 5
    status, answer = await hall.call("POST", "/api/v1/windows/1/ask-rating", clerk)
    assert (status, answer["error"]["code"]) == (409, "nothing_to_rate")


async def test_a_bad_rating_without_a_tag_is_refused_and_changes_nothing(
    start_hall: StartHall,
) -> None:
    hall = await start_hall(rating_hall())
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    manager = await hall.person("li", "manager")
    ticket = await served_ticket(hall, clerk)
    status, answer = await hall.call("POST", "/api/v1/ratings", pad, {"ticket": ticket, "level": 1})
    assert (status, answer["error"]["code"]) == (422, "reason_required")
    status, cases = await hall.call("GET", "/api/v1/cases?state=all", manager)
    assert cases == {"cases": []}
    status, _ = await hall.call(
        "POST", "/api/v1/ratings", pad, {"ticket": ticket, "level": 5, "tags": ["517"]}
    )
    assert status == 201


async def test_cases_and_alerts_reach_supervisors_only(start_hall: StartHall) -> None:
    """API.md: case.opened and the alerts are on the console topic "for managers"; a clerk's
    console, a station and the pad facing the citizen never get the complaint."""
    hall = await start_hall(rating_hall())
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    station = await hall.device("station-1", "station", window="1")
    manager = await hall.person("li", "manager")
    ticket = await served_ticket(hall, clerk)
    rating = {"ticket": ticket, "level": 1, "tags": ["115"], "comment": "等了很久"}
    seen: dict[str, list[str]] = {}
    tokens = {"manager": manager, "clerk": clerk, "pad": pad, "station": station}
    streams = {
        who: await hall.http.ws_connect(f"{hall.url}/ws?topics=console&token={token}")
        for who, token in tokens.items()
    }
    for ws in streams.values():
        await ws.receive_json()  # the snapshot
    assert (await hall.call("POST", "/api/v1/ratings", pad, rating))[0] == 201
    # A last change every console carries, so that each has seen everything before it.
    assert (await hall.call("POST", "/api/v1/windows/1/pause", clerk, {"reason": "休息"}))[0] == 200
    for who, ws in streams.items():
        seen[who] = []
        while not seen[who] or seen[who][-1] != "window.changed":
            seen[who].append((await ws.receive_json())["type"])
        await ws.close()
    assert seen["manager"] == ["rating.recorded", "case.opened", "alert.raised", "window.changed"]
    for who in ("clerk", "pad", "station"):
        assert seen[who] == ["rating.recorded", "window.changed"], who


async def test_a_bad_rating_opens_a_case_whose_deadlines_count_working_days(
    start_hall: StartHall,
) -> None:
    # Tuesday 29 September 2026, the day before the National Day week.
    clock = FakeClock(dt.datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI))
    hall = await start_hall(rating_hall(verify_days=1, rectify_days=5), clock=clock)
    clerk = await hall.clerk_at("1", "wang", "王芳", "1001")
    pad = await hall.device("pad-1", "pad", window="1")
    manager = await hall.person("li", "manager")
    ticket = await served_ticket(hall, clerk)
    rating = {"ticket": ticket, "level": 1, "tags": ["115"], "comment": "等了很久"}
    async with hall.http.ws_connect(f"{hall.url}/ws?topics=console&token={manager}") as ws:
        await ws.receive_json()  # the snapshot
        status, answer = await hall.call("POST", "/api/v1/ratings", pad, rating)
        assert status == 201 and answer["case"] == "20260929-001"
        kinds = [(await ws.receive_json())["type"] for _ in range(3)]
    assert kinds == ["rating.recorded", "case.opened", "alert.raised"]
    status, found = await hall.call("GET", "/api/v1/cases/20260929-001", manager)
    case = found["case"]
    # 30 September is the first working day; 1-7 October are the holiday; then Thursday 8,
    # Friday 9, make-up Saturday 10 and Monday 12 October.
    assert case["deadlines"]["verify"].startswith("2026-09-30T23:59:59")
    assert case["deadlines"]["rectify"].startswith("2026-10-12T23:59:59")
    assert case["rating"]["tag_names"] == ["服务态度差效率低"]
    status, alerts = await hall.call("GET", "/api/v1/alerts?open=1", manager)
    assert [a["kind"] for a in alerts["alerts"]] == ["bad_rating"]


async def test_the_bad_rating_alert_names_a_clerk_without_a_public_name_by_login(
    start_hall: StartHall,
) -> None:
    hall = await start_hall(rating_hall())
    clerk = await hall.clerk_at("1", "zhao")  # made by `hallq user add`: no name, no 工号
    pad = await hall.device("pad-1", "pad", window="1")
    manager = await hall.person("li", "manager")
    ticket = await served_ticket(hall, clerk)
    await hall.call("POST", "/api/v1/ratings", pad, {"ticket": ticket, "level": 1, "tags": ["115"]})
    _, alerts = await hall.call("GET", "/api/v1/alerts?open=1", manager)
    (alert,) = alerts["alerts"]
    assert alert["message"].startswith("1号窗口(zhao) "), alert


async def test_deadlines_counted_into_a_year_without_holidays_are_logged(
    start_hall: StartHall, caplog: pytest.LogCaptureFixture
) -> None:
    # Monday 21 December 2026: 15 working days run into 2027, whose holidays are not known.
    clock = FakeClock(dt.datetime(2026, 12, 21, 10, 0, tzinfo=SHANGHAI))
    caplog.set_level(logging.WARNING, logger="queue_server.server")
    hall = await start_hall(rating_hall(verify_days=1, rectify_days=15), clock=clock)
    said = [r.getMessage() for r in caplog.records]
    assert [m for m in said if "no holiday file for 2027" in m and "2027.toml" in m]
    caplog.clear()

    clerk = await hall.clerk_at("1", "wang", "王芳", "1001")
    pad = await hall.device("pad-1", "pad", window="1")
    ticket = await served_ticket(hall, clerk)
    rating = {"ticket": ticket, "level": 1, "tags": ["115"], "comment": "等了很久"}
    status, answer = await hall.call("POST", "/api/v1/ratings", pad, rating)
    assert status == 201
    said = [r.getMessage() for r in caplog.records]
    # The verify deadline (22 December) is in a known year; the rectify one is not.
    assert [m.split(",")[0] for m in said if "deadline" in m] == [
        f"case {answer['case']}: the rectify deadline 2027-01-11 may be early"
    ]


async def test_an_overdue_case_raises_an_alert_once(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(rating_hall(verify_days=1), clock=clock)
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    manager = await hall.person("li", "manager")
    ticket = await served_ticket(hall, clerk)
    await hall.call("POST", "/api/v1/ratings", pad, {"ticket": ticket, "level": 2, "tags": ["214"]})
    await hall.server.service.supervise()
    status, overdue = await hall.call("GET", "/api/v1/cases?state=overdue", manager)
    assert overdue == {"cases": []}
    clock.advance(days=2)  # Monday 09:00 -> Wednesday: verify was due by Tuesday night
    await hall.server.service.supervise()
    await hall.server.service.supervise()
    status, overdue = await hall.call("GET", "/api/v1/cases?state=overdue", manager)
    assert [c["overdue"] for c in overdue["cases"]] == [["verify"]]
    status, alerts = await hall.call("GET", "/api/v1/alerts", manager)
    assert sorted(a["kind"] for a in alerts["alerts"]) == ["bad_rating", "case_overdue"]
    alert_id = next(a["id"] for a in alerts["alerts"] if a["kind"] == "case_overdue")
    status, acked = await hall.call("POST", f"/api/v1/alerts/{alert_id}/ack", manager)
    assert status == 200 and acked["alert"]["acknowledged_by"] == "user:li"


async def test_case_steps_follow_up_and_an_upheld_appeal(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(rating_hall(), clock=clock)
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    manager = await hall.person("li", "manager")
    first = await served_ticket(hall, clerk)
    _, answer = await hall.call(
        "POST", "/api/v1/ratings", pad, {"ticket": first, "level": 2, "tags": ["213"]}
    )
    case = answer["case"]
    note = {"note": "已核实"}
    status, answer = await hall.call("POST", f"/api/v1/cases/{case}/close", manager, note)
    assert (status, answer["error"]["code"]) == (409, "invalid_case_action")
    follow = {"level": 5, "tags": ["517"]}
    status, answer = await hall.call("POST", f"/api/v1/cases/{case}/follow-up", manager, follow)
    assert (status, answer["error"]["code"]) == (409, "follow_up_not_allowed")
    for action in ("verify", "rectify"):
        status, answer = await hall.call("POST", f"/api/v1/cases/{case}/{action}", manager, note)
        assert status == 200, answer
    status, answer = await hall.call("POST", f"/api/v1/cases/{case}/follow-up", manager, follow)
    assert status == 201 and answer["rating"]["follow_up"] and answer["rating"]["channel"] == 6
    status, answer = await hall.call("POST", f"/api/v1/cases/{case}/follow-up", manager, follow)
    assert (status, answer["error"]["code"]) == (409, "follow_up_not_allowed")
    for action in ("call-back", "close"):
        status, answer = await hall.call("POST", f"/api/v1/cases/{case}/{action}", manager, note)
        assert status == 200, answer
    assert answer["case"]["state"] == "closed"
    assert [s["action"] for s in answer["case"]["history"]] == [
        "verify",
        "rectify",
        "call-back",
        "close",
    ]
    # A second 差评, appealed by the clerk rated and upheld: the rating is struck.
    second = await served_ticket(hall, clerk)
    _, answer = await hall.call(
        "POST", "/api/v1/ratings", pad, {"ticket": second, "level": 1, "tags": ["115"]}
    )
    case = answer["case"]
    other = await hall.person("zhao", "clerk")
    status, _ = await hall.call("POST", f"/api/v1/cases/{case}/appeal", other, note)
    assert status == 403
    status, _ = await hall.call("POST", f"/api/v1/cases/{case}/appeal", clerk, {"note": "误评"})
    assert status == 200
    status, answer = await hall.call(
        "POST", f"/api/v1/cases/{case}/uphold-appeal", manager, {"note": "市民按错键, 已确认"}
    )
    assert answer["case"]["state"] == "struck"
    assert answer["case"]["rating"]["struck"] is True
    day = "2026-11-23"
    status, listed = await hall.call("GET", f"/api/v1/ratings?from={day}", manager)
    assert [(r["level"], r["follow_up"], r["struck"]) for r in listed["ratings"]] == [
        (2, False, False),
        (5, True, False),
        (1, False, True),
    ]
    status, figures = await hall.call("GET", "/api/v1/ratings/figures?month=2026-11", manager)
    total = figures["total"]
    # Two services; the first rated (差评, with a 追评 kept apart), the second struck.
    assert (total["served"], total["ratings"], total["bad"], total["follow_ups"]) == (2, 1, 1, 1)
    status, text = await hall.call("GET", f"/api/v1/ratings.csv?from={day}", manager)
    assert status == 200 and text.count("\n") == 4


async def test_the_phone_rates_with_the_key_printed_in_the_qr(start_hall: StartHall) -> None:
    hall = await start_hall(rating_hall())
    clerk = await hall.clerk_at("1", "wang")
    kiosk = await hall.device("kiosk-phone", "kiosk")
    _, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    ticket, key = issued["ticket"]["id"], issued["rating_key"]
    _, public = await hall.call("GET", f"/api/v1/tickets/{ticket}")
    assert "rating_key" not in public
    status, form = await hall.call("GET", f"/api/v1/tickets/{ticket}/rating?key={key}")
    assert status == 200 and form["open"] is False
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    await hall.call("POST", "/api/v1/windows/1/finish", clerk)
    status, form = await hall.call("GET", f"/api/v1/tickets/{ticket}/rating?key={key}")
    assert form["open"] is True and form["window"] == "1"
    body = {"key": "wrong-key", "level": 4, "tags": ["413"]}
    status, answer = await hall.call("POST", f"/api/v1/tickets/{ticket}/rating", None, body)
    assert status == 403 and answer["error"]["message"].startswith("评价链接不完整"), answer
    status, answer = await hall.call(
        "POST", f"/api/v1/tickets/{ticket}/rating", None, {**body, "key": key}
    )
    assert status == 201 and answer["rating"]["channel"] == 3
    status, answer = await hall.call(
        "POST", f"/api/v1/tickets/{ticket}/rating", None, {**body, "key": key}
    )
    assert (status, answer["error"]["code"]) == (409, "rating_closed")


async def test_both_steps_of_a_route_served_at_one_window_are_rated_by_phone(
    start_hall: StartHall,
) -> None:
    hall = await start_hall(rating_hall())
    clerk = await hall.clerk_at("1", "wang")
    kiosk = await hall.device("kiosk-phone", "kiosk")
    _, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "estate"})
    ticket, key = issued["ticket"]["id"], issued["rating_key"]
    for _step in ("estate", "pickup"):  # window 1 takes both
        for action in ("call-next", "start", "finish"):
            status, seen = await hall.call("POST", f"/api/v1/windows/1/{action}", clerk)
            assert status == 200, seen
    rated = []
    for _offered in range(2):
        _, form = await hall.call("GET", f"/api/v1/tickets/{ticket}/rating?key={key}")
        body = {"key": key, "level": 5, "tags": []}
        status, answer = await hall.call("POST", f"/api/v1/tickets/{ticket}/rating", None, body)
        assert status == 201, answer
        rated.append((form["service"], answer["rating"]["service"]))
    assert rated == [("pickup", "pickup"), ("estate", "estate")]


async def test_the_rater_is_sealed_in_the_journal(start_hall: StartHall) -> None:
    hall = await start_hall(rating_hall())
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    ticket = await served_ticket(hall, clerk)
    rater = {"name": "张三", "id_type": "身份证", "id_number": "110101199001011234"}
    status, _ = await hall.call(
        "POST", "/api/v1/ratings", pad, {"ticket": ticket, "level": 5, "rater": rater}
    )
    assert status == 201
    events = await hall.server.journal.read()
    stored = next(e for e in events if e.type == "rating.recorded")
    assert "110101199001011234" not in str(stored.data) and "张三" not in str(stored.data)
    vault = RaterVault(await hall.server.accounts.secret("rater-seal"))
    assert vault.open(stored.data["rater"]) == rater


async def test_a_substitute_takes_over_a_window_keeping_its_ticket(start_hall: StartHall) -> None:
    hall = await start_hall(rating_hall())
    first = await hall.clerk_at("1", "wang", "王芳", "1001")
    kiosk = await hall.device("kiosk-1", "kiosk")
    await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    _, called = await hall.call("POST", "/api/v1/windows/1/call-next", first)
    substitute = await hall.person("zhao", display_name="赵强", staff_no="1002")
    status, answer = await hall.call(
        "POST", "/api/v1/windows/1/hand-over", substitute, {"reason": "临时替班"}
    )
    assert status == 200, answer
    assert answer["window"]["clerk"] == {"name": "赵强", "staff_no": "1002"}
    assert answer["window"]["ticket"]["id"] == called["ticket"]["id"]
    status, answer = await hall.call("POST", "/api/v1/windows/1/finish", first)
    assert status == 403  # the first clerk is no longer signed in there
    status, answer = await hall.call("POST", "/api/v1/windows/1/finish", substitute)
    assert status == 200
    status, answer = await hall.call(
        "POST", "/api/v1/windows/1/hand-over", substitute, {"reason": "x"}
    )
    assert (status, answer["error"]["code"]) == (409, "already_yours")
    status, detail = await hall.call("GET", "/api/v1/windows/1", substitute)
    assert detail["today"]["clerk"] == "zhao" and detail["today"]["served"] == 1


async def test_ratings_reach_the_provincial_upstream_with_the_rater(
    start_hall: StartHall,
) -> None:
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def province(request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == "Bearer t0ken"
        for record in (await request.json())["records"]:
            received.put_nowait(record)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/appraise", province)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        upstream = UpstreamSettings("provincial", f"http://127.0.0.1:{port}/appraise", "t0ken")
        hall = await start_hall(rating_hall(upstream=upstream))
        clerk = await hall.clerk_at("1", "wang", "王芳", "1001")
        pad = await hall.device("pad-1", "pad", window="1")
        ticket = await served_ticket(hall, clerk)
        body = {"ticket": ticket, "level": 4, "tags": ["413"], "rater": {"name": "张三"}}
        status, _ = await hall.call("POST", "/api/v1/ratings", pad, body)
        assert status == 201
        record = await asyncio.wait_for(received.get(), timeout=10)
    finally:
        await runner.cleanup()
    assert (record["satisfaction"], record["evalDetail"], record["pf"]) == (4, "413", 4)
    assert (record["windowNo"], record["staffNo"]) == ("1", "1001")
    assert "张三" in record.values()


async def test_an_unrated_service_gets_the_default_rating_after_n_days(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(rating_hall(default_after_days=2, default_level=3), clock=clock)
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    manager = await hall.person("li", "manager")
    rated = await served_ticket(hall, clerk)
    await hall.call("POST", "/api/v1/ratings", pad, {"ticket": rated, "level": 5})
    unrated = await served_ticket(hall, clerk)
    for _ in range(2):  # Tuesday and Wednesday are still the citizen's days to rate
        clock.advance(days=1)
        await hall.server.service.supervise()
        _, listed = await hall.call("GET", "/api/v1/ratings?from=2026-11-23&to=2026-11-26", manager)
        assert [r["ticket"] for r in listed["ratings"]] == [rated]
    clock.advance(days=1)
    await hall.server.service.supervise()
    await hall.server.service.supervise()  # given once only
    _, listed = await hall.call("GET", "/api/v1/ratings?from=2026-11-23&to=2026-11-26", manager)
    default = listed["ratings"][-1]
    assert len(listed["ratings"]) == 2 and default["ticket"] == unrated
    assert (default["level"], default["default"], default["channel"]) == (3, True, 0)
    _, figures = await hall.call("GET", "/api/v1/ratings/figures?month=2026-11", manager)
    total = figures["total"]
    # Two served, two rated (one by default), one actively: 主动评价 counts only the citizen's.
    assert (total["served"], total["ratings"], total["active"], total["default"]) == (2, 2, 1, 1)
    assert total["unrated_rate"] == 0.5


async def test_the_case_number_given_at_finish_travels_with_the_rating(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(rating_hall(), clock=clock)
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    _, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    status, answer = await hall.call(
        "POST", "/api/v1/windows/1/finish", clerk, {"case_no": "bad number!"}
    )
    assert (status, answer["error"]["code"]) == (422, "invalid_request")
    status, _ = await hall.call(
        "POST", "/api/v1/windows/1/finish", clerk, {"case_no": "500101-2026-000042"}
    )
    assert status == 200
    body = {"ticket": issued["ticket"]["id"], "level": 5}
    _, rated = await hall.call("POST", "/api/v1/ratings", pad, body)
    assert rated["rating"]["case_no"] == "500101-2026-000042"
    _, text = await hall.call("GET", "/api/v1/ratings.csv?from=2026-11-23", manager)
    assert "500101-2026-000042" in text


async def test_the_case_number_given_at_a_call_back_goes_with_the_ticket_it_finishes(
    start_hall: StartHall, clock: FakeClock
) -> None:
    """回呼 with a citizen at the window finishes them first, as call-next does: the 办件编号
    the clerk typed for that citizen must not be lost."""
    hall = await start_hall(rating_hall(), clock=clock)
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    kiosk = await hall.device("kiosk-1", "kiosk")
    _, missed = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    _, served = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    await hall.call("POST", "/api/v1/windows/1/no-show", clerk, {"reason": "未到"})
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    back = {"ticket": missed["ticket"]["id"], "case_no": "bad number!"}
    status, answer = await hall.call("POST", "/api/v1/windows/1/call-back", clerk, back)
    assert (status, answer["error"]["code"]) == (422, "invalid_request")
    assert "case_no" in answer["error"]["message"]
    back["case_no"] = "500101-2026-000043"
    status, answer = await hall.call("POST", "/api/v1/windows/1/call-back", clerk, back)
    assert status == 200 and answer["ticket"]["id"] == missed["ticket"]["id"], answer
    body = {"ticket": served["ticket"]["id"], "level": 5}
    _, rated = await hall.call("POST", "/api/v1/ratings", pad, body)
    assert rated["rating"]["case_no"] == "500101-2026-000043"


async def test_a_follow_up_is_taken_weeks_after_the_service_as_rectifying_takes(
    start_hall: StartHall, clock: FakeClock
) -> None:
    """整改 has 15 working days: the 追评 after it comes weeks after the service, long after
    the phone's 7 days; the phone page and the supervisor's call back must still take it."""
    hall = await start_hall(rating_hall(), clock=clock)
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-phone", "kiosk")
    _, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    ticket, key = issued["ticket"]["id"], issued["rating_key"]
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    await hall.call("POST", "/api/v1/windows/1/finish", clerk)
    bad = {"ticket": ticket, "level": 1, "tags": ["115"]}
    _, answer = await hall.call("POST", "/api/v1/ratings", pad, bad)
    case = answer["case"]
    note = {"note": "已处理"}
    assert (await hall.call("POST", f"/api/v1/cases/{case}/verify", manager, note))[0] == 200
    clock.advance(days=20)  # 整改 on the last working days; the hall served others meanwhile
    await served_ticket(hall, clerk)
    assert (await hall.call("POST", f"/api/v1/cases/{case}/rectify", manager, note))[0] == 200
    status, form = await hall.call("GET", f"/api/v1/tickets/{ticket}/rating?key={key}")
    assert (status, form["open"], form["follow_up"]) == (200, True, True), form
    status, answer = await hall.call(
        "POST", f"/api/v1/tickets/{ticket}/rating", None, {"key": key, "level": 4, "tags": []}
    )
    assert status == 201 and answer["rating"]["follow_up"], answer
    status, answer = await hall.call(
        "POST", f"/api/v1/cases/{case}/follow-up", manager, {"level": 5, "tags": ["517"]}
    )
    assert (status, answer["error"]["code"]) == (409, "follow_up_not_allowed")
    status, found = await hall.call("GET", f"/api/v1/cases/{case}", manager)
    assert found["case"]["follow_up"]["level"] == 4 and not found["case"]["follow_up_allowed"]


async def test_the_supervisor_takes_a_follow_up_weeks_later_on_the_call_back(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(rating_hall(), clock=clock)
    clerk = await hall.clerk_at("1", "wang")
    pad = await hall.device("pad-1", "pad", window="1")
    manager = await hall.person("li", "manager")
    ticket = await served_ticket(hall, clerk)
    bad = {"ticket": ticket, "level": 2, "tags": ["213"]}
    _, answer = await hall.call("POST", "/api/v1/ratings", pad, bad)
    case = answer["case"]
    clock.advance(days=20)
    await served_ticket(hall, clerk)  # a new day's first ticket: the old services are let go
    note = {"note": "已整改"}
    assert (await hall.call("POST", f"/api/v1/cases/{case}/rectify", manager, note))[0] == 200
    status, answer = await hall.call(
        "POST", f"/api/v1/cases/{case}/follow-up", manager, {"level": 5, "tags": ["517"]}
    )
    assert status == 201 and answer["rating"]["follow_up"], answer
    assert answer["rating"]["ticket"] == ticket


async def test_the_default_rating_waits_until_the_citizen_s_days_to_rate_are_over(
    start_hall: StartHall, clock: FakeClock
) -> None:
    """DOMAIN.md's example, 基本满意 after 7 days, with the phone's 7 days: the QR code still
    rates on the 7th day after the service, so the default comes only on the 8th."""
    hall = await start_hall(rating_hall(default_after_days=7, phone_days=7), clock=clock)
    clerk = await hall.clerk_at("1", "wang")
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-phone", "kiosk")
    _, issued = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    ticket, key = issued["ticket"]["id"], issued["rating_key"]
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    await hall.call("POST", "/api/v1/windows/1/finish", clerk)  # Monday 23 November
    unrated = await served_ticket(hall, clerk)
    clock.advance(days=7, hours=6)  # Monday 30 November, 15:00: the phone's last day
    await hall.server.service.supervise()
    status, answer = await hall.call(
        "POST", f"/api/v1/tickets/{ticket}/rating", None, {"key": key, "level": 4, "tags": []}
    )
    assert status == 201, answer
    clock.advance(hours=9, minutes=1)  # Tuesday 1 December, 00:01
    await hall.server.service.supervise()
    _, listed = await hall.call("GET", "/api/v1/ratings?from=2026-11-30&to=2026-12-01", manager)
    assert [(r["ticket"], r["default"]) for r in listed["ratings"]] == [
        (ticket, False),
        (unrated, True),
    ]
    _, figures = await hall.call("GET", "/api/v1/ratings/figures?month=2026-11", manager)
    assert (figures["total"]["ratings"], figures["total"]["default"]) == (2, 1)


async def test_a_bad_rating_struck_on_appeal_reaches_the_upstream_struck(
    start_hall: StartHall,
) -> None:
    """The province had the 差评 the moment it was given; an upheld appeal must reach it too,
    or the provincial figures keep a rating the hall's own no longer count."""
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def province(request: web.Request) -> web.Response:
        for record in (await request.json())["records"]:
            received.put_nowait(record)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/appraise", province)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        upstream = UpstreamSettings("provincial", f"http://127.0.0.1:{port}/appraise", "t0ken")
        hall = await start_hall(rating_hall(upstream=upstream))
        clerk = await hall.clerk_at("1", "wang", "王芳", "1001")
        pad = await hall.device("pad-1", "pad", window="1")
        manager = await hall.person("li", "manager")
        ticket = await served_ticket(hall, clerk)
        bad = {"ticket": ticket, "level": 1, "tags": ["115"], "rater": {"name": "张三"}}
        _, answer = await hall.call("POST", "/api/v1/ratings", pad, bad)
        case = answer["case"]
        given = await asyncio.wait_for(received.get(), timeout=10)
        note = {"note": "核实中"}
        for action, who in (("verify", manager), ("appeal", clerk)):
            assert (await hall.call("POST", f"/api/v1/cases/{case}/{action}", who, note))[0] == 200
        reason = {"note": "市民按错键, 已确认"}
        status, _ = await hall.call("POST", f"/api/v1/cases/{case}/uphold-appeal", manager, reason)
        assert status == 200
        # At once, not at the outbox's next poll (30 s).
        struck = await asyncio.wait_for(received.get(), timeout=10)
    finally:
        await runner.cleanup()
    assert (given["isStruck"], struck["isStruck"]) == (0, 1)
    assert struck["appraiseId"] == given["appraiseId"]
    assert (struck["strikeReason"], struck["userName"]) == ("市民按错键, 已确认", "张三")
