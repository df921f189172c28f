"""Every POST route's body fuzzed through real HTTP with strategies read off its shape:
a malformed body gets 422 invalid_request naming the field at fault, a well-formed one never
a server error, and neither changes the hall unless it is accepted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from body_strategies import Bad, encode, malformed, valid_body
from hypothesis import HealthCheck, given, settings
from threaded_hall import BusyHall, ThreadedHall

from queue_server.web import requests as rq
from queue_server.web.api import _WINDOW_ACTIONS
from queue_server.web.openapi import OPERATIONS
from queue_server.web.openapi.operations import WINDOW_ACTION_PREFIX
from queue_server.web.planner_routes import RUN, RUN_BODY

MALFORMED_PER_ROUTE = 250
VALID_PER_ROUTE = 60
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
# Ids that reach past "not found" (a device or person's name here is nobody's: a fuzzed
# revoke or unlock must not take the other tests' tokens away).
PATH_VALUES = {"window": "1", "alert": "nope", "change": "nope", "name": "nope", "username": "nope"}
# Real values a valid body may carry, so that some bodies are taken.
REAL_VALUES = {
    "service": ["social", "estate", "company", "pickup"],
    "window": ["1", "2", "3"],
    "services": ["social", "company"],
    "tags": ["214", "101", "115"],
}


def body_shape(path: str) -> rq.Shape | None:
    if path.startswith(WINDOW_ACTION_PREFIX):
        return _WINDOW_ACTIONS[path.removeprefix(WINDOW_ACTION_PREFIX)][0]
    if path == RUN:
        return RUN_BODY
    return OPERATIONS[("post", path)].body


POST_ROUTES = sorted(path for method, path in OPERATIONS if method == "post")


def caller_for(path: str) -> str | None:
    """The token name of a caller allowed this route (None: it takes no token)."""
    if path.endswith("/hand-over"):  # 替岗: a clerk taking over, never a station
        return "clerk-1"
    op = OPERATIONS[("post", path)]
    if op.roles is None:
        return None
    roles = {str(role) for role in op.roles}
    for name, role in (("station-1", "station"), ("pad-1", "pad"), ("kiosk", "kiosk")):
        if role in roles and (op.window_bound or roles <= {"pad", "kiosk", "board", "station"}):
            return name
    return "manager" if "manager" in roles else "admin"


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BusyHall]:
    hall = ThreadedHall(tmp_path_factory.mktemp("body-fuzz") / "hall.db")
    hall.start()
    try:
        yield BusyHall(hall)
    finally:
        hall.stop()


class Route:
    def __init__(self, busy: BusyHall, template: str) -> None:
        values = {**PATH_VALUES, **busy.known}
        self.path = template.format(**{name: values[name] for name in _parameters(template)})
        caller = caller_for(template)
        self.token = None if caller is None else busy.tokens[caller]
        self.hall = busy.hall
        self.known = {**REAL_VALUES, "ticket": [busy.known["ticket"]]}

    def post(self, raw: bytes) -> tuple[int, Any]:
        before = self.hall.seq
        status, _, answer = self.hall.send("POST", self.path, self.token, raw)
        assert status < 500, (status, answer)
        parsed = json.loads(answer)
        if status >= 400:
            assert set(parsed) == {"error"} and set(parsed["error"]) == {"code", "message"}
            assert self.hall.seq == before, parsed
        return status, parsed


def _parameters(template: str) -> list[str]:
    return [part[1:-1] for part in template.split("/") if part.startswith("{")]


@pytest.mark.parametrize("template", POST_ROUTES)
def test_malformed_bodies_are_refused_naming_the_field(busy: BusyHall, template: str) -> None:
    shape = body_shape(template)
    assert shape is not None, f"{template} declares no body shape"
    route = Route(busy, template)

    @settings(FUZZ, max_examples=MALFORMED_PER_ROUTE)
    @given(malformed(shape, route.known))
    def refused(bad: Bad) -> None:
        status, answer = route.post(bad.raw)
        assert (status, answer["error"]["code"]) == (422, "invalid_request"), (bad, answer)
        assert answer["error"]["message"].startswith(f"{bad.field}:"), (bad.field, answer)

    refused()


@pytest.mark.parametrize("template", [p for p in POST_ROUTES if p != RUN])
def test_well_formed_bodies_never_fail_the_server(busy: BusyHall, template: str) -> None:
    """Taken, or refused by the hall's state (or a rule across fields), never a 5xx."""
    shape = body_shape(template)
    assert shape is not None
    route = Route(busy, template)

    @settings(FUZZ, max_examples=VALID_PER_ROUTE)
    @given(valid_body(shape, route.known))
    def answered(body: dict[str, Any]) -> None:
        route.post(encode(body))

    answered()
