"""What a path names, told without an exception: backup, restore and doctor say it in words."""

from __future__ import annotations

import stat
from enum import Enum
from pathlib import Path


class PathKind(Enum):
    FILE = "file"
    FOLDER = "folder"
    OTHER = "other"  # a device node, a socket, a pipe
    MISSING = "missing"
    DENIED = "denied"  # a folder above it is closed to this user: it may or may not be there


def kind(path: Path) -> PathKind:
    try:
        mode = path.stat().st_mode
    except PermissionError:
        return PathKind.DENIED
    except OSError:  # not there, a file where a folder should be, a loop of links
        return PathKind.MISSING
    if stat.S_ISREG(mode):
        return PathKind.FILE
    if stat.S_ISDIR(mode):
        return PathKind.FOLDER
    return PathKind.OTHER


def nearest_existing(path: Path) -> Path:
    """The closest of path's parents that this user sees (a file, where one is in the way)."""
    found = path.parent
    while kind(found) in (PathKind.MISSING, PathKind.DENIED) and found.parent != found:
        found = found.parent
    return found
