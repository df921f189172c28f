"""The order of report rows: numbers inside keys by their value (window 2 before window 10)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"([0-9]+)")


def number_order(key: str) -> tuple[tuple[str | int, ...], str]:
    """A sort key: "2" before "10", "A9" before "A10"; the key itself breaks ties ("09", "9").

    Split on runs of digits, text and numbers alternate, so two keys always compare.
    """
    parts = _DIGITS.split(key)
    return tuple(int(part) if n % 2 else part for n, part in enumerate(parts)), key
