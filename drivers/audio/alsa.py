"""AplayAudio: an AudioOutput that plays WAV sounds on an ALSA device through `aplay -q`."""

from __future__ import annotations

import asyncio
import io
import shutil
import wave
from pathlib import Path

from drivers.audio.base import AudioError, Sound

# How long aplay may run beyond the sound's own length (opening the device, buffering) before
# the device is taken for wedged: a stuck USB sound card must not silence the hall for good.
OVERRUN_SECONDS = 10.0


class AplayAudio:
    """Runs one `aplay` process per sound; `device` is an ALSA PCM name such as "plughw:1,0"."""

    def __init__(
        self,
        device: str | None = None,
        *,
        aplay: str = "aplay",
        overrun_seconds: float = OVERRUN_SECONDS,
    ) -> None:
        self.device = device
        self.aplay = aplay
        self.overrun_seconds = overrun_seconds

    @property
    def name(self) -> str:
        return f"aplay:{self.device or 'default'}"

    async def play(self, sound: Sound) -> None:
        executable = shutil.which(self.aplay)
        if executable is None:
            raise AudioError(f"{self.name}: {self.aplay!r} not found (Debian package alsa-utils)")
        args = [executable, "-q"]
        if self.device:
            args += ["-D", self.device]
        if isinstance(sound, Path):
            if not sound.is_file():
                raise AudioError(f"{self.name}: no such sound file {sound}")
            args.append(str(sound))
            data = None
            limit = _duration(sound.read_bytes()) + self.overrun_seconds
        else:
            data = sound  # aplay reads the WAV from stdin when given no file
            limit = _duration(sound) + self.overrun_seconds
        try:
            proc = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.PIPE if data is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise AudioError(f"{self.name}: cannot start aplay: {exc}") from exc
        try:
            async with asyncio.timeout(limit):
                _, stderr = await proc.communicate(data)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise AudioError(
                f"{self.name}: did not finish within {limit:.1f} s; the device may be wedged"
            ) from None
        except BaseException:
            # Cancelled mid-sound: stop the speaker rather than leave an orphan talking.
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
        if proc.returncode != 0:
            message = stderr.decode(errors="replace").strip().splitlines()
            detail = message[-1] if message else f"exit status {proc.returncode}"
            raise AudioError(f"{self.name}: {detail}")


def _duration(data: bytes) -> float:
    """The playing time of a WAV in seconds; 0 for a sound aplay itself will refuse."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            return wav.getnframes() / wav.getframerate()
    except (EOFError, wave.Error, ZeroDivisionError):
        return 0.0
