"""KeyboardLines: a grabbed keyboard-emulating device (scanner, ID reader) read line by line."""

from __future__ import annotations

from collections.abc import AsyncIterator

from drivers.input.base import DeviceError, DeviceGone, InputSource
from drivers.input.evdev_source import open_selected
from drivers.input.keymap import LineAssembler


async def typed_lines(source: InputSource) -> AsyncIterator[str]:
    """Each line typed on `source`; a half-typed line dies with the device, never delivered."""
    assembler = LineAssembler()
    async for event in source:
        line = assembler.feed(event)
        if line is not None:
            yield line


def open_source(selector: str, error: type[DeviceError], gone: type[DeviceGone]) -> InputSource:
    """Find and open the device a config's selector names, failing with the caller's errors."""
    try:
        return open_selected(selector)
    except DeviceError as exc:
        raise _translate(exc, error, gone) from exc


class KeyboardLines:
    """Grabs `source` at once, so no keystroke reaches the browser, and raises the caller's errors.

    `error` and `gone` are the device package's own kinds (ScannerError and ScannerGone, ...), so
    each package keeps one base error while sharing this reader.
    """

    def __init__(
        self, source: InputSource, error: type[DeviceError], gone: type[DeviceGone]
    ) -> None:
        self._source = source
        self._error = error
        self._gone = gone
        try:
            source.grab()
        except DeviceError as exc:
            source.close()
            raise _translate(exc, self._error, self._gone) from exc

    @property
    def name(self) -> str:
        return self._source.identity.name

    def close(self) -> None:
        self._source.close()

    async def __aiter__(self) -> AsyncIterator[str]:
        try:
            async for line in typed_lines(self._source):
                yield line
        except DeviceError as exc:
            raise _translate(exc, self._error, self._gone) from exc


def _translate(exc: DeviceError, error: type[DeviceError], gone: type[DeviceGone]) -> DeviceError:
    return (gone if isinstance(exc, DeviceGone) else error)(str(exc))
