"""Tuning the hall (audited, undoable) and the supervisors' alerts, through the real server."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from helpers import FakeClock, RunningHall, small_hall

from queue_server.domain.hall import AlertSettings, HallConfig

StartHall = Callable[..., Awaitable[RunningHall]]


def alert_hall(**settings: Any) -> HallConfig:
    return dataclasses.replace(small_hall(open_all_hours=True), alerts=AlertSettings(**settings))


async def issue(hall: RunningHall, kiosk: str, service: str) -> tuple[int, Any]:
    return await hall.call("POST", "/api/v1/tickets", kiosk, {"service": service})


async def test_a_service_moved_to_another_window_changes_who_calls_it(
    start_hall: StartHall, tmp_path: Path
) -> None:
    db = tmp_path / "tuning.db"
    hall = await start_hall(db_path=db)
    manager = await hall.person("li", "manager")
    clerk = await hall.clerk_at("1", "wang")
    kiosk = await hall.device("kiosk-1", "kiosk")
    _, company = await issue(hall, kiosk, "company")
    status, answer = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert (status, answer["error"]["code"]) == (404, "queue_empty")
    move = {"kind": "window_services", "window": "1", "services": ["social", "company"]}
    status, answer = await hall.call("POST", "/api/v1/tuning", manager, move)
    assert status == 201, answer
    change = answer["change"]
    assert change["before"] == {"services": ["social", "estate", "pickup"], "overflow": []}
    assert (change["after"]["services"], change["by"]) == (["social", "company"], "user:li")
    status, answer = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert answer["ticket"]["id"] == company["ticket"]["id"]
    # The change outlives a restart; then it is undone, once.
    await hall.server.stop()
    hall = await start_hall(db_path=db)
    manager = (await hall.call("POST", "/api/v1/session", None, _login("li")))[1]["token"]
    _, detail = await hall.call("GET", "/api/v1/hall", manager)
    assert next(w for w in detail["windows"] if w["id"] == "1")["services"] == [
        "social",
        "company",
    ]
    status, undone = await hall.call("POST", f"/api/v1/tuning/{change['id']}/undo", manager)
    assert status == 201 and undone["change"]["undoes"] == change["id"]
    status, answer = await hall.call("POST", f"/api/v1/tuning/{change['id']}/undo", manager)
    assert (status, answer["error"]["code"]) == (409, "already_undone")
    _, history = await hall.call("GET", "/api/v1/tuning", manager)
    assert [c["id"] for c in history["changes"]] == [undone["change"]["id"], change["id"]]
    assert history["changes"][1]["undone_by"] == undone["change"]["id"]
    _, detail = await hall.call("GET", "/api/v1/hall", manager)
    assert next(w for w in detail["windows"] if w["id"] == "1")["services"] == [
        "social",
        "estate",
        "pickup",
    ]


def _login(name: str) -> dict[str, str]:
    return {"username": name, "password": "correct horse battery"}


async def test_quotas_and_paused_issuing_apply_at_once(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    clerk = await hall.person("wang", "clerk")
    kiosk = await hall.device("kiosk-1", "kiosk")
    body = {"kind": "quota", "service": "social", "daily_quota": 1}
    status, _ = await hall.call("POST", "/api/v1/tuning", clerk, body)
    assert status == 403
    status, _ = await hall.call("POST", "/api/v1/tuning", manager, body)
    assert status == 201
    assert (await issue(hall, kiosk, "social"))[0] == 201
    status, answer = await issue(hall, kiosk, "social")
    assert (status, answer["error"]["code"]) == (409, "quota_exhausted")
    pause = {"kind": "issuing", "service": "estate", "paused": True, "reason": "系统维护"}
    status, _ = await hall.call("POST", "/api/v1/tuning", manager, pause)
    assert status == 201
    status, answer = await issue(hall, kiosk, "estate")
    assert (status, answer["error"]["code"]) == (409, "service_paused")
    assert "系统维护" in answer["error"]["message"]
    _, view = await hall.call("GET", "/api/v1/hall")
    estate = next(s for s in view["services"] if s["id"] == "estate")
    social = next(s for s in view["services"] if s["id"] == "social")
    assert (estate["issuing_paused"], social["daily_quota"]) == ("系统维护", 1)
    status, answer = await hall.call(
        "POST", "/api/v1/tuning", manager, {**pause, "paused": False, "reason": None}
    )
    assert status == 201 and answer["change"]["after"] == {"paused": False, "reason": None}
    assert (await issue(hall, kiosk, "estate"))[0] == 201
    # The same again changes nothing; bad tuning is refused and changes nothing.
    status, answer = await hall.call("POST", "/api/v1/tuning", manager, body)
    assert (status, answer) == (200, {"change": None})
    bad = {"kind": "window_services", "window": "1", "services": []}
    status, answer = await hall.call("POST", "/api/v1/tuning", manager, bad)
    assert (status, answer["error"]["code"]) == (409, "invalid_tuning")
    status, answer = await hall.call("POST", "/api/v1/tuning", manager, {**body, "window": "1"})
    assert (status, answer["error"]["code"]) == (422, "invalid_request")
    assert "window" in answer["error"]["message"]
    _, history = await hall.call("GET", "/api/v1/tuning", manager)
    assert len(history["changes"]) == 3


async def test_a_service_s_tuning_reaches_the_board_topic_without_who(
    start_hall: StartHall,
) -> None:
    """Kiosks follow the board topic: a paused service or a new quota must reach them at once
    (they grey the tile), without the manager's name; a window's services stay staff news."""
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    pause = {"kind": "issuing", "service": "estate", "paused": True, "reason": "系统维护"}
    services = {"kind": "window_services", "window": "1", "services": ["estate"]}
    async with hall.http.ws_connect(f"{hall.url}/ws?topics=board") as board:
        await board.receive_json()  # the snapshot
        assert (await hall.call("POST", "/api/v1/tuning", manager, services))[0] == 201
        assert (await hall.call("POST", "/api/v1/tuning", manager, pause))[0] == 201
        message = await board.receive_json()
    assert message["type"] == "tuning.changed"
    assert (message["kind"], message["service"]) == ("issuing", "estate")
    assert "li" not in str(message) and "change" not in message


async def open_alerts(hall: RunningHall, manager: str) -> dict[str, dict[str, Any]]:
    _, listed = await hall.call("GET", "/api/v1/alerts", manager)
    return {a["id"].split("@")[0]: a for a in listed["alerts"]}


async def test_waits_pauses_and_device_faults_raise_and_clear_alerts(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(alert_hall(queue_length=1, staffed=("2",)), clock=clock)
    manager = await hall.person("li", "manager")
    clerk = await hall.clerk_at("1", "wang")
    kiosk = await hall.device("kiosk-1", "kiosk")
    supervise = hall.server.service.supervise
    await supervise()
    assert set(await open_alerts(hall, manager)) == {"unstaffed:2"}
    await issue(hall, kiosk, "social")
    await issue(hall, kiosk, "social")
    clock.advance(minutes=16)
    await supervise()
    alerts = await open_alerts(hall, manager)
    assert {"wait_yellow:social", "queue_long:social"} <= set(alerts)
    clock.advance(minutes=15)
    await supervise()
    await supervise()  # nothing new: one alert per condition
    alerts = await open_alerts(hall, manager)
    assert alerts["wait_yellow:social"]["cleared_at"] is not None
    assert alerts["wait_red:social"]["cleared_at"] is None
    assert "31分钟" in alerts["wait_red:social"]["message"]
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    await hall.call("POST", "/api/v1/windows/1/finish", clerk)
    await hall.call("POST", "/api/v1/windows/1/pause", clerk, {"reason": "休息"})
    kiosk_report = {"component": "printer", "condition": "paper_out"}
    await hall.call("POST", "/api/v1/devices/self/status", kiosk, kiosk_report)
    clock.advance(minutes=31)
    await supervise()
    alerts = await open_alerts(hall, manager)
    assert alerts["wait_red:social"]["cleared_at"] is not None
    assert alerts["pause_long:1"]["cleared_at"] is None
    assert alerts["device_fault:device:kiosk-1:printer"]["cleared_at"] is None
    assert alerts["device_fault:device:kiosk-1:printer"]["message"] == "kiosk-1的打印机缺纸"
    await hall.call(
        "POST", "/api/v1/devices/self/status", kiosk, {**kiosk_report, "condition": "ok"}
    )
    await supervise()
    alerts = await open_alerts(hall, manager)
    assert alerts["device_fault:device:kiosk-1:printer"]["cleared_at"] is not None
    alert_id = alerts["pause_long:1"]["id"]
    status, acked = await hall.call("POST", f"/api/v1/alerts/{alert_id}/ack", manager)
    assert status == 200 and acked["alert"]["acknowledged_by"] == "user:li"
    _, still_open = await hall.call("GET", "/api/v1/alerts?open=1", manager)
    assert alert_id not in {a["id"] for a in still_open["alerts"]}


async def test_every_alert_raised_is_posted_to_the_webhook(start_hall: StartHall) -> None:
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        received.put_nowait(await request.json())
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        hall = await start_hall(alert_hall(webhook=f"http://127.0.0.1:{port}/hook"))
        kiosk = await hall.device("kiosk-1", "kiosk")
        report = {"component": "printer", "condition": "cover_open"}
        await hall.call("POST", "/api/v1/devices/self/status", kiosk, report)
        await hall.server.service.supervise()
        alert = await asyncio.wait_for(received.get(), timeout=10)
    finally:
        await runner.cleanup()
    assert (alert["kind"], alert["subject"]) == ("device_fault", "device:kiosk-1")
    assert alert["message"] == "kiosk-1的打印机纸仓打开"


async def tune(hall: RunningHall, token: str, **body: Any) -> tuple[int, Any]:
    return await hall.call("POST", "/api/v1/tuning", token, body)


async def test_a_manager_closes_and_reopens_a_window_through_tuning(
    start_hall: StartHall, tmp_path: Path
) -> None:
    db = tmp_path / "windows.db"
    hall = await start_hall(db_path=db)
    manager = await hall.person("li", "manager")
    clerk = await hall.clerk_at("1", "wang")
    kiosk = await hall.device("kiosk-1", "kiosk")
    await issue(hall, kiosk, "social")
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    # Closing refuses a window with a current ticket, exactly like the close action.
    status, answer = await tune(hall, manager, kind="window_open", window="1", open=False)
    assert (status, answer["error"]["code"]) == (409, "window_busy")
    await hall.call("POST", "/api/v1/windows/1/finish", clerk)
    status, closed = await tune(hall, manager, kind="window_open", window="1", open=False)
    assert status == 201, closed
    change = closed["change"]
    assert (change["kind"], change["target"], change["by"]) == ("window_open", "1", "user:li")
    assert (change["before"], change["after"]) == ({"open": True}, {"open": False})
    _, window = await hall.call("GET", "/api/v1/windows/1", manager)
    assert (window["window"]["state"], window["window"]["clerk"]) == ("closed", None)
    station = await hall.device("station-1", "station", window="1")
    status, answer = await hall.call("POST", "/api/v1/windows/1/call-next", station)
    assert (status, answer["error"]["code"]) == (409, "window_not_open")
    # Opened by the manager: open, with nobody signed in.
    status, opened = await tune(hall, manager, kind="window_open", window="2", open=True)
    assert status == 201 and opened["change"]["after"] == {"open": True}
    _, window = await hall.call("GET", "/api/v1/windows/2", manager)
    assert (window["window"]["state"], window["window"]["clerk_username"]) == ("idle", None)
    status, answer = await tune(hall, manager, kind="window_open", window="2", open=True)
    assert (status, answer) == (200, {"change": None})
    status, answer = await tune(hall, manager, kind="window_open", window="9", open=True)
    assert (status, answer["error"]["code"]) == (404, "unknown_window")
    # Both in the history, after a restart too; undoing the close opens window 1 again.
    await hall.server.stop()
    hall = await start_hall(db_path=db)
    manager = (await hall.call("POST", "/api/v1/session", None, _login("li")))[1]["token"]
    _, history = await hall.call("GET", "/api/v1/tuning", manager)
    assert [c["id"] for c in history["changes"]] == [opened["change"]["id"], change["id"]]
    _, window = await hall.call("GET", "/api/v1/windows/1", manager)
    assert window["window"]["state"] == "closed"
    status, undone = await hall.call("POST", f"/api/v1/tuning/{change['id']}/undo", manager)
    assert status == 201, undone
    assert (undone["change"]["undoes"], undone["change"]["after"]) == (change["id"], {"open": True})
    _, window = await hall.call("GET", "/api/v1/windows/1", manager)
    assert window["window"]["state"] == "idle"
    status, answer = await hall.call("POST", f"/api/v1/tuning/{change['id']}/undo", manager)
    assert (status, answer["error"]["code"]) == (409, "already_undone")
    # A clerk signs in at the window the manager opened; a second clerk cannot.
    clerk = await hall.person("zhou", "clerk")
    status, answer = await hall.call("POST", "/api/v1/windows/2/open", clerk)
    assert status == 200 and answer["window"]["clerk_username"] == "zhou", answer
    other = await hall.person("wu", "clerk")
    status, answer = await hall.call("POST", "/api/v1/windows/2/open", other)
    assert (status, answer["error"]["code"]) == (409, "window_occupied")
    # Undoing the opening of window 2 is refused while the clerk there has a current ticket.
    kiosk = await hall.device("kiosk-2", "kiosk")
    await issue(hall, kiosk, "social")
    status, answer = await hall.call("POST", "/api/v1/windows/2/call-next", clerk)
    assert status == 200, answer
    status, answer = await hall.call(
        "POST", f"/api/v1/tuning/{opened['change']['id']}/undo", manager
    )
    assert (status, answer["error"]["code"]) == (409, "window_busy")


async def test_pin_and_unpin_change_who_is_called_next(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    clerk = await hall.clerk_at("1", "wang")
    kiosk = await hall.device("kiosk-1", "kiosk")
    numbers = {}
    for _ in range(3):
        _, answer = await issue(hall, kiosk, "social")
        numbers[answer["ticket"]["number"]] = answer["ticket"]["id"]
    third = numbers["A003"]
    status, pinned = await tune(hall, manager, kind="pin", ticket=third, pinned=True)
    assert status == 201, pinned
    assert pinned["change"]["after"] == {"pinned": True, "number": "A003"}
    second = numbers["A002"]
    await tune(hall, manager, kind="pin", ticket=second, pinned=True)
    async with hall.http.ws_connect(f"{hall.url}/ws?topics=board") as board:
        assert (await board.receive_json(timeout=5))["type"] == "snapshot"
        status, unpinned = await tune(hall, manager, kind="pin", ticket=second, pinned=False)
        message = await board.receive_json(timeout=5)
    assert status == 201 and unpinned["change"]["after"] == {"pinned": False, "number": "A002"}
    assert message["type"] == "ticket.unpinned"
    assert (message["ticket"]["number"], message["ticket"]["pinned"]) == ("A002", False)
    _, listed = await hall.call("GET", "/api/v1/tickets?state=waiting", manager)
    assert [t["number"] for t in listed["tickets"]] == ["A003", "A001", "A002"]
    # Undoing the pin puts A003 back at its own place: A001 is called first.
    status, undone = await hall.call(
        "POST", f"/api/v1/tuning/{pinned['change']['id']}/undo", manager
    )
    assert status == 201 and undone["change"]["after"] == {"pinned": False, "number": "A003"}
    _, answer = await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    assert answer["ticket"]["number"] == "A001"
    status, answer = await tune(hall, manager, kind="pin", ticket=numbers["A001"], pinned=True)
    assert (status, answer["error"]["code"]) == (409, "not_waiting")
    status, answer = await tune(hall, manager, kind="pin", ticket="nope", pinned=True)
    assert (status, answer["error"]["code"]) == (404, "unknown_ticket")
    status, answer = await tune(hall, manager, kind="pin", ticket=third, open=True)
    assert (status, answer["error"]["code"]) == (422, "invalid_request")
    assert "open" in answer["error"]["message"]


async def test_the_waiting_list_is_in_dispatch_order_for_supervisors_only(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(clock=clock)
    manager = await hall.person("li", "manager")
    clerk = await hall.clerk_at("1", "wang")
    kiosk = await hall.device("kiosk-1", "kiosk")
    await issue(hall, kiosk, "social")
    clock.advance(minutes=4)
    await issue(hall, kiosk, "company")
    clock.advance(minutes=2)
    _, green = await hall.call(
        "POST", "/api/v1/tickets", kiosk, {"service": "estate", "priority": "green"}
    )
    clock.advance(minutes=3)
    _, listed = await hall.call("GET", "/api/v1/tickets?state=waiting", manager)
    tickets = listed["tickets"]
    assert [t["number"] for t in tickets] == [green["ticket"]["number"], "A001", "C001"]
    assert [t["wait_minutes"] for t in tickets] == [3.0, 9.0, 5.0]
    assert (tickets[0]["priority"], tickets[1]["pinned"]) == ("green", False)
    assert set(tickets[1]) == {
        "id", "number", "service", "priority", "pinned", "transferred", "issued_at",
        "wait_minutes",
    }  # fmt: skip
    _, default = await hall.call("GET", "/api/v1/tickets", manager)
    assert default == listed
    # Sent on to its route's next step, or transferred, it has waited a minute in the line
    # it is in now, as the live hall and the wait alerts count it.
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)  # the green one
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)  # A001; the green one on
    await hall.call("POST", "/api/v1/windows/1/transfer", clerk, {"service": "company"})
    clock.advance(minutes=1)
    _, listed = await hall.call("GET", "/api/v1/tickets?state=waiting", manager)
    waits = {t["number"]: t["wait_minutes"] for t in listed["tickets"]}
    assert waits == {green["ticket"]["number"]: 1.0, "A001": 1.0, "C001": 6.0}, listed
    status, answer = await hall.call("GET", "/api/v1/tickets?state=done", manager)
    assert (status, answer["error"]["code"]) == (422, "invalid_request")
    assert "state" in answer["error"]["message"]
    status, answer = await hall.call("GET", "/api/v1/tickets?state=waiting", clerk)
    assert (status, answer["error"]["code"]) == (403, "forbidden")
    status, answer = await tune(hall, clerk, kind="window_open", window="2", open=True)
    assert (status, answer["error"]["code"]) == (403, "forbidden")
    status, _ = await hall.call("GET", "/api/v1/tickets?state=waiting")
    assert status == 401


async def test_staff_see_the_halls_alert_thresholds(start_hall: StartHall) -> None:
    hall = await start_hall(alert_hall(wait_yellow_minutes=10, wait_red_minutes=20))
    manager = await hall.person("li", "manager")
    _, staff = await hall.call("GET", "/api/v1/hall", manager)
    assert staff["alerts"] == {"wait_yellow_minutes": 10, "wait_red_minutes": 20}
    _, public = await hall.call("GET", "/api/v1/hall")
    assert "alerts" not in public


async def test_tuning_never_stops_a_service_silently(start_hall: StartHall) -> None:
    """A quota below today's tickets, or a service taken from the one window that takes it,
    is refused with 409 naming the field or service and the count; nothing is journalled."""
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    for service in ("social", "social", "social", "company"):
        assert (await issue(hall, kiosk, service))[0] == 201
    status, answer = await tune(hall, manager, kind="quota", service="social", daily_quota=1)
    assert (status, answer["error"]["code"]) == (409, "quota_below_issued")
    assert "今日已取 3 号" in answer["error"]["message"]
    assert "每日限号 1" in answer["error"]["message"]
    status, answer = await tune(hall, manager, kind="quota", service="social", session_quota=2)
    assert (status, answer["error"]["code"]) == (409, "quota_below_issued")
    assert "本场已取 3 号，每场限号 2" in answer["error"]["message"]
    status, answer = await tune(
        hall, manager, kind="window_services", window="3", services=["social"]
    )
    assert (status, answer["error"]["code"]) == (409, "service_unserved")
    assert "企业开办只有3号窗口受理，还有 1 人在等" in answer["error"]["message"]
    _, history = await hall.call("GET", "/api/v1/tuning", manager)
    assert history["changes"] == []
    # The deliberate ways are accepted: the quota at today's count, company kept as overflow.
    status, answer = await tune(hall, manager, kind="quota", service="social", daily_quota=3)
    assert status == 201, answer
    status, answer = await issue(hall, kiosk, "social")
    assert (status, answer["error"]["code"]) == (409, "quota_exhausted")
    status, answer = await tune(
        hall,
        manager,
        kind="window_services",
        window="3",
        services=["social"],
        overflow=["company"],
    )
    assert status == 201, answer
