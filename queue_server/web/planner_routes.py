"""The staffing planner on the wire: a recommendation (or a what-if) run as a background job."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import math
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from queue_server.config import ConfigError
from queue_server.config.loader import parse_hall
from queue_server.domain.errors import Conflict, NotFound
from queue_server.domain.hall import HallConfig
from queue_server.domain.state import Hall
from queue_server.planner.apart import (
    PlanChildDied,
    PlanChildFailed,
    PlanOrder,
    PlanStopped,
    run_apart,
)
from queue_server.planner.demand import Demand, demand_from_profile, served_only
from queue_server.planner.errors import PlannerError
from queue_server.planner.journal import demand_from_database, demand_from_journal
from queue_server.planner.profile import BUILTIN_PROFILES, load_profile
from queue_server.planner.target import Target
from queue_server.store.eventlog import EventLog
from queue_server.store.sqlite_log import SqliteEventLog
from queue_server.web import requests as rq
from queue_server.web.auth import SUPERVISORS, require_principal, require_role
from queue_server.web.context import context
from queue_server.web.replies import reply

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

RUN = "/api/v1/planner/run"
JOB = "/api/v1/planner/jobs/{job}"
KEEP_JOBS = 5  # finished jobs kept for their pages to read; the running one always is
LONGEST_RANGE_DAYS = 366
DATE = rq.Text(max_length=10, min_length=10, pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The fields Shape can check; the two decimals and the other hall's TOML are checked below.
RUN_BODY = rq.Shape(
    {},
    {
        "profile": rq.Text(max_length=16, choices=BUILTIN_PROFILES),
        "from": DATE,
        "to": DATE,
        "replications": rq.Integer(1, 100),
        "seed": rq.Integer(0, 2**31 - 1),
        "max_simulations": rq.Integer(1, 200),
    },
)
_DECIMALS = {"target_minutes": (1.0, 240.0, 15.0), "target_share": (0.5, 0.999, 0.9)}
_LONGEST_CONFIG = 60_000  # characters of the what-if hall's TOML (the body is 64 KiB at most)

# Given the demand, the plan to run (in a process of its own).
Order = Callable[[Demand], PlanOrder]


@dataclass
class Job:
    id: str
    kind: str  # "recommend" or "compare"
    started_at: dt.datetime
    done: int = 0
    most: int = 1
    state: str = "running"  # "running", "done" or "failed"
    result: dict[str, Any] | None = None
    error: str | None = None
    demand: str | None = None
    notes: list[str] = field(default_factory=list)

    def progress(self, done: int, most: int) -> None:
        self.done, self.most = done, max(most, 1)

    def view(self) -> dict[str, Any]:
        share = 1.0 if self.state != "running" else min(self.done / self.most, 0.99)
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "progress": round(share, 3),
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "demand": self.demand,
            "notes": self.notes,
            "result": self.result,
            "error": self.error,
        }


class PlannerJobs:
    """The jobs of one server: at most one running, the last few finished kept in memory."""

    def __init__(self, keep: int = KEEP_JOBS) -> None:
        self.keep = keep
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.running: Job | None = None
        self.stopping = False
        self._tasks: set[asyncio.Task[None]] = set()

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFound("unknown_job", "没有这个测算任务（服务器重启后任务不再保留）")
        return job

    def start(self, kind: str, demand: Callable[[], Awaitable[Demand]], order: Order) -> Job:
        if self.running is not None:
            raise Conflict("planner_busy", "已有一个测算正在进行，请等它完成后再试")
        job = Job(uuid.uuid4().hex[:12], kind, dt.datetime.now(dt.UTC))
        self.running = job
        self.jobs[job.id] = job
        task = asyncio.create_task(self._run(job, demand, order))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, job: Job, demand: Callable[[], Awaitable[Demand]], order: Order) -> None:
        try:
            found = await demand()
            job.demand, job.notes = found.source, list(found.notes)
            # The simulations run in a child process (a thread would hold up every call-next
            # for the GIL); this worker thread only waits for it and passes its steps on.
            # Only the child imports the simulator (apart.work): the server starts without it.
            job.result = await asyncio.to_thread(
                run_apart, order(found), job.progress, lambda: self.stopping
            )
            job.state = "done"
        except (PlannerError, ConfigError) as exc:
            job.state, job.error = "failed", str(exc)
        except PlanStopped:
            job.state, job.error = "failed", "服务器停止，测算已中止"
        except PlanChildDied as exc:
            log.error("planner job %s: its process ended with %s", job.id, exc.exitcode)
            job.state, job.error = "failed", str(exc)
        except PlanChildFailed as exc:
            log.error("planner job %s failed in its process:\n%s", job.id, exc.args[0])
            job.state, job.error = "failed", "测算出错，详见服务器日志"
        except Exception:
            log.exception("planner job %s failed", job.id)
            job.state, job.error = "failed", "测算出错，详见服务器日志"
        finally:
            self.running = None
            self._forget_old()

    def _forget_old(self) -> None:
        finished = [j for j in self.jobs.values() if j.state != "running"]
        for job in finished[: max(0, len(finished) - self.keep)]:
            del self.jobs[job.id]

    async def stop(self) -> None:
        """Ends a running job (its process killed), and waits for it."""
        self.stopping = True
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


PLANNER = web.AppKey("planner", PlannerJobs)


def setup(app: web.Application) -> None:
    """The routes and the server's job list (kept on the app; ended when the app stops)."""
    app[PLANNER] = PlannerJobs()

    async def stop_jobs(app: web.Application) -> None:
        await app[PLANNER].stop()

    app.on_shutdown.append(stop_jobs)
    app.add_routes(routes)


