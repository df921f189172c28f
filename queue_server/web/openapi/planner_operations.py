"""Operations of the staffing planner (a background job per run) and the manager console."""

from __future__ import annotations

from collections.abc import Mapping

from queue_server.web.auth import SUPERVISORS
from queue_server.web.openapi.operations import Op
from queue_server.web.openapi.schema import _array, _enum, _object, _string, _when
from queue_server.web.planner_routes import JOB, KEEP_JOBS, RUN

_JOB_STATE = _object(
    {
        "id": _string(),
        "kind": _enum(["recommend", "compare"]),
        "state": _enum(["running", "done", "failed"]),
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "started_at": _when(),
        "demand": _string(nullable=True, description="Where the demand came from."),
        "notes": _array(_string()),
        "result": {
            "description": "When done: the recommendation (as `hallq plan --json` prints it "
            "under `recommendation`), or for a what-if the comparison (`first`, `second`).",
            "anyOf": [{"type": "object"}, {"type": "null"}],
        },
        "error": _string(nullable=True),
    }
)
_BODY = (
    'Body (every field optional, null = default): `{"profile": "county"|"city", "from": '
    '"YYYY-MM-DD", "to": "YYYY-MM-DD", "target_minutes": 15, "target_share": 0.9, '
    '"replications": 10, "seed": 0, "max_simulations": 60, "compare": null}`. Give either '
    "`profile` (a built-in workload profile) or `from` and `to` (the average day of the "
    "hall's own journal in those days). `target_minutes` 1-240 and `target_share` 0.5-0.999 "
    "are numbers; `replications` 1-100, `max_simulations` 1-200. `compare`: another hall "
    "config (TOML text) to run a what-if against this hall on the same demand, every window "
    "open. A field out of range is 422 naming it."
)

PLANNER_OPERATIONS: Mapping[tuple[str, str], Op] = {
    ("post", RUN): Op(
        "Start a staffing plan (or a what-if)",
        "Runs the planner's recommendation — the fewest windows of each pool per hour meeting "
        "the waiting target — in the background; read its progress and answer at "
        "`GET /api/v1/planner/jobs/{job}`. One job runs at a time per server. " + _BODY,
        tag="planner",
        roles=SUPERVISORS,
        answer=_object({"job": _string()}),
        status=202,
        # The body is checked in planner_routes (decimals, TOML): documented in words above.
        errors=("invalid_request", "planner_busy"),
        extension=True,
    ),
    ("get", JOB): Op(
        "A staffing plan's progress and answer",
        "`progress` runs from 0 to 1; `result` is set once `state` is `done`, `error` once "
        f"`failed`. The server keeps the last {KEEP_JOBS} finished jobs, in memory only.",
        tag="planner",
        roles=SUPERVISORS,
        answer=_JOB_STATE,
        errors=("unknown_job",),
        extension=True,
    ),
    ("get", "/manager"): Op(
        "The manager console",
        "Live hall, tuning, alerts, 差评 cases, reports and the planner, for managers.",
        tag="pages",
        media="text/html",
        answer={"type": "string", "description": "An HTML page."},
        extension=True,
    ),
}
