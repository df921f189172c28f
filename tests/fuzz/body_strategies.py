"""Hypothesis strategies for request bodies, read off the shapes in queue_server.web.requests:
valid bodies, and malformed ones that each carry the name of the field at fault."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from queue_server.web import requests as rq

# Text as a person could type it: no NUL, no lone surrogates (both are refused on their own).
TYPED = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
# Names of fields no shape has (a dot or bracket would read as a nested field's path).
UNKNOWN_NAME = st.text(
    st.characters(categories=("L", "N"), include_characters="_-"), min_size=1, max_size=30
)
WRONG_TYPES = ("12", "-1", "4.5", "1e999", "-1e999", "NaN", "true", "false", "[]", "{}", '["x"]')


@dataclass(frozen=True)
class Bad:
    """A malformed body: its bytes, and the field the 422 message must start with."""

    raw: bytes
    field: str


def encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def object_text(pairs: list[tuple[str, str]]) -> bytes:
    """A JSON object from (key, JSON text of the value) pairs, kept as written (repeats too)."""
    return ("{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in pairs) + "}").encode()


def valid_value(name: str, kind: rq.Kind, known: Mapping[str, list[str]]) -> st.SearchStrategy[Any]:
    if isinstance(kind, rq.Text):
        return valid_text(kind, known.get(name, []))
    if isinstance(kind, rq.Integer):
        return st.integers(kind.minimum, kind.maximum)
    if isinstance(kind, rq.Boolean):
        return st.booleans()
    if isinstance(kind, rq.TextList):
        return st.lists(valid_text(kind.item, known.get(name, [])), max_size=kind.max_items)
    return valid_body(kind.shape, known)


def valid_text(kind: rq.Text, real: list[str]) -> st.SearchStrategy[str]:
    if kind.choices:
        return st.sampled_from(kind.choices)
    if kind.pattern:
        made = st.from_regex(kind.pattern, fullmatch=True)
    else:
        made = st.text(TYPED, min_size=kind.min_length, max_size=min(kind.max_length, 40))
    made = made.filter(lambda t: kind.min_length <= len(t) <= kind.max_length)
    return st.one_of(st.sampled_from(real), made) if real else made


def valid_body(
    shape: rq.Shape, known: Mapping[str, list[str]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Every required field and any of the optional ones, each valid for its kind."""
    return st.fixed_dictionaries(
        {name: valid_value(name, kind, known) for name, kind in shape.required.items()},
        optional={name: valid_value(name, kind, known) for name, kind in shape.optional.items()},
    )


def bad_text(kind: rq.Text) -> st.SearchStrategy[str]:
    """JSON text of a value this Text refuses."""
    refused = [
        st.sampled_from(WRONG_TYPES),
        # too long, up to huge
        st.integers(kind.max_length + 1, kind.max_length + 15_000).map(
            lambda n: json.dumps("長" * n, ensure_ascii=False)
        ),
        st.text(TYPED, max_size=10).map(lambda t: json.dumps(t + "\x00" + t)),
        st.just('"\\ud800"'),
    ]
    if kind.min_length > 0:
        refused.append(st.just('""'))
    if kind.choices:
        refused.append(
            st.text(TYPED, min_size=1, max_size=kind.max_length)
            .filter(lambda t: t not in kind.choices)
            .map(json.dumps)
        )
    if kind.pattern:
        pattern = kind.pattern
        refused.append(
            st.text(TYPED, min_size=max(kind.min_length, 1), max_size=kind.max_length)
            .filter(lambda t: not re.fullmatch(pattern, t))
            .map(lambda t: json.dumps(t, ensure_ascii=False))
        )
    return st.one_of(refused)


