"""The API reference: generated from the code, true to the running app, valid OpenAPI 3.1."""

from __future__ import annotations

import ast
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from helpers import RunningHall
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from route_table import app_of, concrete

from queue_server.accounts import Principal, Role
from queue_server.accounts.principal import PERSON_ROLES, WINDOW_BOUND_ROLES
from queue_server.domain import (
    cases,
    deciding,
    deciding_base,
    deciding_ratings,
    deciding_tuning,
    ratings,
)
from queue_server.domain import commands as c
from queue_server.web import openapi
from queue_server.web import requests as rq
from queue_server.web.api import _WINDOW_ACTIONS

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "openapi.json"
DOC = openapi.document()
ACTION_ROUTE = "/api/v1/windows/{window}/{action}"
# How app.py answers each kind of refusal.
STATUS_OF = {"NotFound": 404, "Conflict": 409, "InvalidRating": 422}

StartHall = Callable[..., Awaitable[RunningHall]]


def documented_operations() -> set[tuple[str, str]]:
    return {(method, path) for path, item in DOC["paths"].items() for method in item}


def app_operations(app: web.Application) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in app.router.routes():
        if route.method == "HEAD" or isinstance(route.resource, web.StaticResource):
            continue
        assert route.resource is not None
        path = route.resource.canonical
        if path == ACTION_ROUTE:
            found |= {(route.method.lower(), path.replace("{action}", a)) for a in _WINDOW_ACTIONS}
        else:
            found.add((route.method.lower(), path))
    return found


# -- (a) the document and the app have the same routes ------------------------------------------


