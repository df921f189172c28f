"""LineTail: lines appended to a file, followed by polling, for devices steered through a folder."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from drivers.input.base import DeviceError


class LineTail:
    """Yields each complete line appended to `path` after this was made; blank lines are skipped.

    The file may not exist yet; a truncated or replaced file is read again from its start; a
    line without its newline waits for it.
    """

    def __init__(self, path: Path, *, interval: float = 0.1) -> None:
        self.path = path
        self.interval = interval
        self._file: tuple[int, int] | None = None  # (device, inode) of the file being followed
        self._offset = 0
        self._partial = b""
        self._closed = asyncio.Event()
        # What is already there was written before us: a restarted agent must not replay it.
        with contextlib.suppress(FileNotFoundError):
            stat = path.stat()
            self._file, self._offset = (stat.st_dev, stat.st_ino), stat.st_size

    def close(self) -> None:
        self._closed.set()

    async def __aiter__(self) -> AsyncIterator[str]:
        while not self._closed.is_set():
            for line in self.poll():
                if self._closed.is_set():
                    return
                yield line
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), self.interval)

    def poll(self) -> list[str]:
        """The lines completed since the last poll; DeviceError if the file cannot be read."""
        try:
            with self.path.open("rb") as file:
                stat = os.fstat(file.fileno())
                if (stat.st_dev, stat.st_ino) != self._file or stat.st_size < self._offset:
                    self._file, self._offset, self._partial = (stat.st_dev, stat.st_ino), 0, b""
                file.seek(self._offset)
                data = file.read()
        except FileNotFoundError:
            self._file = None  # whatever appears here next is a new file, read from its start
            return []
        except OSError as exc:
            raise DeviceError(f"cannot read {self.path}: {exc.strerror or exc}") from exc
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        text = (line.decode("utf-8", errors="replace").strip() for line in lines)
        return [line for line in text if line]
