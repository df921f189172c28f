"""Load a hall file (TOML) into a checked HallConfig, and the `hallq check-config` command."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from queue_server.config.reader import Problems, Table
from queue_server.config.sections import read_document
from queue_server.config.validate import check_draft
from queue_server.domain.hall import HallConfig

_EXAMPLE = "hall.example.toml"


class ConfigError(Exception):
    """A hall file that cannot be used; `problems` lists every one, each "key.path: message"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(self.problems)


def parse_hall(
    text: str,
    *,
    source: str = "<string>",
    open_all_hours: bool = False,
    base: Path | None = None,
) -> HallConfig:
    """Read a hall from TOML text; `open_all_hours` forces hours.open_all_hours on; folders
    the file names are relative to `base` (the current folder when None)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: not valid TOML: {exc}"]) from exc
    problems = Problems()
    draft = read_document(Table(data, "", problems), open_all_hours=open_all_hours, base=base)
    check_draft(draft, problems)
    if problems.items:
        raise ConfigError(problems.items)
    return draft.config


def load_hall(path: str | Path, *, open_all_hours: bool = False) -> HallConfig:
    """Read a hall file; raises ConfigError listing every problem found in it."""
    if not str(path).strip():  # Path("") would be the current folder
        raise ConfigError(["no hall config file named (the path is empty)"])
    path = Path(path)
    try:
        # utf-8-sig: Windows editors often save a BOM, which tomllib refuses as a bad statement
        text = path.read_bytes().decode("utf-8-sig")
    except IsADirectoryError as exc:
        raise ConfigError([f"{path}: is a folder, not a hall config file"]) from exc
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [
                f"{path}: line {line} is not UTF-8 text: save the file as UTF-8 "
                "(an editor that saves GBK or ANSI writes Chinese text this way)"
            ]
        ) from exc
    return parse_hall(text, source=str(path), open_all_hours=open_all_hours, base=path.parent)


def builtin_hall_path() -> Path:
    """The Jiangbei example: from the checkout when run from one, else as installed data."""
    checkout = Path(__file__).resolve().parents[2] / "config" / _EXAMPLE
    if checkout.is_file():
        return checkout
    return Path(sys.prefix) / "share" / "hallq" / "config" / _EXAMPLE


def load_builtin_hall() -> HallConfig:
    """The demo hall: the Jiangbei example, open at all hours."""
    return load_hall(builtin_hall_path(), open_all_hours=True)


def check_config_main(path: str) -> int:
    """`hallq check-config FILE`: a one-line summary and 0, or every problem on stderr and 1."""
    try:
        hall = load_hall(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    print(f"OK: {hall.name}, {len(hall.services)} services, {len(hall.windows)} windows")
    return 0
