"""The Scanner interface every barcode/QR scanner adapter implements, and its errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from drivers.input.base import DeviceError, DeviceGone


class ScannerError(DeviceError):
    """Base of every scanner error: the scanner cannot be found, opened, grabbed or read."""


class ScannerGone(ScannerError, DeviceGone):
    """The scanner was unplugged; a code it was halfway through is lost, never half-delivered."""


@runtime_checkable
class Scanner(Protocol):
    """Something that reads codes: each scan comes out whole, as one non-blank string."""

    @property
    def name(self) -> str:
        """A short name for logs, e.g. the device's name or "fake scanner"."""
        ...

    def __aiter__(self) -> AsyncIterator[str]:
        """The scans, in order, until close(); raises ScannerGone if the scanner is unplugged."""
        ...

    def close(self) -> None:
        """Stop reading and let the device go; a pending iteration ends."""
        ...
