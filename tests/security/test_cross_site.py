"""Cross-site request forgery: no cookie ever carries credentials, and a page of another
site cannot make a browser change the hall or open its event stream."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from helpers import RunningHall
from route_table import app_routes, concrete

from queue_server.web.origin import ALLOWED_ORIGINS_VARIABLE

StartHall = Callable[..., Awaitable[RunningHall]]
EVIL = "http://evil.example"


async def test_no_answer_ever_sets_a_cookie(start_hall: StartHall) -> None:
    hall = await start_hall()
    manager = await hall.person("zhao", "manager")
    kiosk = await hall.device("kiosk-1", "kiosk")
    set_cookies: list[str] = []
    answered = 0
    # Logging out ends the manager's session: last.
    for method, template in sorted(app_routes(hall.server), key=lambda r: (r[0] == "DELETE", r)):
        for token in (None, manager, kiosk):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            path = concrete(template)
            async with hall.http.request(
                method, hall.url + path, headers=headers, data=b"{}"
            ) as answer:
                answered += 1
                set_cookies += [f"{method} {path}"] * len(answer.headers.getall("Set-Cookie", []))
    login = {"username": "zhao", "password": "correct horse battery"}
    async with hall.http.post(f"{hall.url}/api/v1/session", json=login) as answer:
        assert answer.status == 200
        assert "Set-Cookie" not in answer.headers
    assert answered > 150
    assert set_cookies == []
    assert len(hall.http.cookie_jar) == 0


async def test_a_token_in_a_cookie_counts_for_nothing(start_hall: StartHall) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    manager = await hall.person("zhao", "manager")
    for name in ("token", "session", "Authorization", "hallq-token"):
        for token in (kiosk, manager):
            cookie = {"Cookie": f"{name}={token}"}
            async with hall.http.post(
                f"{hall.url}/api/v1/tickets", json={"service": "social"}, headers=cookie
            ) as answer:
                assert answer.status == 401
            async with hall.http.get(f"{hall.url}/api/v1/audit", headers=cookie) as answer:
                assert answer.status == 401
    status, today = await hall.call("GET", "/api/v1/hall/today", manager)
    assert (status, today["issued"]) == (200, 0)


async def post(hall: RunningHall, token: str, origin: str, **headers: str) -> tuple[int, str]:
    async with hall.http.post(
        f"{hall.url}/api/v1/tickets",
        json={"service": "social"},
        headers={"Authorization": f"Bearer {token}", "Origin": origin, **headers},
    ) as answer:
        body = await answer.json()
        return answer.status, body["error"]["code"] if "error" in body else "issued"


async def test_a_write_from_another_site_s_page_is_refused(start_hall: StartHall) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    manager = await hall.person("zhao", "manager")
    port = hall.server.port
    for origin in (EVIL, "null", f"http://127.0.0.1:{port + 1}", f"https://127.0.0.1:{port}"):
        assert await post(hall, kiosk, origin) == (403, "cross_origin"), origin
    status, today = await hall.call("GET", "/api/v1/hall/today", manager)
    assert (status, today["issued"]) == (200, 0)
    # The server's own pages, spelled any way the browser may, and behind a TLS proxy.
    assert await post(hall, kiosk, f"http://127.0.0.1:{port}") == (201, "issued")
    assert await post(hall, kiosk, f"HTTP://127.0.0.1:{port}") == (201, "issued")
    proxied = await post(hall, kiosk, f"https://127.0.0.1:{port}", **{"X-Forwarded-Proto": "https"})
    assert proxied == (201, "issued")
    # Reading is harmless (no CORS headers: the other site's page cannot see the answer).
    async with hall.http.get(f"{hall.url}/api/v1/hall", headers={"Origin": EVIL}) as answer:
        assert answer.status == 200
        assert "Access-Control-Allow-Origin" not in answer.headers


async def test_another_site_s_page_cannot_open_the_event_stream(start_hall: StartHall) -> None:
    hall = await start_hall()
    clerk = await hall.person("wang", "clerk")
    url = f"{hall.url}/ws?topics=board,console&token={clerk}"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await hall.http.ws_connect(url, origin=EVIL)
    assert refused.value.status == 403
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await hall.http.ws_connect(f"{hall.url}/ws?topics=board", origin=EVIL)
    assert refused.value.status == 403
    ws = await hall.http.ws_connect(url, origin=hall.url)
    assert (await ws.receive_json())["type"] == "snapshot"
    await ws.close()


async def test_the_hall_may_allow_other_sites(
    start_hall: StartHall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        ALLOWED_ORIGINS_VARIABLE, "https://portal.example.gov.cn, http://10.1.1.5:8000"
    )
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    assert await post(hall, kiosk, "https://portal.example.gov.cn") == (201, "issued")
    assert await post(hall, kiosk, "https://portal.example.gov.cn:443") == (201, "issued")
    assert await post(hall, kiosk, "http://10.1.1.5:8000") == (201, "issued")
    assert await post(hall, kiosk, "http://10.1.1.5:8001") == (403, "cross_origin")
    assert await post(hall, kiosk, EVIL) == (403, "cross_origin")