async def test_every_route_is_documented_and_every_documented_route_exists(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    assert app_operations(app_of(hall.server)) == documented_operations()


async def test_the_server_serves_the_document(start_hall: StartHall) -> None:
    hall = await start_hall()
    assert await hall.call("GET", openapi.PATH) == (200, DOC)


# -- (b) request schemas are the Shapes of requests.py ------------------------------------------


def body_schema(path: str, method: str = "post") -> dict[str, Any]:
    ref = DOC["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    name = ref["$ref"].rsplit("/", 1)[1]
    schema: dict[str, Any] = DOC["components"]["schemas"][name]
    return schema


def test_every_shape_is_a_closed_object_with_its_required_fields() -> None:
    shapes = openapi.shape_names()
    assert {
        "LOGIN",
        "ISSUE",
        "NO_SHOW",
        "TRANSFER",
        "PAUSE",
        "TICKET_REF",
        "CANCEL",
        "RATING",
    } < set(shapes)
    for name, component in shapes.items():
        shape: rq.Shape = getattr(rq, name)
        schema = DOC["components"]["schemas"][component]
        assert schema["additionalProperties"] is False
        assert schema.get("required", []) == list(shape.required)
        assert set(schema["properties"]) == {*shape.required, *shape.optional}


def test_window_actions_take_the_body_of_their_shape() -> None:
    for action, (shape, _) in _WINDOW_ACTIONS.items():
        schema = body_schema(f"/api/v1/windows/{{window}}/{action}")
        assert schema == openapi.shape_schema(shape), action
    assert body_schema("/api/v1/windows/{window}/pause")["required"] == ["reason"]


def test_key_facts_of_the_issue_and_rating_bodies() -> None:
    issue = body_schema("/api/v1/tickets")
    assert issue["required"] == ["service"]
    assert issue["properties"]["priority"]["enum"] == ["normal", "green", None]
    rating = body_schema("/api/v1/ratings")
    assert rating["required"] == ["ticket", "level"]
    assert rating["properties"]["level"] == {"type": "integer", "minimum": 1, "maximum": 5}
    tags = rating["properties"]["tags"]
    assert tags["maxItems"] == 8 and tags["items"]["pattern"] == r"^(?:[0-9]{3})$"


_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
_WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)


def values(kind: rq.Kind) -> st.SearchStrategy[Any]:
    """Values near the edges of what a field accepts, and of the wrong kind."""
    if isinstance(kind, rq.Integer):
        return st.one_of(st.integers(kind.minimum - 2, kind.maximum + 2), _WRONG)
    if isinstance(kind, rq.TextList):
        return st.one_of(st.lists(values(kind.item), max_size=kind.max_items + 2), _WRONG)
    if isinstance(kind, rq.Nested):
        return st.one_of(bodies(kind.shape), _WRONG)
    if isinstance(kind, rq.Boolean):
        return st.one_of(st.booleans(), _WRONG)
    near = [
        _TEXT,
        st.text(min_size=max(kind.min_length - 1, 0), max_size=kind.min_length + 1),
        st.text(min_size=kind.max_length - 1, max_size=kind.max_length + 1),
        _WRONG,
    ]
    if kind.pattern:
        near.append(st.from_regex(kind.pattern, fullmatch=True))
    if kind.choices:
        near.append(st.sampled_from(kind.choices))
    return st.one_of(near)


@st.composite
def bodies(draw: st.DrawFn, shape: rq.Shape) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, kind in {**shape.required, **shape.optional}.items():
        if draw(st.integers(0, 4)):  # mostly present
            body[name] = draw(values(kind))
    if draw(st.integers(0, 9)) == 0:
        body[draw(st.sampled_from(["extra", "Service", "ticket_id"]))] = draw(_WRONG)
    return body


def accepted(shape: rq.Shape, body: dict[str, Any]) -> bool:
    try:
        shape.parse(json.dumps(body).encode())
    except rq.InvalidRequest:
        return False
    return True


@pytest.mark.parametrize("name", sorted(openapi.shape_names()))
def test_the_schema_accepts_what_the_shape_accepts(name: str) -> None:
    shape: rq.Shape = getattr(rq, name)
    validator = Draft202012Validator(openapi.shape_schema(shape))

    @settings(max_examples=300, deadline=None)
    @given(bodies(shape))
    def check(body: dict[str, Any]) -> None:
        assert validator.is_valid(body) == accepted(shape, body), body

    check()


# -- (c) the committed document is the generated one --------------------------------------------


def test_committed_document_is_fresh() -> None:
    fresh = openapi.render()
    if not COMMITTED.exists() or COMMITTED.read_text(encoding="utf-8") != fresh:
        pytest.fail(
            "docs/openapi.json is stale; regenerate it with: .venv/bin/python tools/gen_openapi.py"
        )


# -- (d) valid OpenAPI 3.1, and its error codes are the code's ----------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    assert DOC["openapi"].startswith("3.1")
    validate(DOC)


def _tree(module: Any) -> ast.Module:
    return ast.parse(Path(module.__file__).read_text(encoding="utf-8"))


def _raises(tree: ast.AST, exceptions: set[str]) -> Iterator[tuple[str, str]]:
    """(exception, code) of every `raise X("code", ...)` in the tree."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and isinstance(node.exc.func, ast.Name)
            and node.exc.func.id in exceptions
            and node.exc.args
            and isinstance(node.exc.args[0], ast.Constant)
        ):
            yield node.exc.func.id, str(node.exc.args[0].value)


def _domain_codes() -> dict[str, set[str]]:
    """Each decider method's codes, through the helpers it calls (and the rules it checks:
    check_rating of ratings.py, Case.next_state of cases.py)."""
    kinds = {"NotFound", "Conflict", "InvalidRating"}
    rules = {
        name: {code for _, code in _raises(_tree(module), kinds)}
        for name, module in (("check_rating", ratings), ("next_state", cases))
    }
    deciders = {"Decider", "RatingDecider", "TuningDecider", "DeciderBase"}
    methods = [
        fn
        for module in (deciding, deciding_ratings, deciding_tuning, deciding_base)
        for node in _tree(module).body
        if isinstance(node, ast.ClassDef) and node.name in deciders
        for fn in node.body
        if isinstance(fn, ast.FunctionDef)
    ]
    direct: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    for fn in methods:
        direct[fn.name] = {code for _, code in _raises(fn, kinds)}
        calls[fn.name] = set()
        for node in ast.walk(fn):
            func = node.func if isinstance(node, ast.Call) else None
            if isinstance(func, ast.Attribute) and ast.unparse(func.value) == "self":
                calls[fn.name].add(func.attr)
            elif isinstance(func, ast.Attribute) and func.attr in rules:
                direct[fn.name] |= rules[func.attr]
            elif isinstance(func, ast.Name) and func.id in rules:
                direct[fn.name] |= rules[func.id]

    def closure(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        codes = set(direct.get(name, ()))
        for callee in calls.get(name, set()) - seen:
            codes |= closure(callee, seen | {name})
        return codes

    return {name: closure(name) for name in direct}


def test_every_code_the_domain_raises_is_listed_with_its_status() -> None:
    for module in (deciding, deciding_base, deciding_ratings, deciding_tuning, cases, ratings):
        for exception, code in _raises(_tree(module), set(STATUS_OF)):
            assert code in openapi.ERRORS, code
            if code != "invalid_request":  # a rating's bad tag: 422 like any malformed body
                assert openapi.ERRORS[code][0] == STATUS_OF[exception], code


def documented_codes(method: str, path: str) -> set[str]:
    codes: set[str] = set()
    for response in DOC["paths"][path][method]["responses"].values():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("$ref") == "#/components/schemas/Error" and "properties" in schema:
            codes |= set(schema["properties"]["error"]["properties"]["code"]["enum"])
    return codes


def test_each_command_documents_exactly_the_codes_its_handler_raises() -> None:
    handlers = _domain_codes()
    clerk = Principal("user", "wang", Role.CLERK)
    commands: dict[tuple[str, str], type[c.Command]] = {
        ("post", "/api/v1/tickets"): c.IssueTicket,
        ("post", "/api/v1/tickets/{ticket}/pin"): c.PinTicket,
        ("post", "/api/v1/tickets/{ticket}/cancel"): c.CancelTicket,
        ("post", "/api/v1/ratings"): c.RecordRating,
        ("post", "/api/v1/tickets/{ticket}/rating"): c.RecordRating,
        ("post", "/api/v1/cases/{case}/follow-up"): c.RecordRating,
        ("post", "/api/v1/alerts/{alert}/ack"): c.AcknowledgeAlert,
        ("post", "/api/v1/tuning"): c.Tune,
        ("post", "/api/v1/tuning/{change}/undo"): c.UndoChange,
        **{("post", f"/api/v1/cases/{{case}}/{a}"): c.AdvanceCase for a in cases.CASE_STEPS},
    }
    for action, (_, make) in _WINDOW_ACTIONS.items():
        command = make("1", {"reason": "r", "ticket": "t", "service": "s"}, clerk)
        commands["post", f"/api/v1/windows/{{window}}/{action}"] = type(command)
    generic = {"unauthenticated", "forbidden", "cross_origin", "invalid_request", "unavailable"}
    # The case routes look the case up before deciding, as its handler does.
    looked_up = {"unknown_case"}
    for (method, path), command_type in commands.items():
        handler = deciding._HANDLERS[command_type].__name__
        extra = looked_up if "/cases/" in path else set()
        assert documented_codes(method, path) - generic == handlers[handler] - generic | extra, path


def test_every_listed_code_is_answered_somewhere() -> None:
    used = set().union(*(documented_codes(m, p) for m, p in documented_operations()))
    assert used == set(openapi.ERRORS)


# -- (e) the running server answers as documented -----------------------------------------------


def _strict(node: Any) -> Any:
    """A copy in which answer objects allow no fields beyond those documented."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if out.get("type") == "object" and "properties" in out:
        out.setdefault("additionalProperties", False)
    return out


