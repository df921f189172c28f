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
