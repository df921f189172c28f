"""KeyboardIdCardReader: an ID card reader that types the 18-character number, plus Enter."""

from __future__ import annotations

from collections.abc import AsyncIterator

from drivers.idcard.base import IdCardError, IdCardReaderGone
from drivers.idcard.card import IdCard, Misread, read_card
from drivers.input.base import InputSource
from drivers.input.lines import KeyboardLines, open_source


class KeyboardIdCardReader:
    """Reads numbers typed by a reader in keyboard mode: cards come with the number only (no name).

    The device is grabbed when this is made, so the number never reaches the browser.
    """

    def __init__(self, source: InputSource) -> None:
        self._lines = KeyboardLines(source, IdCardError, IdCardReaderGone)

    @classmethod
    def open(cls, selector: str) -> KeyboardIdCardReader:
        """The reader a device config names: `port:<ID_PATH>`, `serial:`, `name:` or a path."""
        return cls(open_source(selector, IdCardError, IdCardReaderGone))

    @property
    def name(self) -> str:
        return self._lines.name

    def close(self) -> None:
        self._lines.close()

    async def __aiter__(self) -> AsyncIterator[IdCard | Misread]:
        async for line in self._lines:
            yield read_card(line, "", self.name)
