"""Who may do what, route by route: every route of the app against every kind of caller.

Each request carries a body that is not a JSON object, so that a caller who passes the
authentication and permission stages gets 422 (or 404/409 for the hall's state) and nothing
changes; a caller who may not gets exactly 401 (no or an unknown token) or 403 (wrong role,
another window's token, a clerk not signed in there).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from helpers import RunningHall
from route_table import WINDOW, app_routes, concrete

from queue_server.domain.cases import CASE_STEPS
from queue_server.web.api import _WINDOW_ACTIONS

StartHall = Callable[..., Awaitable[RunningHall]]

ANONYMOUS = "anonymous"
CALLERS = (
    ANONYMOUS,
    "kiosk",
    "board",
    "pad@1",
    "station@1",
    "station@2",
    "clerk@1",  # signed in at window 1
    "clerk-away",  # logged in, signed in at no window
    "manager",
    "admin",
)
PUBLIC = frozenset(CALLERS)
KEYED = frozenset({"key"})  # anyone holding the key printed in the ticket's QR code
SUPERVISORS = frozenset({"manager", "admin"})
ADMIN = frozenset({"admin"})
PEOPLE = frozenset({"clerk@1", "clerk-away", *SUPERVISORS})
ANY_TOKEN = PUBLIC - {ANONYMOUS}
ISSUERS = frozenset({"kiosk", "clerk@1", "clerk-away", "manager"})  # API.md: no admin
DEVICES = frozenset({"kiosk", "board", "pad@1", "station@1", "station@2"})
STAFF_STREAM = PEOPLE | {"pad@1", "station@1", "station@2"}
AT_WINDOW_1 = frozenset({"clerk@1", "station@1"})  # API.md: supervisors do not act at windows
CASE_READERS = PEOPLE

# The one table: every route and who passes its authentication and permission checks.
MATRIX: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("POST", "/api/v1/session"): PUBLIC,
    ("GET", "/api/v1/session"): ANY_TOKEN,
    ("DELETE", "/api/v1/session"): PEOPLE,
    ("GET", "/api/v1/hall"): PUBLIC,
    ("POST", "/api/v1/tickets"): ISSUERS,
    ("GET", "/api/v1/tickets"): SUPERVISORS,
    ("GET", "/api/v1/tickets/{ticket}"): PUBLIC,
    ("POST", "/api/v1/tickets/{ticket}/pin"): SUPERVISORS,
    ("POST", "/api/v1/tickets/{ticket}/cancel"): SUPERVISORS | {"kiosk"},
    ("GET", "/api/v1/tickets/{ticket}/rating"): KEYED,
    ("POST", "/api/v1/tickets/{ticket}/rating"): KEYED,
    ("GET", "/api/v1/windows/{window}"): AT_WINDOW_1 | {"clerk-away", *SUPERVISORS},
    **{("POST", WINDOW + a): AT_WINDOW_1 for a in _WINDOW_ACTIONS},
    ("POST", WINDOW + "open"): AT_WINDOW_1 | {"clerk-away"},
    ("POST", WINDOW + "hand-over"): frozenset({"clerk@1", "clerk-away"}),
    ("POST", "/api/v1/appointments"): SUPERVISORS,
    ("GET", "/api/v1/appointments/{code}"): ISSUERS,
    ("POST", "/api/v1/appointments/{code}/check-in"): ISSUERS,
    ("POST", "/api/v1/ratings"): frozenset({"pad@1"}),
    ("GET", "/api/v1/ratings"): SUPERVISORS,
    ("GET", "/api/v1/ratings.csv"): SUPERVISORS,
    ("GET", "/api/v1/ratings/figures"): SUPERVISORS,
    ("GET", "/api/v1/staff/{staff_no}/photo"): STAFF_STREAM,
    ("GET", "/api/v1/cases"): SUPERVISORS,
    ("GET", "/api/v1/cases/{case}"): CASE_READERS,
    # A clerk reaches a case's steps (then only an appeal of their own 差评 passes).
    **{("POST", f"/api/v1/cases/{{case}}/{step}"): CASE_READERS for step in CASE_STEPS},
    ("POST", "/api/v1/cases/{case}/follow-up"): SUPERVISORS,
    ("GET", "/api/v1/alerts"): SUPERVISORS,
    ("POST", "/api/v1/alerts/{alert}/ack"): SUPERVISORS,
    **{
        ("GET", f"/api/v1/reports{kind}{fmt}"): SUPERVISORS
        for kind in ("", "/load", "/assessment")
        for fmt in ("", ".csv", ".xlsx")
    },
    ("POST", "/api/v1/tuning"): SUPERVISORS,
    ("GET", "/api/v1/tuning"): SUPERVISORS,
    ("POST", "/api/v1/tuning/{change}/undo"): SUPERVISORS,
    ("GET", "/api/v1/hall/today"): SUPERVISORS,
    ("POST", "/api/v1/devices/self/status"): DEVICES,
    ("GET", "/api/v1/devices"): SUPERVISORS,
    ("GET", "/api/v1/devices/enrolled"): ADMIN,
    ("POST", "/api/v1/devices/{name}/revoke"): ADMIN,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users/{username}/unlock"): ADMIN,
    ("POST", "/api/v1/users/{username}/password"): ADMIN,
    ("POST", "/api/v1/users/{username}/disable"): ADMIN,
    ("POST", "/api/v1/users/{username}/enable"): ADMIN,
    ("GET", "/api/v1/audit"): SUPERVISORS,
    ("POST", "/api/v1/planner/run"): SUPERVISORS,
    ("GET", "/api/v1/planner/jobs/{job}"): SUPERVISORS,
    ("GET", "/ws"): STAFF_STREAM,  # asked for the console topic
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/console"): PUBLIC,
    ("GET", "/manager"): PUBLIC,
    ("GET", "/board"): PUBLIC,
    ("GET", "/window/{window}"): PUBLIC,
    ("GET", "/t/{ticket}"): PUBLIC,
    ("GET", "/voice/announcement.wav"): PUBLIC,
    ("GET", "/voice/phrase.wav"): PUBLIC,
    ("GET", "/voice/speakers"): PUBLIC,
    ("GET", "/voice/pack"): PUBLIC,
}


async def callers(hall: RunningHall) -> dict[str, str | None]:
    tokens: dict[str, str | None] = {ANONYMOUS: None}
    tokens["kiosk"] = await hall.device("kiosk-1", "kiosk")
    tokens["board"] = await hall.device("board-1", "board")
    tokens["pad@1"] = await hall.device("pad-1", "pad", window="1")
    tokens["station@1"] = await hall.device("station-1", "station", window="1")
    tokens["station@2"] = await hall.device("station-2", "station", window="2")
    tokens["clerk@1"] = await hall.clerk_at("1", "wang")
    tokens["clerk-away"] = await hall.person("li", "clerk")
    tokens["manager"] = await hall.person("zhao", "manager")
    tokens["admin"] = await hall.person("root", "admin")
    assert set(tokens) == set(CALLERS)
    return tokens


def _judges_tokens(method: str, template: str, allowed: frozenset[str]) -> bool:
    """Whether a token nobody issued gets 401: on every route that needs one, and on the API's
    public reads too (a device whose token was revoked learns it at once, whatever it asks).
    Logging in ignores a stale token; pages, health, metrics, voice clips and the API's own
    document need none."""
    if allowed != PUBLIC:
        return True
    ignored = {("POST", "/api/v1/session"), ("GET", "/api/v1/openapi.json")}
    return template.startswith("/api/") and (method, template) not in ignored


async def test_every_route_is_in_the_matrix(start_hall: StartHall) -> None:
    hall = await start_hall()
    routes = app_routes(hall.server)
    assert routes - set(MATRIX) == set(), "every route must be in the matrix"
    assert set(MATRIX) - routes == set(), "the matrix names routes the app does not have"


async def test_only_the_right_callers_pass(start_hall: StartHall) -> None:
    hall = await start_hall()
    tokens = await callers(hall)
    status, issued = await hall.call(
        "POST", "/api/v1/tickets", tokens["kiosk"], {"service": "social"}
    )
    assert status == 201, issued
    ticket = issued["ticket"]["id"]
    wrong: list[str] = []
    # Logging out ends the callers' sessions: last.
    for (method, template), allowed in sorted(MATRIX.items(), key=lambda r: r[0][0] == "DELETE"):
        if allowed is KEYED:
            continue
        path = concrete(template, ticket)
        for caller in CALLERS:
            status, answer = await hall.call(method, path, tokens[caller], raw=b"[]")
            code = answer["error"]["code"] if isinstance(answer, dict) and "error" in answer else ""
            if caller in allowed:
                ok = status not in (401, 403)
            elif caller == ANONYMOUS:
                ok = (status, code) == (401, "unauthenticated")
            else:
                ok = (status, code) == (403, "forbidden")
            if not ok:
                wrong.append(f"{method} {path} as {caller}: {status} {code}")
        if _judges_tokens(method, template, allowed):
            status, answer = await hall.call(method, path, "a-token-nobody-issued", raw=b"[]")
            if status != 401:
                wrong.append(f"{method} {path} with an unknown token: {status}")
    assert wrong == []


async def test_a_ticket_s_rating_needs_the_key_in_its_qr_code(start_hall: StartHall) -> None:
    hall = await start_hall()
    tokens = await callers(hall)
    _, issued = await hall.call("POST", "/api/v1/tickets", tokens["kiosk"], {"service": "social"})
    ticket, key = issued["ticket"]["id"], issued["rating_key"]
    form = f"/api/v1/tickets/{ticket}/rating"
    for caller in CALLERS:
        for given in ("", "?key=not-the-key"):
            status, _ = await hall.call("GET", form + given, tokens[caller])
            assert status == 403, (caller, given)
        body = {"key": "not-the-key", "level": 5}
        status, _ = await hall.call("POST", form, tokens[caller], body)
        assert status == 403, caller
    status, answer = await hall.call("GET", f"{form}?key={key}")
    assert (status, answer["open"]) == (200, False)
    status, answer = await hall.call("POST", form, body={"key": key, "level": 5})
    assert (status, answer["error"]["code"]) == (409, "rating_closed")


async def test_a_kiosk_voids_only_its_own_tickets(start_hall: StartHall) -> None:
    hall = await start_hall()
    mine, other = await hall.device("kiosk-1", "kiosk"), await hall.device("kiosk-2", "kiosk")
    _, issued = await hall.call("POST", "/api/v1/tickets", mine, {"service": "social"})
    path = f"/api/v1/tickets/{issued['ticket']['id']}/cancel"
    status, _ = await hall.call("POST", path, other, {"reason": "打印失败"})
    assert status == 403
    status, voided = await hall.call("POST", path, mine, {"reason": "打印失败"})
    assert (status, voided["ticket"]["state"]) == (200, "cancelled")


async def test_a_station_is_refused_for_another_window_whatever_its_state(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()
    station2 = await hall.device("station-2", "station", window="2")
    for path in ("/api/v1/windows/1/open", "/api/v1/windows/99/call-next"):
        status, answer = await hall.call("POST", path, station2)
        assert (status, answer["error"]["code"]) == (403, "forbidden")
    assert (await hall.call("POST", "/api/v1/windows/2/open", station2))[0] == 200


async def test_login_and_logout(start_hall: StartHall) -> None:
    hall = await start_hall()
    token = await hall.person("wang", "clerk")
    for username in ("wang", "nobody"):
        status, body = await hall.call(
            "POST", "/api/v1/session", body={"username": username, "password": "wrong password"}
        )
        assert (status, body["error"]["code"]) == (401, "bad_credentials")
    status, me = await hall.call("GET", "/api/v1/session", token)
    assert (status, me["role"], me["name"]) == (200, "clerk", "wang")
    assert (await hall.call("DELETE", "/api/v1/session", token))[0] == 200
    status, body = await hall.call("POST", "/api/v1/windows/1/open", token)
    assert (status, body["error"]["code"]) == (401, "unauthenticated")
