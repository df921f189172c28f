"""FakeScanner: a Scanner a test scans codes into, in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from drivers.input.mailbox import Mailbox
from drivers.scanner.base import ScannerGone


class FakeScanner:
    """scan(code) delivers `code` as one scan; unplug() ends the iteration with ScannerGone."""

    def __init__(self, name: str = "fake scanner") -> None:
        self._name = name
        self._mailbox: Mailbox[str] = Mailbox()

    @property
    def name(self) -> str:
        return self._name

    def scan(self, code: str) -> None:
        # A real scanner never sends an empty code: blank input is no scan.
        if code.strip():
            self._mailbox.put(code.strip())

    def unplug(self) -> None:
        self._mailbox.fail(ScannerGone(f"{self._name}: unplugged"))

    def close(self) -> None:
        self._mailbox.close()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._mailbox.__aiter__()
