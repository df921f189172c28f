"""The planner on the wire: a job started, polled to its answer; one at a time; bad bodies."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from helpers import SHANGHAI, RunningHall, small_hall

from queue_server.planner.apart import CHILD_NAME, PlanOrder, work
from queue_server.planner.demand import demand_from_profile, served_only
from queue_server.planner.profile import load_profile
from queue_server.planner.target import Target
from queue_server.server import HallServer
from queue_server.web.planner_routes import live_config

RUN = "/api/v1/planner/run"
SMALL = {"profile": "county", "replications": 1, "max_simulations": 4, "seed": 3}
LONG = {"profile": "county", "replications": 100, "max_simulations": 200}

StartHall = Callable[..., Awaitable[RunningHall]]


async def finished(hall: RunningHall, token: str, job: str, *, seconds: float = 20) -> Any:
    """Polls the job until it is no longer running."""
    for _ in range(int(seconds * 20)):
        status, answer = await hall.call("GET", f"/api/v1/planner/jobs/{job}", token)
        assert status == 200, answer
        if answer["state"] != "running":
            return answer
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job} still running after {seconds} s")


async def planner_child(*, seconds: float = 20) -> multiprocessing.process.BaseProcess:
    """The process a running job simulates in, once it has started."""
    for _ in range(int(seconds * 20)):
        children = [p for p in multiprocessing.active_children() if p.name == CHILD_NAME]
        if children:
            (child,) = children
            return child
        await asyncio.sleep(0.05)
    raise AssertionError(f"no planner process after {seconds} s")


async def test_a_profile_run_ends_with_the_hourly_recommendation(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    status, answer = await hall.call("POST", RUN, manager, {**SMALL, "target_minutes": 20})
    assert status == 202, answer
    done = await finished(hall, manager, answer["job"])
    assert done["state"] == "done", done
    assert done["progress"] == 1.0
    assert done["kind"] == "recommend"
    assert done["error"] is None
    assert done["demand"]
    result = done["result"]
    assert result["target"] == {"minutes": 20.0, "share": 0.9}
    assert {p["id"] for p in result["pools"]} == {"general-1", "domain-3"}
    assert result["hours"] and set(result["hours"][0]["windows"]) == {"general-1", "domain-3"}
    assert 1 <= result["simulations"] <= 4
    # The county profile names services this small hall lacks: the page shows why.
    assert any("未计入" in note for note in done["notes"])


async def test_the_same_seed_gives_the_same_answer(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    answers = []
    for _ in range(2):
        status, started = await hall.call("POST", RUN, manager, SMALL)
        assert status == 202, started
        answers.append((await finished(hall, manager, started["job"]))["result"])
    assert answers[0] == answers[1]


async def test_a_journal_run_reads_the_halls_own_days(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    for service in ("social", "social", "estate"):
        status, _ = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": service})
        assert status == 201
    today = dt.datetime.now(SHANGHAI).date().isoformat()
    body = {"from": today, "to": today, "replications": 1, "max_simulations": 3}
    status, answer = await hall.call("POST", RUN, manager, body)
    assert status == 202, answer
    done = await finished(hall, manager, answer["job"])
    assert done["state"] == "done", done
    assert done["result"]["hours"]


async def test_a_journal_without_tickets_fails_the_job_with_the_reason(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    body = {"from": "2020-01-01", "to": "2020-01-31", "replications": 1}
    status, answer = await hall.call("POST", RUN, manager, body)
    assert status == 202, answer
    done = await finished(hall, manager, answer["job"])
    assert done["state"] == "failed"
    assert done["result"] is None
    assert "no tickets" in done["error"]


async def test_one_job_at_a_time(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    status, first = await hall.call("POST", RUN, manager, LONG)
    assert status == 202, first
    status, refused = await hall.call("POST", RUN, manager, SMALL)
    assert status == 409, refused
    assert refused["error"]["code"] == "planner_busy"
    status, running = await hall.call("GET", f"/api/v1/planner/jobs/{first['job']}", manager)
    assert status == 200
    assert running["state"] == "running"
    assert 0 <= running["progress"] < 1
    # The server stops the job when it stops (the fixture's teardown): nothing left over.


async def test_the_simulations_run_in_a_process_of_their_own_and_report_progress(
    start_hall: StartHall,
) -> None:
    # In a thread of the server they would hold up every call-next for the GIL.
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    status, started = await hall.call("POST", RUN, manager, LONG)
    assert status == 202, started
    child = await planner_child()
    assert child.pid != os.getpid()
    for _ in range(400):
        status, job = await hall.call("GET", f"/api/v1/planner/jobs/{started['job']}", manager)
        assert status == 200 and job["state"] == "running", job
        if job["progress"] > 0:
            break
        await asyncio.sleep(0.05)
    assert 0 < job["progress"] < 1


async def test_the_answer_is_the_one_the_planner_gives_in_the_servers_own_process(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    status, started = await hall.call("POST", RUN, manager, SMALL)
    assert status == 202, started
    done = await finished(hall, manager, started["job"])
    assert done["state"] == "done", done
    async with hall.server.service.consistent() as state:
        config = live_config(state)
    wanted = served_only(demand_from_profile(load_profile("county"), config), config)
    here = work(PlanOrder(config, wanted, Target(15, 0.9), 1, 3, 4), lambda done, most: None)
    assert done["result"] == json.loads(json.dumps(here))


async def test_a_killed_planner_process_fails_the_job_saying_so(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    status, started = await hall.call("POST", RUN, manager, LONG)
    assert status == 202, started
    os.kill((await planner_child()).pid or 0, signal.SIGKILL)  # as the out-of-memory killer
    done = await finished(hall, manager, started["job"])
    assert done["state"] == "failed"
    assert done["error"].startswith("测算进程意外结束（被信号 9 终止），没有得出结果"), done
    # The planner is free again.
    status, again = await hall.call("POST", RUN, manager, SMALL)
    assert status == 202, again
    assert (await finished(hall, manager, again["job"]))["state"] == "done"


async def test_no_planner_process_outlives_the_servers_stop(tmp_path: Path) -> None:
    server = HallServer(small_hall(open_all_hours=True), tmp_path / "hall.db", port=0)
    await server.start()
    hall = RunningHall(server, aiohttp.ClientSession())
    try:
        manager = await hall.person("li", "manager")
        status, started = await hall.call("POST", RUN, manager, LONG)
        assert status == 202, started
        child = await planner_child()
    finally:
        await hall.http.close()
        await server.stop()
    assert not child.is_alive()
    assert child.exitcode is not None


async def test_a_what_if_against_another_hall(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    services = "".join(
        f'[[services]]\nid = "{sid}"\nname = "{sid}"\nprefix = "{prefix}"\n'
        'field = "general"\nfloor = "1F"\nmean_service_minutes = 6\n'
        for sid, prefix in (("social", "A"), ("estate", "B"), ("company", "C"), ("pickup", "D"))
    )
    windows = "".join(
        f'[[windows]]\nid = "{n}"\nlabel = "{n}号窗口"\nfloor = "1F"\nkind = "general"\n'
        'services = ["social", "estate", "company", "pickup"]\n'
        for n in (1, 2, 3)
    )
    other = (
        '[hall]\nname = "试点大厅"\n'
        "[hours]\nsessions = ["
        '{start = "08:30", end = "12:00"}, {start = "14:00", end = "17:30"}]\n'
        '[[floors]]\nid = "1F"\nlabel = "一楼"\n'
        '[[fields]]\nid = "general"\nname = "综合"\n' + services + windows
    )
    body = {**SMALL, "compare": other}
    status, answer = await hall.call("POST", RUN, manager, body)
    assert status == 202, answer
    done = await finished(hall, manager, answer["job"])
    assert done["state"] == "done", done
    assert done["kind"] == "compare"
    assert done["result"]["second"]["name"] == "试点大厅"
    assert done["result"]["second"]["windows"] == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "from"),
        ({"profile": "village"}, "profile"),
        ({"profile": "county", "from": "2026-11-01", "to": "2026-11-02"}, "profile"),
        ({"from": "2026-11-01"}, "to"),
        ({"from": "2026-11-05", "to": "2026-11-01"}, "to"),
        ({"from": "2026-13-01", "to": "2026-13-02"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
        ({"from": "2026-11-01", "to": "9999-12-31"}, "to"),
        ({"profile": "county", "target_minutes": 0}, "target_minutes"),
        ({"profile": "county", "target_share": "0.9"}, "target_share"),
        ({"profile": "county", "target_share": 1.5}, "target_share"),
        ({"profile": "county", "replications": 0}, "replications"),
        ({"profile": "county", "seed": -1}, "seed"),
        ({"profile": "county", "compare": 3}, "compare"),
        ({"profile": "county", "compare": "name = "}, "compare"),
        ({"profile": "county", "workers": 4}, "workers"),
    ],
)
async def test_bad_bodies_name_the_field(
    start_hall: StartHall, body: dict[str, Any], field: str
) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    status, answer = await hall.call("POST", RUN, manager, body)
    assert status == 422, answer
    assert answer["error"]["message"].startswith(f"{field}:"), answer


async def test_only_supervisors_plan(start_hall: StartHall) -> None:
    hall = await start_hall()
    clerk = await hall.person("wang", "clerk")
    status, _ = await hall.call("POST", RUN, None, SMALL)
    assert status == 401
    status, answer = await hall.call("POST", RUN, clerk, SMALL)
    assert status == 403, answer
    status, answer = await hall.call("GET", "/api/v1/planner/jobs/nope", clerk)
    assert status == 403, answer
    admin = await hall.person("root", "admin")
    status, answer = await hall.call("GET", "/api/v1/planner/jobs/nope", admin)
    assert status == 404
    assert answer["error"]["code"] == "unknown_job"


async def _tune_services(hall: RunningHall, token: str, window: str, *services: str) -> None:
    body = {"kind": "window_services", "window": window, "services": list(services)}
    status, answer = await hall.call("POST", "/api/v1/tuning", token, body)
    assert status == 201, answer


async def test_the_plan_is_for_the_windows_as_tuned_now(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    await _tune_services(hall, manager, "2", "company")
    status, answer = await hall.call("POST", RUN, manager, SMALL)
    assert status == 202, answer
    done = await finished(hall, manager, answer["job"])
    assert done["state"] == "done", done
    pools = {p["id"]: (p["windows"], p["services"]) for p in done["result"]["pools"]}
    assert pools == {
        "general-1": (["1"], ["social", "estate", "pickup"]),
        "general-2": (["2"], ["company"]),
        "domain-3": (["3"], ["company"]),
    }


async def test_a_service_no_window_takes_now_is_left_out_and_said(
    start_hall: StartHall, tmp_path: Path
) -> None:
    # Tuning refuses to leave a service without a window; a new hall file can, on restart.
    db = tmp_path / "planned.db"
    hall = await start_hall(db_path=db)
    await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    for service in ("social", "company", "company"):
        status, _ = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": service})
        assert status == 201
    await hall.server.stop()
    config = small_hall(open_all_hours=True)
    no_company = tuple(
        dataclasses.replace(w, services=("social",), overflow=()) if w.id == "3" else w
        for w in config.windows
    )
    hall = await start_hall(dataclasses.replace(config, windows=no_company), db_path=db)
    login = {"username": "li", "password": "correct horse battery"}
    manager = (await hall.call("POST", "/api/v1/session", None, login))[1]["token"]
    today = dt.datetime.now(SHANGHAI).date().isoformat()
    body = {"from": today, "to": today, "replications": 1, "max_simulations": 3}
    status, answer = await hall.call("POST", RUN, manager, body)
    assert status == 202, answer
    done = await finished(hall, manager, answer["job"])
    assert done["state"] == "done", done
    assert any(note.startswith("企业开办(company): 目前没有窗口办理") for note in done["notes"])
    assert "company" not in done["result"]["result"]["by_service"]


async def test_reading_the_history_never_waits_for_the_journals_writer(
    start_hall: StartHall,
) -> None:
    # Weeks of a busy hall take seconds to read: read through the server's own journal,
    # they would hold up its writer (every call-next) meanwhile, and wait for it in turn.
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    status, _ = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert status == 201
    today = dt.datetime.now(SHANGHAI).date().isoformat()
    body = {"from": today, "to": today, "replications": 1, "max_simulations": 2}
    async with hall.server.journal._lock:  # the writer in the middle of a long commit
        status, answer = await hall.call("POST", RUN, manager, body)
        assert status == 202, answer
        done = await finished(hall, manager, answer["job"], seconds=10)
    assert done["state"] == "done", done
