"""Query strings and path segments fuzzed through real HTTP: odd ids, junk and repeated
query parameters, far dates, huge numbers. Never a server error, every refusal in the error
shape, a 422 names a parameter, and a read never changes the hall."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from threaded_hall import BusyHall, ThreadedHall

from queue_server.web.limits import MAX_URL_BYTES

DOCUMENT = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())
FUZZ = settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
ODD_VALUES = st.sampled_from(
    [
        "",
        "-1",
        "0",
        "1e999",
        "99999999999999999999999999",
        "0001-01-01",
        "9999-12-31",
        "2026-02-30",
        "2026-13",
        "0000-00",
        "board,console,board",
        "board,,",
        ",",
        "junk",
        "%00",
        "\x00",
        "true",
        "null",
        "長" * 300,
    ]
)


def _operations(with_query: bool) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path, item in DOCUMENT["paths"].items():
        op = item.get("get")
        if op is None:
            continue
        places = {p["in"] for p in op.get("parameters", [])}
        if ("query" in places) == with_query and (with_query or "path" in places):
            found.append((path, op))
    return found


WITH_QUERY = _operations(with_query=True)
WITH_PATH = _operations(with_query=False)


def value(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """A value for a query parameter: often one the schema allows, often not."""
    allowed: list[st.SearchStrategy[str]] = [ODD_VALUES, ANY_TEXT]
    if "enum" in schema:
        allowed.append(st.sampled_from(schema["enum"]))
    if schema.get("format") == "date":
        allowed.append(st.dates().map(str))
    if schema.get("type") == "integer":
        allowed.append(st.integers(-(10**20), 10**20).map(str))
    return st.one_of(allowed)


def query(op: dict[str, Any]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Declared parameters, some twice, and some nobody declared."""
    declared = [p for p in op["parameters"] if p["in"] == "query"]
    one = st.one_of(
        *(st.tuples(st.just(p["name"]), value(p.get("schema", {}))) for p in declared),
        st.tuples(st.sampled_from(["junk", "x[]", "长"]), ANY_TEXT),
    )
    return st.lists(one, max_size=5)


def segment() -> st.SearchStrategy[str]:
    """A path segment as sent: percent-encoded text, or odd encodings written as they are."""
    encoded = st.one_of(ANY_TEXT, st.text(max_size=2000)).map(
        lambda text: urllib.parse.quote(text.encode("utf-8", "surrogatepass"), safe="")
    )
    raw = st.sampled_from(
        ["%00", "%ff%fe", "%ED%A0%80", "%2e%2e", "..", "%2F", "%252F", "%", "%zz", "A001", "1"]
    )
    return st.one_of(encoded.filter(bool), raw)


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BusyHall]:
    hall = ThreadedHall(tmp_path_factory.mktemp("query-fuzz") / "hall.db")
    hall.start()
    try:
        yield BusyHall(hall)
    finally:
        hall.stop()


def get(busy: BusyHall, path: str, op: dict[str, Any]) -> tuple[int, Any]:
    """GET as the operation's most powerful caller; the answer checked as every one is."""
    roles = op.get("x-roles") or []
    token = busy.tokens["manager" if "manager" in roles else "admin"] if roles else None
    before = busy.hall.seq
    status, headers, answer = busy.hall.send("GET", path, token)
    voice_off = status == 503 and path.startswith("/voice/")
    assert status < 500 or voice_off, (path, status, answer[:300])
    assert busy.hall.seq == before, path
    if len(path.encode()) > MAX_URL_BYTES:
        # Refused by the HTTP layer before any handler, as test_refused_early shows.
        assert status == 400, (path[:300], status, answer[:300])
        return status, None
    if status < 400:
        return status, answer
    assert headers.get_content_type() == "application/json", (path, status, answer[:300])
    refusal = json.loads(answer)
    assert set(refusal) == {"error"} and set(refusal["error"]) == {"code", "message"}, refusal
    return status, refusal


@pytest.mark.parametrize(("path", "op"), WITH_QUERY, ids=[path for path, _ in WITH_QUERY])
def test_fuzzed_query_strings(busy: BusyHall, path: str, op: dict[str, Any]) -> None:
    filled = path.format(**busy.known)
    declared = {p["name"] for p in op["parameters"] if p["in"] == "query"}

    @FUZZ
    @given(query(op))
    def asked(pairs: list[tuple[str, str]]) -> None:
        status, answer = get(busy, f"{filled}?{urllib.parse.urlencode(pairs)}", op)
        if status == 422:
            named = answer["error"]["message"].split(":", 1)[0]
            # /ws asked over plain HTTP after its query passed: the missing Upgrade is named
            assert named in declared | {n for n, _ in pairs} or (
                path == "/ws" and named == "request"
            ), (pairs, answer)

    asked()


@pytest.mark.parametrize(("path", "op"), WITH_PATH, ids=[path for path, _ in WITH_PATH])
def test_fuzzed_path_segments(busy: BusyHall, path: str, op: dict[str, Any]) -> None:
    names = [p["name"] for p in op["parameters"] if p["in"] == "path"]

    @FUZZ
    @given(st.fixed_dictionaries({name: segment() for name in names}))
    def asked(segments: dict[str, str]) -> None:
        get(busy, path.format(**segments), op)

    asked()
