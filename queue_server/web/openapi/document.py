"""The assembled OpenAPI document and its committed rendering (openapi_routes.py serves it)."""

from __future__ import annotations

import json
import re

from queue_server.web import requests as rq
from queue_server.web.api import _WINDOW_ACTIONS
from queue_server.web.openapi.components import answer_schemas
from queue_server.web.openapi.errors import ERRORS, error_response
from queue_server.web.openapi.operations import ANY_ROLE, WINDOW_ACTION_PREFIX, Op
from queue_server.web.openapi.operations import OPERATIONS as CORE_OPERATIONS
from queue_server.web.openapi.planner_operations import PLANNER_OPERATIONS
from queue_server.web.openapi.rating_operations import RATING_OPERATIONS
from queue_server.web.openapi.record_operations import RECORD_OPERATIONS
from queue_server.web.openapi.report_operations import REPORT_OPERATIONS
from queue_server.web.openapi.schema import Json, shape_names, shape_ref, shape_schema
from queue_server.web.openapi.security_operations import SECURITY_OPERATIONS
from queue_server.web.openapi.tuning_operations import TUNING_OPERATIONS

CONTRACT = "API.md, version 1"

OPERATIONS = {
    **CORE_OPERATIONS,
    **RECORD_OPERATIONS,
    **RATING_OPERATIONS,
    **REPORT_OPERATIONS,
    **TUNING_OPERATIONS,
    **PLANNER_OPERATIONS,
    **SECURITY_OPERATIONS,
}

PATH_PARAMETERS = {
    "alert": "The alert's id (as in `Alert.id`).",
    "case": "The 差评 case's id, e.g. 20261123-001.",
    "change": "The tuning change's id (as in `Change.id`).",
    "code": "The appointment's code, as its QR or barcode carries it.",
    "job": "The planner job's id (as `POST /api/v1/planner/run` answered).",
    "name": "The device's name (as given to `hallq device add`).",
    "staff_no": "The clerk's 工号.",
    "ticket": "The ticket's id (as in `Ticket.id`; not the printed number).",
    "username": "The person's username.",
    "window": "The window's id (as in `Window.id`).",
}


# Public reads that still judge a token sent along: one nobody issued is 401 (docs/api.md).
OPTIONAL_TOKEN = frozenset({("get", "/api/v1/hall"), ("get", "/api/v1/tickets/{ticket}")})


def _errors(method: str, path: str, op: Op) -> list[str]:
    codes: list[str] = []
    if op.roles is not None or (method, path) in OPTIONAL_TOKEN:
        codes.append("unauthenticated")
        if op.roles != ANY_ROLE or op.window_bound:
            codes.append("forbidden")
    if method != "get" or path == "/ws":  # sent from another site's page (origin.py)
        codes.append("cross_origin")
    if op.body is not None or op.parameters:
        codes.append("invalid_request")
    codes.extend(op.errors)
    if op.writes:
        codes.append("unavailable")
    return codes


def _operation(method: str, path: str, op: Op, body: rq.Shape | None) -> Json:
    out: Json = {
        "operationId": method + re.sub(r"[^A-Za-z0-9]+", "_", path).rstrip("_"),
        "tags": [op.tag],
        "summary": op.summary,
    }
    if op.description:
        out["description"] = op.description
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": PATH_PARAMETERS[name],
            "schema": {"type": "string"},
        }
        for name in re.findall(r"\{(\w+)\}", path)
    ]
    if parameters or op.parameters:
        out["parameters"] = [*parameters, *op.parameters]
    if body is not None:
        out["requestBody"] = {
            "required": bool(body.required),
            "content": {"application/json": {"schema": {"$ref": shape_ref(body)}}},
        }
    ok: Json = {"description": "Switching Protocols" if op.status == 101 else "Success"}
    if op.media and op.answer is not None:
        ok["content"] = {op.media: {"schema": op.answer}}
    responses: Json = {str(op.status): ok}
    by_status: dict[int, list[str]] = {}
    for code in _errors(method, path, op):
        by_status.setdefault(ERRORS[code][0], []).append(code)
    for status in sorted(by_status):
        responses[str(status)] = error_response(status, by_status[status])
    out["responses"] = responses
    if (method, path) in OPTIONAL_TOKEN:
        out["security"] = [{}, {"bearer": []}]
    elif op.roles is None:
        out["security"] = []
    elif path == "/ws":
        out["security"] = [{}, {"bearer": []}, {"queryToken": []}]
    else:
        out["security"] = [{"bearer": []}]
    if op.roles is not None:
        out["x-roles"] = sorted(op.roles)
        out["x-window-bound"] = op.window_bound
    out["x-extension"] = op.extension
    return out


def document() -> Json:
    """The whole OpenAPI document; fails loudly when the code and the table disagree."""
    actions = {
        f"{WINDOW_ACTION_PREFIX}{action}": shape for action, (shape, _) in _WINDOW_ACTIONS.items()
    }
    documented = {path for (_, path) in OPERATIONS if path.startswith(WINDOW_ACTION_PREFIX)}
    if documented != set(actions):
        raise RuntimeError(f"window actions undocumented or gone: {documented ^ set(actions)}")
    paths: Json = {}
    for (method, path), op in OPERATIONS.items():
        body = actions.get(path, op.body)
        paths.setdefault(path, {})[method] = _operation(method, path, op, body)
    schemas = answer_schemas()
    for name, component in shape_names().items():
        schemas[component] = shape_schema(getattr(rq, name))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "hallq queue server",
            "version": "1",
            "summary": "Hall queueing for government service halls.",
            "description": (
                f"Generated from the code. The wire contract is {CONTRACT}; this server offers "
                "more (marked `x-extension: true`), never less. Bodies are JSON (UTF-8); no "
                'string may contain NUL. Errors are `{"error": {"code", "message"}}`. '
                "A request is judged in this order: authentication (401), permission for the "
                "role and window (403), the body's shape (422), the hall's state (404, 409). "
                "`x-roles` lists the roles that may call an operation; `x-window-bound` says a "
                "clerk, station or pad acts only for its own window."
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS.values())],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A session token from POST /api/v1/session, or a device "
                    "token from `hallq device add`.",
                },
                "queryToken": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "token",
                    "description": "The same token, for browsers opening /ws.",
                },
            },
        },
    }


def render() -> str:
    """The document as committed in docs/openapi.json."""
    return json.dumps(document(), ensure_ascii=False, indent=2) + "\n"