# -- the body ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRequest:
    profile: str | None
    first: dt.date | None
    last: dt.date | None
    target: Target
    replications: int
    seed: int
    max_simulations: int
    compare: str | None  # the other hall's TOML, for a what-if


def parse_run(raw: bytes) -> RunRequest:
    """The body of POST /api/v1/planner/run, refused (422) naming the field at fault."""
    data = rq.load_json(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise rq.InvalidRequest("body", "must be a JSON object")
    decimals = {name: _decimal(name, data.pop(name, None)) for name in _DECIMALS}
    other = data.pop("compare", None)
    if other is not None and not (isinstance(other, str) and 0 < len(other) <= _LONGEST_CONFIG):
        raise rq.InvalidRequest(
            "compare",
            f"must be a hall config (TOML text, 1 to {_LONGEST_CONFIG} characters) or null",
        )
    body = RUN_BODY.check(data, "body")
    first, last = _date(body, "from"), _date(body, "to")
    profile = body.get("profile")
    if profile is not None and (first or last):
        raise rq.InvalidRequest("profile", "give a profile or from/to (the journal), not both")
    if profile is None:
        if first is None:
            raise rq.InvalidRequest("from", "give a profile, or from and to (the journal's days)")
        if last is None:
            raise rq.InvalidRequest("to", "is required with from")
        if last < first:
            raise rq.InvalidRequest("to", "must not be before from")
        if (last - first).days >= LONGEST_RANGE_DAYS:
            raise rq.InvalidRequest("to", f"at most {LONGEST_RANGE_DAYS} days after from")
    return RunRequest(
        profile=profile,
        first=first,
        last=last,
        target=Target(decimals["target_minutes"], decimals["target_share"]),
        replications=body.get("replications", 10),
        seed=body.get("seed", 0),
        max_simulations=body.get("max_simulations", 60),
        compare=other,
    )


def _decimal(name: str, value: Any) -> float:
    low, high, default = _DECIMALS[name]
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise rq.InvalidRequest(name, "must be a number")
    if not low <= value <= high:
        raise rq.InvalidRequest(name, f"must be from {low:g} to {high:g}")
    return float(value)


def _date(body: dict[str, Any], name: str) -> dt.date | None:
    return rq.calendar_day(body[name], name) if name in body else None


def _other_hall(text: str) -> HallConfig:
    try:
        return parse_hall(text, source="compare")
    except ConfigError as exc:
        shown = "; ".join(exc.problems[:5])
        raise rq.InvalidRequest("compare", f"not a usable hall config: {shown}") from None


def live_config(hall: Hall) -> HallConfig:
    """The hall as it runs now: the windows with the services a manager's tuning gave them,
    which are the ones its tickets are called by (and not the hall file's)."""
    windows = tuple(hall.window_config[w.id] for w in hall.config.windows)
    return dataclasses.replace(hall.config, windows=windows)


async def _history(journal: EventLog, config: HallConfig, first: dt.date, last: dt.date) -> Demand:
    """The journal's days, read in a worker thread on a connection of its own: weeks of a
    busy hall are millions of events, and reading them through the server's journal would
    hold up its writer, and decoding them on its event loop every call-next, for seconds."""
    if isinstance(journal, SqliteEventLog):
        path = journal.path
        return await asyncio.to_thread(
            lambda: asyncio.run(demand_from_database(path, config, first, last))
        )
    return await demand_from_journal(journal, config, first, last)


# -- the routes --------------------------------------------------------------------------------


async def _supervisor(request: web.Request) -> None:
    require_role(await require_principal(request, context(request).accounts), SUPERVISORS)


@routes.post(RUN)
async def run(request: web.Request) -> web.Response:
    await _supervisor(request)
    ctx = context(request)
    body = parse_run(await request.read())
    other = _other_hall(body.compare) if body.compare is not None else None
    async with ctx.service.consistent() as hall:
        config = live_config(hall)

    async def demand() -> Demand:
        if body.profile is not None:
            found = demand_from_profile(load_profile(body.profile), config)
        else:
            assert body.first is not None and body.last is not None
            found = await _history(ctx.journal, config, body.first, body.last)
        return served_only(found, config)

    def order(found: Demand) -> PlanOrder:
        return PlanOrder(
            config,
            found,
            body.target,
            body.replications,
            body.seed,
            body.max_simulations,
            other,
        )

    jobs = request.app[PLANNER]
    job = jobs.start("recommend" if other is None else "compare", demand, order)
    return reply({"job": job.id}, status=202)


@routes.get(JOB)
async def job_state(request: web.Request) -> web.Response:
    await _supervisor(request)
    return reply(request.app[PLANNER].get(request.match_info["job"]).view())
