"""The AudioOutput contract, run against FakeAudio always and aplay when ALSA can play."""

from __future__ import annotations

import array
import asyncio
import io
import shutil
import wave
from pathlib import Path

import pytest

from drivers.audio.alsa import AplayAudio
from drivers.audio.base import AudioError, AudioOutput
from drivers.audio.fake import FakeAudio, ManualClock


def _alsa_playback_missing() -> str | None:
    if shutil.which("aplay") is None:
        return "aplay (alsa-utils) is not installed"
    try:
        devices = Path("/proc/asound/pcm").read_text()
    except OSError:
        return "no ALSA sound card on this machine (/proc/asound/pcm unreadable)"
    if "playback" not in devices:
        return "no ALSA playback device on this machine"
    return None


def quiet_wav(seconds: float = 0.2, rate: int = 16000) -> bytes:
    """A near-silent mono 16-bit WAV, so a real speaker stays quiet during tests."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(array.array("h", [1] * int(seconds * rate)).tobytes())
    return out.getvalue()


@pytest.fixture(params=["fake", "aplay"])
def output(request: pytest.FixtureRequest) -> AudioOutput:
    if request.param == "fake":
        return FakeAudio()
    reason = _alsa_playback_missing()
    if reason:
        pytest.skip(reason)
    return AplayAudio()


class TestAudioOutputContract:
    def test_is_an_audio_output_with_a_name(self, output: AudioOutput) -> None:
        assert isinstance(output, AudioOutput)
        assert isinstance(output.name, str)
        assert output.name

    async def test_plays_wav_bytes(self, output: AudioOutput) -> None:
        await output.play(quiet_wav())

    async def test_plays_a_wav_file(self, output: AudioOutput, tmp_path: Path) -> None:
        path = tmp_path / "quiet.wav"
        path.write_bytes(quiet_wav())
        await output.play(path)

    async def test_plays_sounds_one_after_another(self, output: AudioOutput) -> None:
        for _ in range(3):
            await output.play(quiet_wav(0.05))

    async def test_a_missing_file_raises_audio_error(
        self, output: AudioOutput, tmp_path: Path
    ) -> None:
        with pytest.raises(AudioError):
            await output.play(tmp_path / "nowhere.wav")

    async def test_bytes_that_are_not_wav_raise_audio_error(self, output: AudioOutput) -> None:
        with pytest.raises(AudioError):
            await output.play(b"this is not a WAV file at all")


async def test_fake_records_each_sound_on_its_clock_for_its_duration() -> None:
    clock = ManualClock(100.0)
    audio = FakeAudio(clock)
    first, second = quiet_wav(0.5), quiet_wav(0.25)
    await audio.play(first)
    await audio.play(second)
    assert [(p.start, p.end, p.wav) for p in audio.played] == [
        (100.0, 100.5, first),
        (100.5, 100.75, second),
    ]
    assert audio.max_concurrent == 1


async def test_fake_fault_raises_and_records_nothing() -> None:
    audio = FakeAudio()
    audio.fail_next = 1
    with pytest.raises(AudioError, match="simulated device fault"):
        await audio.play(quiet_wav())
    await audio.play(quiet_wav())
    assert len(audio.played) == 1


def test_manual_clock_never_goes_back() -> None:
    with pytest.raises(ValueError, match="never goes back"):
        ManualClock().advance(-1)


async def test_aplay_missing_is_an_audio_error() -> None:
    audio = AplayAudio("plughw:9,9", aplay="no-such-aplay")
    assert audio.name == "aplay:plughw:9,9"
    with pytest.raises(AudioError, match=r"no-such-aplay.*alsa-utils"):
        await audio.play(quiet_wav())


def _stand_in_aplay(tmp_path: Path, body: str) -> str:
    # A shell script in aplay's place exercises the subprocess handling without a sound card.
    script = tmp_path / "aplay"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


async def test_aplay_gets_the_device_and_the_sound_on_stdin(tmp_path: Path) -> None:
    seen, heard = tmp_path / "seen", tmp_path / "heard.wav"
    aplay = _stand_in_aplay(tmp_path, f'echo "$@" > {seen}; cat > {heard}')
    sound = quiet_wav()
    await AplayAudio("plughw:1,0", aplay=aplay).play(sound)
    assert seen.read_text().split() == ["-q", "-D", "plughw:1,0"]
    assert heard.read_bytes() == sound


async def test_aplay_failure_is_translated_with_its_message(tmp_path: Path) -> None:
    aplay = _stand_in_aplay(
        tmp_path, 'cat > /dev/null; echo "aplay: main: audio open error" >&2; exit 1'
    )
    with pytest.raises(AudioError, match="aplay:default: aplay: main: audio open error"):
        await AplayAudio(aplay=aplay).play(quiet_wav())


async def test_a_stuck_aplay_is_stopped_and_raises_audio_error(tmp_path: Path) -> None:
    # A wedged USB sound card: aplay takes the sound and never returns.
    aplay = _stand_in_aplay(tmp_path, "cat > /dev/null; exec sleep 600")
    audio = AplayAudio(aplay=aplay, overrun_seconds=0.5)
    with pytest.raises(AudioError, match=r"aplay:default: did not finish"):
        await asyncio.wait_for(audio.play(quiet_wav(0.2)), 10)
