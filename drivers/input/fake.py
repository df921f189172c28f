"""FakeSource: an InputSource fed key events by a test, which can be grabbed and unplugged."""

from __future__ import annotations

from collections.abc import AsyncIterator

from drivers.input.base import DeviceError, DeviceGone, DeviceIdentity, KeyEvent
from drivers.input.keymap import keystrokes
from drivers.input.mailbox import Mailbox


class FakeSource:
    """Delivers the events given to feed(); unplug() ends the iteration with DeviceGone."""

    def __init__(self, identity: DeviceIdentity | None = None) -> None:
        self._identity = identity or DeviceIdentity("fake keyboard", "fake", keyboard=True)
        self._mailbox: Mailbox[KeyEvent] = Mailbox()
        self.grabbed = False

    @property
    def identity(self) -> DeviceIdentity:
        return self._identity

    @property
    def closed(self) -> bool:
        return self._mailbox.closed

    def feed(self, *events: KeyEvent) -> None:
        for event in events:
            self._mailbox.put(event)

    def type(self, text: str) -> None:
        """Type `text` as a US keyboard would, a newline being Enter."""
        self.feed(*keystrokes(text))

    def unplug(self) -> None:
        self._mailbox.fail(DeviceGone(f"{self._identity.name}: unplugged"))

    def grab(self) -> None:
        # The kernel refuses a second EVIOCGRAB, and so does the fake.
        if self.grabbed:
            raise DeviceError(f"{self._identity.name}: already grabbed")
        self.grabbed = True

    def close(self) -> None:
        self.grabbed = False
        self._mailbox.close()

    def __aiter__(self) -> AsyncIterator[KeyEvent]:
        return self._mailbox.__aiter__()