STRICT = _strict(DOC)
REGISTRY: Registry[Any] = Registry().with_resource("urn:hallq", DRAFT202012.create_resource(STRICT))


def conform(method: str, path: str, status: int, answer: Any) -> None:
    responses = DOC["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method} {path} answered an undocumented {status}"
    escaped = path.replace("~", "~0").replace("/", "~1")
    pointer = f"/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"
    validator = Draft202012Validator(
        {"$ref": f"urn:hallq#{pointer}"},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer)]
    assert not errors, f"{method} {path} {status}: {errors}"


async def test_answers_conform_to_the_document(start_hall: StartHall) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    pad = await hall.device("pad-1", "pad", window="1")
    clerk = await hall.person("wang", "clerk")

    async def check(method: str, path: str, token: str | None, body: Any, template: str) -> Any:
        status, answer = await hall.call(method.upper(), path, token, body)
        conform(method, template, status, answer)
        return answer

    await check("get", "/healthz", None, None, "/healthz")
    await check("get", "/api/v1/hall", None, None, "/api/v1/hall")
    await check("get", "/api/v1/session", clerk, None, "/api/v1/session")
    issued = await check("post", "/api/v1/tickets", kiosk, {"service": "social"}, "/api/v1/tickets")
    await check("post", "/api/v1/tickets", kiosk, {"service": "estate"}, "/api/v1/tickets")
    await check("post", "/api/v1/tickets", kiosk, {"service": "nope"}, "/api/v1/tickets")
    await check("post", "/api/v1/tickets", kiosk, {"service": 1}, "/api/v1/tickets")
    ticket = issued["ticket"]["id"]
    await check("get", f"/api/v1/tickets/{ticket}", None, None, "/api/v1/tickets/{ticket}")
    await check("get", "/api/v1/tickets/nope", None, None, "/api/v1/tickets/{ticket}")
    for action in ("open", "call-next", "recall", "start", "finish", "call-next", "start"):
        path = f"/api/v1/windows/{{window}}/{action}"
        await check("post", path.format(window="1"), clerk, None, path)
    await check("get", "/api/v1/windows/1", clerk, None, "/api/v1/windows/{window}")
    rating = {"ticket": ticket, "level": 5, "tags": ["517"]}
    await check("post", "/api/v1/ratings", pad, rating, "/api/v1/ratings")
    await check("post", "/api/v1/ratings", pad, rating, "/api/v1/ratings")


