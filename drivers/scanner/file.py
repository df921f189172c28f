"""FileScanner: a Scanner steered through a folder: each line appended to scanner.in is a scan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from drivers.input.base import DeviceError
from drivers.input.tail import LineTail
from drivers.scanner.base import ScannerError

FILE_NAME = "scanner.in"


class FileScanner:
    """The fake scanner of `hallq kiosk --fake-devices DIR`: `echo A001 >> DIR/scanner.in` scans.

    Lines already in the file when the scanner is made are not scans; the file may be created
    later, truncated or replaced; a line is a scan only once its newline is written.
    """

    def __init__(self, folder: Path, *, interval: float = 0.1) -> None:
        self._tail = LineTail(folder / FILE_NAME, interval=interval)

    @property
    def name(self) -> str:
        return f"file:{self._tail.path}"

    def close(self) -> None:
        self._tail.close()

    async def __aiter__(self) -> AsyncIterator[str]:
        try:
            async for line in self._tail:
                yield line
        except DeviceError as exc:
            raise ScannerError(str(exc)) from exc
