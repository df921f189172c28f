"""JSON as the server sends it and as the journal keeps it: compact UTF-8, Chinese text as it
is (no \\u escapes)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson


def encode(value: Any) -> bytes:
    """Every answer and stream message goes through here, so it is orjson's speed, not the
    standard library's; keys that are not strings are written as strings, as `json` does."""
    try:
        return orjson.dumps(value)
    except TypeError:  # a key that is not a string: rare, and slower to allow for everywhere
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def strict_text(value: Any) -> str:
    """JSON text for the journal, refusing what is not JSON: NaN and Infinity (ValueError),
    which orjson would quietly write as null, and objects JSON has no form for (TypeError).
    Read-only mappings (MappingProxyType) are written as objects."""
    return _STRICT.encode(value)


def _mapping_as_dict(value: object) -> dict[Any, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# One encoder for every call (json.dumps with options would build a new one each time).
_STRICT = json.JSONEncoder(
    ensure_ascii=False,
    separators=(",", ":"),
    # NaN and Infinity are not JSON: browsers and other readers would reject the line.
    allow_nan=False,
    default=_mapping_as_dict,
)
