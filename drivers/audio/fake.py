"""FakeAudio: an AudioOutput that records what it played on a manual clock, for tests."""

from __future__ import annotations

import asyncio
import io
import wave
from dataclasses import dataclass
from pathlib import Path

from drivers.audio.base import AudioError, Sound


class ManualClock:
    """Seconds on a timeline that moves only when someone advances it."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock never goes back")
        self._now += seconds


@dataclass(frozen=True)
class Played:
    """One finished playback: when it started and ended on the clock, and the WAV played."""

    start: float
    end: float
    wav: bytes


def read_wav(sound: Sound) -> bytes:
    """The bytes of a WAV sound, checked to be a readable WAV file."""
    try:
        data = sound.read_bytes() if isinstance(sound, Path) else sound
        with wave.open(io.BytesIO(data), "rb"):
            pass
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioError(f"cannot play {_describe(sound)}: {exc}") from exc
    return data


def wav_duration(data: bytes) -> float:
    """The playing time of a WAV file in seconds."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def _describe(sound: Sound) -> str:
    return str(sound) if isinstance(sound, Path) else f"{len(sound)} bytes of audio"


class FakeAudio:
    """Plays instantly in real time but advances the clock by each sound's duration."""

    def __init__(self, clock: ManualClock | None = None, *, name: str = "fake") -> None:
        self.clock = clock or ManualClock()
        self.played: list[Played] = []
        # The most sounds ever playing at once: anything above 1 means overlapping speech.
        self.max_concurrent = 0
        self.fail_next = 0
        self._name = name
        self._active = 0

    @property
    def name(self) -> str:
        return self._name

    async def play(self, sound: Sound) -> None:
        data = read_wav(sound)
        if self.fail_next > 0:
            self.fail_next -= 1
            raise AudioError(f"{self._name}: simulated device fault")
        start = self.clock()
        self._active += 1
        self.max_concurrent = max(self.max_concurrent, self._active)
        try:
            # Yield so that a caller who starts a second sound meanwhile is caught overlapping.
            await asyncio.sleep(0)
            self.clock.advance(wav_duration(data))
        finally:
            self._active -= 1
        self.played.append(Played(start, self.clock(), data))
