"""FakeUdevEvents: a pipe-backed UdevEvents a test emits device events into."""

from __future__ import annotations

import contextlib
import os

from drivers.hotplug.base import HotplugError


class FakeUdevEvents:
    """emit() makes its descriptor readable, as udev's netlink socket does on an event."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        self._waiting: list[str] = []
        self._broken = False
        self.closed = False

    @property
    def undelivered(self) -> int:
        """Events emitted that the monitor has not drained yet."""
        return len(self._waiting)

    def emit(self, action: str = "add", subsystem: str = "usb", name: str = "1-1") -> None:
        self._waiting.append(f"{action} {subsystem} {name}")
        os.write(self._write, b".")

    def break_down(self) -> None:
        """Make the next drain fail, as a netlink socket that errors out."""
        self._broken = True
        os.write(self._write, b".")

    def fileno(self) -> int:
        return self._read

    def drain(self) -> list[str]:
        if self._broken:
            raise HotplugError("fake udev feed broke down")
        with contextlib.suppress(BlockingIOError):
            os.read(self._read, 65536)
        events, self._waiting = self._waiting, []
        return events

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self._read)
            os.close(self._write)
