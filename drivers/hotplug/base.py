"""The UdevEvents interface a hot-plug event feed implements, and the package's one error."""

from __future__ import annotations

from typing import Protocol

from drivers.input.base import DeviceError

# Printers through pyusb (usb) or usblp (usbmisc: /dev/usb/lp*), input devices, serial ports.
KIOSK_SUBSYSTEMS = ("usb", "input", "tty", "usbmisc")


class HotplugError(DeviceError):
    """udev cannot be watched: udevd not running, netlink refused, or the feed broke."""


class UdevEvents(Protocol):
    """A pollable feed of device events: its descriptor tells the loop when some are waiting."""

    def fileno(self) -> int: ...

    def drain(self) -> list[str]:
        """The waiting events, described for logs ("add usb 1-1.3"); HotplugError if broken."""
        ...

    def close(self) -> None: ...
