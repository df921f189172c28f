"""Key presses from button devices (caller keypads, rating key pads): grabbed, or fed from a file.

A button device has no text to assemble: each key going down is one press. Auto-repeat is a
key held down, never a second press, and key-ups mean nothing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

from evdev import ecodes

from drivers.input.base import DeviceError, InputSource, KeyState
from drivers.input.evdev_source import open_selected
from drivers.input.tail import LineTail

log = logging.getLogger(__name__)


async def key_presses(source: InputSource) -> AsyncIterator[int]:
    """The code of each key pressed on `source`."""
    async for event in source:
        if event.state is KeyState.DOWN:
            yield event.code


class GrabbedKeys:
    """A button device taken for ourselves when this is made, so no press reaches the browser."""

    def __init__(self, source: InputSource) -> None:
        self._source = source
        try:
            source.grab()
        except DeviceError:
            source.close()
            raise

    @classmethod
    def open(cls, selector: str) -> GrabbedKeys:
        """The device a config names: `port:<ID_PATH>`, `serial:`, `name:` or a /dev/input path."""
        return cls(open_selected(selector))

    @property
    def name(self) -> str:
        return self._source.identity.name

    def close(self) -> None:
        self._source.close()

    def __aiter__(self) -> AsyncIterator[int]:
        return key_presses(self._source)


def parse_key(word: str) -> int | None:
    """A key as a fake's file names it: "KEY_KP1" or "KP1" ("1" is KEY_1); None if unknown."""
    name = word.upper()
    code = ecodes.ecodes.get(name if name.startswith(("KEY_", "BTN_")) else f"KEY_{name}")
    return int(code) if isinstance(code, int) else None


class FileKeys:
    """The fake button device of `--fake-devices DIR`: `echo KEY_KP3 KEY_KPENTER >> DIR/F`.

    Each word of each line appended to the file is one press, in order; unknown words are
    logged and skipped. Lines already there when this is made are not presses.
    """

    def __init__(self, path: Path, *, interval: float = 0.1) -> None:
        self._tail = LineTail(path, interval=interval)

    @property
    def name(self) -> str:
        return f"file:{self._tail.path}"

    def close(self) -> None:
        self._tail.close()

    async def __aiter__(self) -> AsyncIterator[int]:
        async for line in self._tail:
            for word in line.split():
                code = parse_key(word)
                if code is None:
                    log.warning("%s: %r is not a key name", self.name, word)
                else:
                    yield code
