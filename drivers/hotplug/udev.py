"""PyudevEvents: the udev event feed through pyudev's netlink monitor (source "udev")."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from drivers.hotplug.base import HotplugError

# udevd's control socket: without it a "udev" netlink monitor opens fine but never hears a thing.
UDEV_CONTROL = Path("/run/udev/control")


class PyudevEvents:
    """Events after udevd has handled them, so ID_PATH, symlinks and permissions are in place."""

    def __init__(self, monitor: Any) -> None:
        self._monitor: Any = monitor

    def fileno(self) -> int:
        return int(self._monitor.fileno())

    def drain(self) -> list[str]:
        events = []
        try:
            while (device := self._monitor.poll(timeout=0)) is not None:
                events.append(f"{device.action} {device.subsystem} {device.sys_name}")
        except OSError as exc:
            raise HotplugError(f"udev monitor failed: {exc}") from exc
        return events

    def close(self) -> None:
        # pyudev has no close(): the netlink socket goes with the last reference.
        self._monitor = None


def open_udev_events(subsystems: Sequence[str], control: Path = UDEV_CONTROL) -> PyudevEvents:
    """A started monitor for `subsystems`; HotplugError when udev cannot be watched here."""
    if not control.exists():
        raise HotplugError(f"udevd is not running ({control} is missing)")
    try:
        import pyudev  # type: ignore[import-untyped]

        monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source="udev")
        for subsystem in subsystems:
            monitor.filter_by(subsystem)
        monitor.start()
    except (ImportError, OSError, ValueError) as exc:
        raise HotplugError(f"cannot watch udev: {exc}") from exc
    return PyudevEvents(monitor)