def bad_value(kind: rq.Kind, required: bool) -> st.SearchStrategy[tuple[str, str]]:
    """(JSON text of a value `kind` refuses, what follows the field's name in the message:
    nothing, or a list item's index)."""
    refused: list[st.SearchStrategy[str]] = [st.just("null")] if required else []
    if isinstance(kind, rq.Text):
        refused.append(bad_text(kind))
    elif isinstance(kind, rq.Integer):
        refused += [
            st.integers(max_value=kind.minimum - 1).map(str),
            st.integers(min_value=kind.maximum + 1).map(str),
            st.sampled_from(['"3"', "3.0", "1e999", "true", "[1]", "NaN"]),
        ]
    elif isinstance(kind, rq.Boolean):
        refused.append(st.sampled_from(["0", "1", '"true"', "[]"]))
    elif isinstance(kind, rq.TextList):
        too_many = json.dumps(["x"] * (kind.max_items + 1))
        refused.append(st.sampled_from(['"115"', "{}", "7", too_many]))
        # good items up to a bad one, whose index names it
        bad_item = st.tuples(
            st.lists(valid_text(kind.item, []), max_size=kind.max_items - 1), bad_text(kind.item)
        ).map(lambda found: (_json_list(found[0], found[1]), f"[{len(found[0])}]"))
        return st.one_of(st.one_of(refused).map(lambda v: (v, "")), bad_item)
    else:
        refused.append(st.sampled_from(["[]", '"x"', "5"]))
    return st.one_of(refused).map(lambda v: (v, ""))


def _json_list(goods: list[str], bad: str) -> str:
    return "[" + ",".join([*(json.dumps(g) for g in goods), bad]) + "]"


def malformed_body(
    shape: rq.Shape, known: Mapping[str, list[str]], *, prefix: str = ""
) -> st.SearchStrategy[tuple[list[tuple[str, str]], str]]:
    """A body as (key, JSON value text) pairs that breaks one rule, and the field it names."""
    fields = {**shape.required, **shape.optional}

    def pairs(body: dict[str, Any]) -> list[tuple[str, str]]:
        return [(k, json.dumps(v, ensure_ascii=False)) for k, v in body.items()]

    base = valid_body(shape, known).map(pairs)
    mutations: list[st.SearchStrategy[tuple[list[tuple[str, str]], str]]] = []
    unknown = UNKNOWN_NAME.filter(lambda n: n not in fields)
    mutations.append(
        st.tuples(base, unknown, st.sampled_from(WRONG_TYPES)).map(
            lambda b: ([*b[0], (b[1], b[2])], prefix + b[1])
        )
    )
    for name in shape.required:
        mutations.append(
            base.map(lambda b, name=name: ([p for p in b if p[0] != name], prefix + name))
        )
    for name, kind in fields.items():
        mutations.append(
            st.tuples(base, bad_value(kind, name in shape.required)).map(
                lambda b, name=name: (
                    [*(p for p in b[0] if p[0] != name), (name, b[1][0])],
                    prefix + name + b[1][1],
                )
            )
        )
        # the same key twice, both values fine on their own
        mutations.append(
            st.tuples(base, valid_value(name, kind, known)).map(
                lambda b, name=name: (
                    [*b[0], (name, json.dumps(b[1])), (name, json.dumps(b[1]))],
                    prefix + name,
                )
            )
        )
        if isinstance(kind, rq.Nested):
            inner = malformed_body(kind.shape, known, prefix=f"{prefix}{name}.")
            mutations.append(
                st.tuples(base, inner).map(
                    lambda b, name=name: (
                        [*(p for p in b[0] if p[0] != name), (name, object_text(b[1][0]).decode())],
                        b[1][1],
                    )
                )
            )
    return st.one_of(mutations)


# Bodies no shape takes: the message names the body itself.
WHOLE_BODY_REFUSALS = st.one_of(
    st.sampled_from(
        [
            b"{",
            b'{"a": }',
            b"[]",
            b'"text"',
            b"12",
            b"null",
            b"1e999",
            b"\xff\xfe{}",
            b'{"service": "\xe7\xa4"}',
            b"\xef\xbb\xbf{}",
            b"\x00",
        ]
    ),
    st.integers(1_000, 30_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(3_000, 10_000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
    st.integers(4_301, 20_000).map(lambda digits: b'{"x": ' + b"9" * digits + b"}"),
    st.binary(min_size=1, max_size=200).filter(lambda raw: _not_json_object(raw)),
)


def _not_json_object(raw: bytes) -> bool:
    if not raw.strip():
        return False
    try:
        return not isinstance(json.loads(raw.decode("utf-8")), dict)
    except ValueError:
        return True


def malformed(shape: rq.Shape, known: Mapping[str, list[str]]) -> st.SearchStrategy[Bad]:
    whole = WHOLE_BODY_REFUSALS.map(lambda raw: Bad(raw, "body"))
    return st.one_of(
        whole, malformed_body(shape, known).map(lambda found: Bad(object_text(found[0]), found[1]))
    )
