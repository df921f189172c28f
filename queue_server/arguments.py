"""Argument types the `hallq` subcommands share."""

from __future__ import annotations

import argparse


def port(text: str) -> int:
    """A TCP port, 1 to 65535 (the kernel would take 99999 modulo 65536)."""
    try:
        number = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from exc
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, not {text}")
    return number
