"""Every operation of the OpenAPI description fuzzed by schemathesis against a real server,
by every kind of caller: never a server error, every refusal in the error shape of API.md
and in the order of checks (401, then 403), and a refused request never changes the hall.

The server runs on its own event loop in a thread (schemathesis calls it synchronously with
requests), so its journal position can be read between two calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from threaded_hall import PEOPLE, BusyHall, ThreadedHall

DOCUMENT = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
EXAMPLES_PER_OPERATION = 80
# A planner run simulates weeks of the hall in a worker thread: callers who may start one
# are left out (the planner's own tests drive it); everyone else is still refused in order.
EXPENSIVE = {"POST /api/v1/planner/run"}
SNAKE_CASE = re.compile(r"[a-z][a-z0-9_]*")


class Caller:
    """Anonymous (token None) or the token of one role (station-1: the station of window 1)."""

    def __init__(self, name: str, role: str | None, token: str | None) -> None:
        self.name, self.role, self.token = name, role, token

    def __repr__(self) -> str:
        return self.name


class FuzzedHall(BusyHall):
    """The busy hall, and who may call each operation."""

    def callers(self, operation: schemathesis.APIOperation) -> list[Caller]:
        """Anonymous, every role allowed to call `operation`, and one role that is not."""
        allowed = set(operation.definition.raw.get("x-roles") or ())
        tokens = [Caller(name, name.split("-")[0], t) for name, t in self.tokens.items()]
        callers = [Caller("anonymous", None, None)]
        if operation.label in EXPENSIVE:
            return [*callers, *(c for c in tokens if c.role not in allowed)]
        callers += [c for c in tokens if not allowed or c.role in allowed]
        callers += [c for c in tokens if allowed and c.role not in allowed][:1]
        return callers

    def sign_in_again(self, caller: Caller) -> None:
        """After a fuzzed DELETE /api/v1/session logged `caller` out: a fresh session."""
        caller.token = self.hall.sign_in(PEOPLE[caller.name])
        self.tokens[caller.name] = caller.token
        if caller.name == "clerk-1":  # back at the window, when nobody took it meanwhile
            self.hall.call("POST", "/api/v1/windows/1/open", caller.token)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzedHall]:
    hall = ThreadedHall(tmp_path_factory.mktemp("openapi-fuzz") / "hall.db")
    hall.start()
    try:
        yield FuzzedHall(hall)
    finally:
        hall.stop()


def case_strategy(
    operation: schemathesis.APIOperation, known: dict[str, str]
) -> st.SearchStrategy[Any]:
    """Valid and invalid requests, with path parameters both free and fixed to real ids."""
    names = {p.name for p in operation.path_parameters}
    fixed = {name: known[name] for name in names if name in known}
    modes = [GenerationMode.POSITIVE]
    if operation.body or operation.query:
        modes.append(GenerationMode.NEGATIVE)
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    if fixed:
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters=fixed) for mode in modes
        ]
    return st.one_of(strategies)


def check_refusal(response: requests.Response) -> None:
    """A 4xx is {"error": {"code": snake_case, "message": text}} and nothing else."""
    answer = response.json()
    assert list(answer) == ["error"], answer
    assert set(answer["error"]) == {"code", "message"}, answer
    assert SNAKE_CASE.fullmatch(answer["error"]["code"]), answer
    assert isinstance(answer["error"]["message"], str) and answer["error"]["message"], answer


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_fuzzed_operation(fuzzed: FuzzedHall, operation: schemathesis.APIOperation) -> None:
    hall = fuzzed.hall
    callers = fuzzed.callers(operation)
    # A token is required unless no security is listed or `{}` (none) is one of the choices.
    security = operation.definition.raw.get("security") or [{}]
    secured = {} not in security
    allowed = set(operation.definition.raw.get("x-roles") or ())
    session = requests.Session()

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate),
    )
    @given(caller=st.sampled_from(callers), case=case_strategy(operation, fuzzed.known))
    def fuzz(caller: Caller, case: schemathesis.Case) -> None:
        headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
        before = hall.seq
        response = case.call(base_url=hall.url, session=session, headers=headers)
        status = response.status_code
        voice_off = status == 503 and operation.path.startswith("/voice/")
        assert status < 500 or voice_off, (caller, status, response.text)
        if status >= 400:
            check_refusal(response)
        if 400 <= status < 500:
            assert hall.seq == before, (caller, status, response.text)
        # Negative cases may drop or garble the Authorization header: judge what was sent.
        sent = response.request.headers.get("Authorization")
        if secured and (caller.token is None or sent != headers["Authorization"]):
            assert status == 401, (sent, status, response.text)
        elif secured and allowed and caller.role not in allowed:
            assert status == 403, (caller, status, response.text)
        if operation.label == "DELETE /api/v1/session" and status == 200:
            fuzzed.sign_in_again(caller)

    fuzz()
