"""The IdCardReader interface every ID card reader adapter implements, and its errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from drivers.input.base import DeviceError, DeviceGone

if TYPE_CHECKING:
    from drivers.idcard.card import IdCard, Misread


class IdCardError(DeviceError):
    """Base of every ID card error. Messages never hold an ID number in the clear."""


class IdCardReaderGone(IdCardError, DeviceGone):
    """The reader was unplugged; a number it was halfway through typing is lost."""


@runtime_checkable
class IdCardReader(Protocol):
    """Something citizens place their ID card on: each card read comes out as one IdCard."""

    @property
    def name(self) -> str:
        """A short name for logs, e.g. the device's name or "fake ID card reader"."""
        ...

    def __aiter__(self) -> AsyncIterator[IdCard | Misread]:
        """Cards read, in order, until close(); a card whose number fails its check comes out
        as a Misread (logged masked) so the citizen can be asked to place it again; raises
        IdCardReaderGone if the reader is unplugged."""
        ...

    def close(self) -> None:
        """Stop reading and let the device go; a pending iteration ends."""
        ...
