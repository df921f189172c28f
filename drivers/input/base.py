"""The InputSource interface every keyboard-like device reader implements, and its errors."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class DeviceError(Exception):
    """Base of every input device error: the device cannot be found, opened, grabbed or read."""


class DeviceGone(DeviceError):
    """The device disappeared (unplugged, or its node removed) while it was in use."""


class KeyState(enum.IntEnum):
    """The value of a Linux EV_KEY event."""

    UP = 0
    DOWN = 1
    REPEAT = 2


@dataclass(frozen=True)
class KeyEvent:
    """One key going down, up or auto-repeating; `code` is a Linux KEY_* code."""

    code: int
    state: KeyState


@dataclass(frozen=True)
class DeviceIdentity:
    """Who a device is: its name, its node, the USB port it hangs on and its serial.

    `port_path` is udev's ID_PATH (stable while the device stays in the same port), the key a
    hall binds a device to its role with; `serial` is ID_SERIAL, a sanity check only, since
    cheap devices share one.
    """

    name: str
    path: str
    port_path: str | None = None
    serial: str | None = None
    keyboard: bool = False


@runtime_checkable
class InputSource(Protocol):
    """A keyboard-like device: its key events, an exclusive grab and a way to let go."""

    @property
    def identity(self) -> DeviceIdentity: ...

    def __aiter__(self) -> AsyncIterator[KeyEvent]:
        """Key events until close(); raises DeviceGone when the device disappears."""
        ...

    def grab(self) -> None:
        """Take the device for ourselves, so its keys reach no other program (the browser)."""
        ...

    def close(self) -> None:
        """Release the device; a pending iteration ends."""
        ...
