"""Reading an agent's TOML config file; what cannot be read is that agent's settings error."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any


def read_toml(path: Path, error: Callable[[list[str]], Exception]) -> dict[str, Any]:
    """The file's tables; `error([problem])` raised when it cannot be read or is not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise error([f"{path}: cannot read ({exc})"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise error([f"{path}: not valid TOML ({exc})"]) from exc
