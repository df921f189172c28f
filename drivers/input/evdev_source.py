"""EvdevSource: an InputSource over a Linux evdev node, with errors translated to DeviceError."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import os
from collections.abc import AsyncIterator
from typing import Protocol

from evdev import InputDevice, ecodes
from evdev.eventio_async import ReadIterator

from drivers.input.base import DeviceError, DeviceGone, DeviceIdentity, KeyEvent, KeyState
from drivers.input.finder import find_input_devices, parse_selector

# errno values meaning the node is no longer backed by a device.
_GONE = frozenset({errno.ENODEV, errno.ENXIO, errno.ENOENT})


class EvdevDevice(Protocol):
    """The part of evdev.InputDevice used here (tests stand in a pipe-backed EventIO)."""

    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str | bytes: ...
    @property
    def uniq(self) -> str: ...
    def async_read_loop(self) -> ReadIterator: ...
    def grab(self) -> None: ...
    def close(self) -> None: ...


class EvdevSource:
    """One evdev device. Iterate it once: when the iteration ends, for any reason, it is closed."""

    def __init__(self, device: EvdevDevice, identity: DeviceIdentity | None = None) -> None:
        self._device = device
        self._identity = identity or DeviceIdentity(
            device.name, os.fsdecode(device.path), serial=device.uniq or None
        )
        self._closed = False
        # Resolved by close(): evdev's own close() does not wake a pending read.
        self._stop: asyncio.Future[None] | None = None

    @classmethod
    def open(cls, identity: DeviceIdentity) -> EvdevSource:
        """Open the node `identity.path` (as found by drivers.input.finder)."""
        try:
            device: InputDevice[str] = InputDevice(identity.path)
        except OSError as exc:
            raise _translate(identity.path, "cannot open", exc) from exc
        return cls(device, dataclasses.replace(identity, name=device.name))

    @property
    def identity(self) -> DeviceIdentity:
        return self._identity

    def grab(self) -> None:
        try:
            self._device.grab()
        except OSError as exc:
            raise _translate(self._identity.name, "cannot grab", exc) from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._stop is not None and not self._stop.done():
            self._stop.set_result(None)
        # Closing also lets go of the grab; a device already gone has nothing left to release.
        with contextlib.suppress(OSError):
            self._device.close()

    async def __aiter__(self) -> AsyncIterator[KeyEvent]:
        if self._closed:
            return
        reader = self._device.async_read_loop()
        self._stop = stop = asyncio.get_running_loop().create_future()
        try:
            while True:
                pending = reader.__anext__()
                await asyncio.wait((pending, stop), return_when=asyncio.FIRST_COMPLETED)
                if stop.done():
                    # A read that settled meanwhile is dropped; its error, marked as seen, too.
                    if not pending.cancel():
                        pending.exception()
                    return
                try:
                    event = pending.result()
                except OSError as exc:
                    raise _translate(self._identity.name, "read failed", exc) from exc
                if event.type == ecodes.EV_KEY and KeyState.UP <= event.value <= KeyState.REPEAT:
                    yield KeyEvent(event.code, KeyState(event.value))
        finally:
            # Closing removes evdev's reader from the loop, so a cancelled read never fires.
            self.close()


def open_selected(selector: str) -> EvdevSource:
    """Open the input device a config's selector names (see drivers.input.finder)."""
    found = find_input_devices(parse_selector(selector))
    if not found:
        raise DeviceError(f"no input device matches {selector!r}")
    return EvdevSource.open(found[0])


def _translate(what: str, doing: str, exc: OSError) -> DeviceError:
    error = DeviceGone if exc.errno in _GONE else DeviceError
    return error(f"{what}: {doing}: {exc.strerror or exc}")
