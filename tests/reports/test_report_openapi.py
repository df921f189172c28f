"""The reports' OpenAPI entries: valid, true to the routes, and the answers fit the schemas."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from helpers import FakeClock, RunningHall, small_hall
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from queue_server.domain.hall import RatingSettings
from queue_server.web import openapi, reports
from queue_server.web.openapi.report_operations import REPORT_OPERATIONS

StartHall = Callable[..., Awaitable[RunningHall]]


def test_the_document_is_valid_and_documents_every_report_route() -> None:
    validate(openapi.document())
    app = web.Application()
    app.add_routes(reports.routes)
    routes = {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    assert routes == set(REPORT_OPERATIONS)


def closed(schema: Any) -> Any:
    """`schema` with every object closed to fields it does not name: an answer fits it only
    when the document names all of the answer's fields."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: closed(value) for key, value in schema.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


async def test_the_answers_fit_their_schemas(start_hall: StartHall, clock: FakeClock) -> None:
    doc = closed(openapi.document())
    registry = Registry().with_resource(
        "urn:doc", DRAFT202012.create_resource({**doc, "$schema": DRAFT202012.id_of})
    )

    def check(name: str, answer: Any) -> None:
        schema = {"$ref": f"urn:doc#/components/schemas/{name}"}
        Draft202012Validator(schema, registry=registry).validate(answer)

    config = dataclasses.replace(small_hall(open_all_hours=True), ratings=RatingSettings())
    hall = await start_hall(config, clock=clock)
    base = hall.url
    clerk = await hall.clerk_at("1", "wang", "王芳", "1001")
    kiosk = await hall.device("kiosk-1", "kiosk")
    manager = await hall.person("zhou", "manager")
    await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    clock.advance(minutes=4)
    await hall.call("POST", "/api/v1/windows/1/call-next", clerk)
    clock.advance(minutes=6)
    await hall.call("POST", "/api/v1/windows/1/finish", clerk)
    headers = {"Authorization": f"Bearer {manager}"}
    for path, name in (
        ("/api/v1/reports?by=clerk", "Report"),
        ("/api/v1/reports?by=hour&period=week", "Report"),
        ("/api/v1/reports?by=window&period=month", "Report"),
        ("/api/v1/reports/load", "HourlyLoad"),
        ("/api/v1/reports/assessment", "AssessmentSheet"),
    ):
        async with hall.http.get(base + path, headers=headers) as response:
            assert response.status == 200
            check(name, await response.json())
