"""Fake ID card readers: one in memory, and one steered through a folder (idcard.in)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from drivers.idcard.base import IdCardError, IdCardReaderGone
from drivers.idcard.card import IdCard, Misread, read_card
from drivers.input.base import DeviceError
from drivers.input.mailbox import Mailbox
from drivers.input.tail import LineTail

FILE_NAME = "idcard.in"


class FakeIdCardReader:
    """place(card) delivers `card`; unplug() ends the iteration with IdCardReaderGone."""

    def __init__(self, name: str = "fake ID card reader") -> None:
        self._name = name
        self._mailbox: Mailbox[IdCard] = Mailbox()

    @property
    def name(self) -> str:
        return self._name

    def place(self, card: IdCard) -> None:
        self._mailbox.put(card)

    def unplug(self) -> None:
        self._mailbox.fail(IdCardReaderGone(f"{self._name}: unplugged"))

    def close(self) -> None:
        self._mailbox.close()

    def __aiter__(self) -> AsyncIterator[IdCard | Misread]:
        return self._mailbox.__aiter__()


class FileIdCardReader:
    """The fake reader of `--fake-devices DIR`: each line `name,id_number` appended to
    DIR/idcard.in is one card placed on the reader (a bare `id_number` is a card whose reader
    gives no name, like a keyboard-mode reader).

    Lines already in the file when the reader is made are not cards; the file may be created
    later, truncated or replaced; a line counts once its newline is written.
    """

    def __init__(self, folder: Path, *, interval: float = 0.1) -> None:
        self._tail = LineTail(folder / FILE_NAME, interval=interval)

    @property
    def name(self) -> str:
        return f"file:{self._tail.path}"

    def close(self) -> None:
        self._tail.close()

    async def __aiter__(self) -> AsyncIterator[IdCard | Misread]:
        try:
            async for line in self._tail:
                name, _, number = line.rpartition(",")
                yield read_card(number, name, self.name)
        except DeviceError as exc:
            raise IdCardError(str(exc)) from exc
