"""EvdevScanner: a USB HID scanner in keyboard mode, grabbed, one code per Enter."""

from __future__ import annotations

from collections.abc import AsyncIterator

from drivers.input.base import InputSource
from drivers.input.lines import KeyboardLines, open_source
from drivers.scanner.base import ScannerError, ScannerGone


class EvdevScanner:
    """Reads codes typed by a scanner set to a US layout with an Enter suffix.

    The device is grabbed when this is made, so scans never reach the browser as key presses.
    """

    def __init__(self, source: InputSource) -> None:
        self._lines = KeyboardLines(source, ScannerError, ScannerGone)

    @classmethod
    def open(cls, selector: str) -> EvdevScanner:
        """The scanner a device config names: `port:<ID_PATH>`, `serial:`, `name:` or a path."""
        return cls(open_source(selector, ScannerError, ScannerGone))

    @property
    def name(self) -> str:
        return self._lines.name

    def close(self) -> None:
        self._lines.close()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines.__aiter__()
