"""The issuing benchmark's lean kiosks count only tickets really issued."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bench.common import BenchError
from bench.kiosk_load import KioskLoad


async def _serving(answer: web.Response | None) -> tuple[TestServer, list[dict[str, str]]]:
    seen: list[dict[str, str]] = []

    async def issue(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append({"key": body["idempotency_key"], "token": request.headers["Authorization"]})
        if answer is not None:
            return answer
        return web.json_response({"ticket": {"number": f"A{len(seen):03d}"}}, status=201)

    app = web.Application()
    app.router.add_post("/api/v1/tickets", issue)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, seen


async def test_every_kiosk_issues_its_share_with_keys_of_its_own() -> None:
    server, seen = await _serving(None)
    try:
        load = KioskLoad("127.0.0.1", server.port or 0, ["t1", "t2", "t3"], ["A", "B"])
        seconds, latencies = await load.issue(10, "run")
    finally:
        await server.close()
    assert len(latencies) == 10 and seconds > 0
    assert len({s["key"] for s in seen}) == 10
    assert sorted(s["token"] for s in seen).count("Bearer t1") == 4  # 10 over 3: 4, 3, 3


@pytest.mark.parametrize(
    "answer",
    [
        web.json_response({"error": {"code": "unauthenticated"}}, status=401),
        web.Response(body=json.dumps({"ok": True}), status=201),  # a 201 with no ticket
    ],
)
async def test_an_answer_without_a_ticket_fails_the_run(answer: web.Response) -> None:
    server, _ = await _serving(answer)
    try:
        with pytest.raises(BenchError):
            await KioskLoad("127.0.0.1", server.port or 0, ["t1"], ["A"]).issue(3, "run")
    finally:
        await server.close()