async def test_roles_are_those_the_server_lets_in(start_hall: StartHall) -> None:
    """No token: 401. A role outside x-roles: 403. A role inside: neither (where not bound)."""
    hall = await start_hall()
    tokens: dict[Role, str] = {}
    for role in Role:
        if role in PERSON_ROLES:
            tokens[role] = await hall.person(f"{role}-1", role)
        else:
            window = "1" if role in WINDOW_BOUND_ROLES else None
            tokens[role] = await hall.device(f"{role}-1", role, window=window)
    status, issued = await hall.call(
        "POST", "/api/v1/tickets", tokens[Role.KIOSK], {"service": "social"}
    )
    assert status == 201
    ticket = issued["ticket"]["id"]
    operations = sorted(documented_operations(), key=lambda op: op[0] == "delete")
    for method, template in operations:
        operation = DOC["paths"][template][method]
        if "x-roles" not in operation:
            continue
        path = concrete(template, ticket)
        allowed = {Role(r) for r in operation["x-roles"]}
        status, answer = await hall.call(method.upper(), path, None, {})
        assert status == 401, (method, template, answer)
        for role, token in tokens.items():
            if role not in allowed:
                status, answer = await hall.call(method.upper(), path, token, {})
                assert status == 403, (method, template, role, answer)
            elif template != "/ws" and not (operation["x-window-bound"] and role is Role.CLERK):
                # A clerk acts only where signed in; a WebSocket needs an upgrade.
                status, answer = await hall.call(method.upper(), path, token, {})
                assert status not in (401, 403), (method, template, role, answer)
