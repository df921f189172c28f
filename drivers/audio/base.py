"""The AudioOutput interface every audio adapter implements, and its one base error."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

# A sound is a WAV file on disk or a whole WAV file in memory.
Sound = Path | bytes


class AudioError(Exception):
    """Base of every audio driver error: the device or the sound could not be played."""


@runtime_checkable
class AudioOutput(Protocol):
    """Something that plays one WAV sound at a time."""

    @property
    def name(self) -> str:
        """A short name for logs, e.g. "aplay:plughw:1,0" or "fake"."""
        ...

    async def play(self, sound: Sound) -> None:
        """Play `sound` and return when playback has ended; raise AudioError on failure."""
        ...
