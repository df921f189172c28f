"""Checks both agents make of what they are given: a server URL, a device, a token file."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from drivers.input.base import DeviceError
from drivers.input.finder import parse_selector
from queue_server.config.reader import Table

TOKEN_ALONE = "a token file holds the token alone (hallq device add ... | tail -n 1 > FILE)"


def server_problem(url: str) -> str | None:
    """What is wrong with a server URL (from the config or --server), or None."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        return None
    return f"must be an http:// or https:// URL, not {url!r}"


def device_selector(table: Table) -> str | None:
    """The table's `device` selector, its problem noted in the table when it names nothing."""
    selector = table.optional_text("device")
    if selector is not None:
        try:
            parse_selector(selector)
        except DeviceError as exc:
            table.problem("device", str(exc))
    return selector


def read_secret(value: str | None, path: Path | None, key: str, problems: list[str]) -> str | None:
    """`value`, or else the text of the file at `path`; a file that cannot be read, is empty
    or holds more than a token is a problem of `key`."""
    if value or path is None:
        return value
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        problems.append(f"{key}: cannot read {path} ({exc.strerror or exc})")
        return None
    if not text:
        problems.append(f"{key}: {path} is empty")
        return None
    if problem := _not_a_token(text):
        problems.append(f"{key}: {problem}; {TOKEN_ALONE}")
        return None
    return text


def _not_a_token(text: str) -> str | None:
    """What a token file holds besides a token (the other lines `hallq device add` prints, a
    control character, a byte-order mark), or None; sent as it is, it would be no header."""
    lines = text.split("\n")
    if len(lines) > 1:
        return f"holds {len(lines)} lines"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        return "holds a control character"
    if not (text.isascii() and text.isprintable()):
        return "holds a character a token never has"
    return None
