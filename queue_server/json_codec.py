"""JSON as the server sends it: compact UTF-8 bytes, Chinese text as it is (no \\u escapes)."""

from __future__ import annotations

from typing import Any

import orjson


def encode(value: Any) -> bytes:
    """Every answer and stream message goes through here, so it is orjson's speed, not the
    standard library's; keys that are not strings are written as strings, as `json` does."""
    try:
        return orjson.dumps(value)
    except TypeError:  # a key that is not a string: rare, and slower to allow for everywhere
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
