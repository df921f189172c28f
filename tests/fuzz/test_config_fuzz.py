"""Hall files fuzzed from the examples: keys dropped, values of the wrong type, unknown keys,
repeated ids, bad times, overlapping sessions, huge numbers, any Unicode, broken bytes.
Loading never fails with a traceback: it gives a hall that keeps every invariant, or a list
of problems each naming its key; `hallq check-config` says the same with its exit code."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import itertools
import json
import math
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_server.config import ConfigError, check_config_main, load_hall, parse_hall
from queue_server.domain.hall import MIN_REQUESTS_PER_SECOND, HallConfig

CONFIG = Path(__file__).resolve().parents[2] / "config"
EXAMPLES = {
    name: (CONFIG / name).read_text() for name in ("hall.example.toml", "township.example.toml")
}
DOCUMENTS = {name: tomllib.loads(text) for name, text in EXAMPLES.items()}
# The sections a hall file may have; a problem names a key under one of them.
SECTIONS = {key for doc in DOCUMENTS.values() for key in doc} | {"limits"}
FUZZ = settings(
    max_examples=2500,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

TIMES = st.sampled_from(
    ["08:30", "12:00", "14:00", "17:30", "00:00", "23:59", "24:00", "8:30", "12:60", "", "午后"]
)
NAMES = st.text(st.characters(categories=("L", "N"), include_characters="_-"), min_size=1)
STRINGS = st.one_of(
    st.text(min_size=256, max_size=5000),  # huge
    st.sampled_from(["{", "{number}", "{window}{", "{{}}", "/", ".", "..", "\x00", "http://x"]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
)
SCALARS = st.one_of(
    STRINGS,
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 10**6, 10**30, -(10**30), 2**63 - 1, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    TIMES,
    st.sampled_from(["social", "1F", "general", "1", "A", "Asia/Shanghai", "mn-Mong"]),
    st.times(),
    st.dates(),
    st.datetimes(timezones=st.just(dt.UTC)),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
    max_leaves=6,
)


def commented_keys(text: str) -> list[tuple[tuple[str, ...], str, Any]]:
    """The keys an example leaves commented out: (section path, key, the example's value)."""
    found = []
    section: tuple[str, ...] = ()
    for line in text.splitlines():
        header = re.fullmatch(r"#? *\[\[?([a-z_.]+)\]\]? *", line)
        if header:
            section = tuple(header[1].split("."))
            continue
        key = re.fullmatch(r"# *([a-z_]+) *= *(.+?) *(#.*)?", line)
        if key:
            with contextlib.suppress(tomllib.TOMLDecodeError):
                found.append((section, key[1], tomllib.loads(f"v = {key[2]}")["v"]))
    return found


COMMENTED = sorted(
    {(s, k, json.dumps(v)) for text in EXAMPLES.values() for s, k, v in commented_keys(text)}
)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("-inf" if value < 0 else "inf") if math.isinf(value) else repr(value)
    if isinstance(value, (int, dt.date, dt.time)):
        return value.isoformat() if not isinstance(value, int) else str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes, which TOML shares, but no surrogate pairs."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def to_toml(doc: dict[str, Any]) -> str:
    return "".join(f"{toml_string(key)} = {toml_value(value)}\n" for key, value in doc.items())


def places(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in the document, depth first."""
    found: list[tuple[Any, Any]] = []
    keys = node.keys() if isinstance(node, dict) else range(len(node))
    for key in keys:
        found.append((node, key))
        if isinstance(node[key], (dict, list)):
            found += places(node[key])
    return found


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """One of the example halls with one to four things done wrong."""
    doc = copy.deepcopy(DOCUMENTS[draw(st.sampled_from(sorted(DOCUMENTS)))])
    for _ in range(draw(st.integers(1, 4))):
        spots = places(doc)
        container, key = draw(st.sampled_from(spots))
        action = draw(
            st.sampled_from(
                ["drop", "retype", "unknown", "repeat", "swap", "sessions", "limits"]
                + ["commented"] * 3
            )
        )
        if action == "drop":
            del container[key]
        elif action == "retype":
            container[key] = draw(st.one_of(STRINGS, VALUES))
        elif action == "unknown":
            tables = [doc] + [c[k] for c, k in spots if isinstance(c[k], dict)]
            draw(st.sampled_from(tables))[draw(NAMES)] = draw(VALUES)
        elif action == "repeat":
            lists = [c[k] for c, k in spots if isinstance(c[k], list) and c[k]]
            if lists:
                chosen = draw(st.sampled_from(lists))
                chosen.insert(draw(st.integers(0, len(chosen))), copy.deepcopy(chosen[0]))
        elif action == "swap":  # a value from elsewhere: a repeated id, a label as an id ...
            other, other_key = draw(st.sampled_from(spots))
            container[key] = copy.deepcopy(other[other_key])
        elif action == "sessions":
            sessions = st.fixed_dictionaries({"start": TIMES, "end": TIMES})
            doc.setdefault("hours", {})["sessions"] = draw(st.lists(sessions, max_size=4))
        elif action == "commented":  # a key the example leaves out, set (or set wrong)
            section, name, example = draw(st.sampled_from(COMMENTED))
            table = doc
            for part in section:
                table = table.setdefault(part, {})
                table = table[-1] if isinstance(table, list) and table else table
            if isinstance(table, dict):
                table[name] = draw(st.one_of(st.just(json.loads(example)), STRINGS, VALUES))
        else:
            doc["limits"] = draw(
                st.dictionaries(
                    st.sampled_from(["requests_per_second", "burst", "per_minute"]),
                    st.one_of(st.integers(-10, 10**6), VALUES),
                )
            )
    return doc


def check_invariants(hall: HallConfig) -> None:
    """What the rest of the server relies on in every hall it is given."""
    services = {s.id for s in hall.services}
    assert len(services) == len(hall.services)
    assert len({w.id for w in hall.windows}) == len(hall.windows)
    assert len({s.prefix for s in hall.services}) == len(hall.services)
    assert all(re.fullmatch(r"[A-Z]", s.prefix) for s in hall.services)
    floors, fields = {f.id for f in hall.floors}, {f.id for f in hall.fields}
    for service in hall.services:
        assert service.field in fields and service.floor in floors
        assert set(service.route) <= services - {service.id}
        assert 0 < service.mean_service_minutes < math.inf
    for window in hall.windows:
        assert window.services and set(window.services) | set(window.overflow) <= services
        assert window.floor in floors
    served = {s for w in hall.windows for s in (*w.services, *w.overflow)}
    assert served == services
    sessions = hall.hours.sessions
    assert all(s.start < s.end for s in sessions)
    assert all(a.end <= b.start for a, b in itertools.pairwise(sessions))
    assert sessions or hall.hours.open_all_hours
    rate, burst = hall.limits.requests_per_second, hall.limits.burst
    assert rate is None or rate >= MIN_REQUESTS_PER_SECOND
    assert burst is None or (rate is not None and burst >= rate)


def check_problems(problems: list[str], source: str, text: str | None) -> None:
    """Every problem is "key.path: message", the path under a section or a key of the file
    (or the file itself, when it is not TOML)."""
    assert problems
    try:
        keys = SECTIONS | set(tomllib.loads(text or ""))
    except tomllib.TOMLDecodeError:
        keys = set()
    for problem in problems:
        path, _, message = problem.partition(": ")
        assert message.strip(), problem
        top = re.split(r"[.\[]", path, maxsplit=1)[0]
        assert top in keys or path == source, problem


def load(text: str) -> HallConfig | list[str]:
    try:
        return parse_hall(text, source="hall.toml", base=CONFIG)
    except ConfigError as exc:
        return exc.problems


def loads_or_names_its_problems(doc: dict[str, Any]) -> None:
    """The hall file written from `doc` loads and holds together, or every problem is named."""
    text = to_toml(doc)
    found = load(text)
    if isinstance(found, HallConfig):
        check_invariants(found)
    else:
        check_problems(found, "hall.toml", text)


@FUZZ
@given(mutated())
def test_fuzzed_halls_load_or_name_their_problems(doc: dict[str, Any]) -> None:
    loads_or_names_its_problems(doc)


@settings(FUZZ, max_examples=600)
@given(st.sampled_from(COMMENTED), st.one_of(STRINGS, VALUES))
def test_keys_the_examples_leave_out_take_any_value(
    commented: tuple[tuple[str, ...], str, str], value: Any
) -> None:
    """Each key an example only mentions in a comment (folders, addresses, languages ...)."""
    section, name, _ = commented
    doc = copy.deepcopy(DOCUMENTS["township.example.toml"])
    table = doc
    for part in section:
        table = table.setdefault(part, [{}] if part == "speakers" else {})
        table = table[-1] if isinstance(table, list) else table
    table[name] = value
    loads_or_names_its_problems(doc)


@settings(FUZZ, max_examples=400)
@given(
    st.sampled_from(sorted(EXAMPLES)),
    st.lists(
        st.tuples(st.integers(0, 30_000), st.integers(0, 40), st.binary(max_size=8)), max_size=4
    ),
)
def test_damaged_files_are_refused_by_check_config(
    tmp_path_factory: pytest.TempPathFactory, name: str, edits: list[tuple[int, int, bytes]]
) -> None:
    """Bytes cut out and put in anywhere (broken UTF-8, broken TOML): OK or problems, exit 0/1."""
    data = EXAMPLES[name].encode()
    for at, cut, put in edits:
        at %= len(data) + 1
        data = data[:at] + put + data[at + cut :]
    path = tmp_path_factory.mktemp("damaged") / "hall.toml"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = check_config_main(str(path))
    if code == 0:
        assert out.getvalue().startswith("OK: ") and not err.getvalue()
        check_invariants(load_hall(path))
    else:
        assert code == 1 and not out.getvalue()
        check_problems(err.getvalue().splitlines(), str(path), _text(data))


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@pytest.mark.slow
def test_check_config_command_exit_codes(tmp_path: Path) -> None:
    """The installed command: 0 and a summary, or 1 and every problem, never a traceback."""
    broken = tmp_path / "broken.toml"
    broken.write_bytes(b"\xef\xbb\xbf" + EXAMPLES["township.example.toml"].encode()[:-2000])
    garbage = tmp_path / "garbage.toml"
    garbage.write_bytes(b"\xff\xfe\x00[hall\n")
    limits = tmp_path / "limits.toml"
    limits.write_text(
        EXAMPLES["township.example.toml"] + "\n[limits]\nrequests_per_second = 10\nburst = 5\n"
    )
    good = tmp_path / "good.toml"
    good.write_text(EXAMPLES["township.example.toml"] + "\n[limits]\nrequests_per_second = 50\n")
    for path, code in ((broken, 1), (garbage, 1), (limits, 1), (good, 0)):
        done = subprocess.run(
            [sys.executable, "-m", "queue_server.cli", "check-config", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == code, done.stderr
        assert "Traceback" not in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "queue_server.cli", "check-config", str(limits)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stderr.splitlines() == [
        "limits.requests_per_second: must be from 50 to 100000, not 10",
        "limits.burst: must be from 50 to 1000000, not 5",
    ]
