"""The announcer: ordered, one at a time, never dropped, degrading on faults and gaps."""

from __future__ import annotations

import array
import io
import logging
import wave
from pathlib import Path

import pytest

from display.voice.announcer import Announcer
from display.voice.errors import AnnouncerFull, ScriptError
from display.voice.pack import SegmentEntry, VoicePack, write_manifest
from display.voice.script import DEFAULT_PHRASES, DIGITS, LETTERS, TEN, Call, CallKind, Templates
from drivers.audio.fake import FakeAudio, ManualClock

RATE = 8000
ALL_SEGMENTS = (*DIGITS, TEN, *LETTERS, *DEFAULT_PHRASES)


def _marker(index: int) -> int:
    # Each segment is one constant sample value, so the played audio can be read back.
    return 1000 + index


def make_pack(root: Path, names: tuple[str, ...] = ALL_SEGMENTS) -> VoicePack:
    """A pack whose segment i is 0.1 s of the constant sample _marker(i)."""
    root.mkdir(parents=True, exist_ok=True)
    entries = []
    for index, name in enumerate(names):
        file = f"seg{index}.wav"
        with wave.open(str(root / file), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes(array.array("h", [_marker(index)] * (RATE // 10)).tobytes())
        entries.append(SegmentEntry(name, file))
    write_manifest(root, "test pack", entries)
    return VoicePack.load(root)


def segments_heard(wav_bytes: bytes, names: tuple[str, ...] = ALL_SEGMENTS) -> list[str]:
    """Read back which segments a played WAV holds, from their marker samples."""
    with wave.open(io.BytesIO(wav_bytes), "rb") as wav:
        samples = array.array("h", wav.readframes(wav.getnframes()))
    by_marker = {_marker(i): name for i, name in enumerate(names)}
    heard: list[str] = []
    previous = 0
    for sample in samples:
        if sample and sample != previous:
            heard.append(by_marker[sample])
        previous = sample
    return heard


@pytest.fixture
def pack(tmp_path: Path) -> VoicePack:
    return make_pack(tmp_path / "pack")


async def test_ten_calls_in_quick_succession_play_in_order_without_overlap(
    pack: VoicePack,
) -> None:
    audio = FakeAudio()
    calls = [Call(CallKind.CALL, f"A{n:03d}", str(n + 1)) for n in range(10)]
    async with Announcer(pack, audio) as announcer:
        scripts = [announcer.announce(call) for call in calls]
        # announce() only queues: nothing has been played yet.
        assert audio.played == []
        await announcer.drain()

    assert len(audio.played) == 10
    assert audio.max_concurrent == 1
    for earlier, later in zip(audio.played, audio.played[1:], strict=False):
        assert later.start >= earlier.end
    assert all(p.end > p.start for p in audio.played)
    assert [segments_heard(p.wav) for p in audio.played] == [list(s) for s in scripts]
    assert segments_heard(audio.played[9].wav) == [
        *("请", "A", "零", "零", "九", "号", "到"),
        *("十", "号", "窗口", "办理"),
    ]


async def test_gaps_between_segments_are_silent_and_sized(pack: VoicePack) -> None:
    wav_bytes = pack.assemble(("请", "号"), gap_ms=60)
    with wave.open(io.BytesIO(wav_bytes), "rb") as wav:
        assert wav.getnframes() == 2 * (RATE // 10) + RATE * 60 // 1000


async def test_a_failing_output_is_logged_and_the_next_call_still_plays(
    pack: VoicePack, caplog: pytest.LogCaptureFixture
) -> None:
    audio = FakeAudio()
    audio.fail_next = 1
    async with Announcer(pack, audio) as announcer:
        announcer.announce(Call(CallKind.CALL, "A001", "1"))
        announcer.announce(Call(CallKind.CALL, "A002", "2"))
        await announcer.drain()
    assert [segments_heard(p.wav)[:5] for p in audio.played] == [["请", "A", "零", "零", "二"]]
    assert "simulated device fault" in caplog.text
    assert any(r.levelno == logging.WARNING for r in caplog.records)


async def test_segments_missing_from_the_pack_are_skipped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    names = tuple(n for n in ALL_SEGMENTS if n != "办理")
    pack = make_pack(tmp_path / "partial", names)
    assert pack.missing(("请", "办理", "办理")) == ("办理",)
    audio = FakeAudio()
    async with Announcer(pack, audio) as announcer:
        announcer.announce(Call(CallKind.CALL, "B1", "5"))
        await announcer.drain()
    assert segments_heard(audio.played[0].wav, names) == [
        *("请", "B", "一", "号", "到", "五", "号", "窗口"),
    ]
    assert "'办理'" in caplog.text


async def test_an_absurdly_full_queue_refuses_clearly(pack: VoicePack) -> None:
    announcer = Announcer(pack, FakeAudio(), max_pending=3)
    for n in range(3):
        announcer.announce(Call(CallKind.CALL, f"A{n}", "1"))
    with pytest.raises(AnnouncerFull, match="3 announcements are already waiting"):
        announcer.announce(Call(CallKind.CALL, "A9", "1"))
    assert announcer.pending == 3


async def test_an_unreadable_call_is_refused_at_once_and_not_queued(pack: VoicePack) -> None:
    announcer = Announcer(pack, FakeAudio())
    with pytest.raises(ScriptError):
        announcer.announce(Call(CallKind.CALL, "A-1", "1"))
    assert announcer.pending == 0


async def test_hall_templates_and_variants_are_played(pack: VoicePack) -> None:
    audio = FakeAudio()
    templates = Templates({"pause": "暂停服务"})
    async with Announcer(pack, audio, templates) as announcer:
        announcer.announce(Call(CallKind.RECALL, "A3", "11"))
        announcer.announce(Call(CallKind.PAUSE, window="11"))
        announcer.announce(Call(CallKind.WELCOME))
        await announcer.drain()
    heard = [segments_heard(p.wav) for p in audio.played]
    assert heard[0][:3] == ["重复呼叫", "请", "A"]
    assert heard[1:] == [["暂停服务"], ["欢迎您"]]


async def test_close_stops_playing_and_can_be_repeated(pack: VoicePack) -> None:
    audio = FakeAudio()
    announcer = Announcer(pack, audio)
    announcer.start()
    announcer.announce(Call(CallKind.WELCOME))
    await announcer.drain()
    await announcer.close()
    await announcer.close()
    assert len(audio.played) == 1


async def test_a_call_whose_turn_comes_after_it_expires_is_logged_not_spoken(
    pack: VoicePack, caplog: pytest.LogCaptureFixture
) -> None:
    # A burst at many windows: each call lasts about 2 s, the later ones would be spoken late.
    clock = ManualClock(1000.0)
    audio = FakeAudio(clock)
    calls = [Call(CallKind.CALL, f"A{n:03d}", str(n)) for n in range(1, 6)]
    with caplog.at_level(logging.INFO):
        async with Announcer(pack, audio, now=clock) as announcer:
            for call in calls:
                announcer.announce(call, expires=1005.0)
            await announcer.drain()
    assert [segments_heard(p.wav)[1:5] for p in audio.played] == [
        ["A", "零", "零", "一"],
        ["A", "零", "零", "二"],
        ["A", "零", "零", "三"],
    ]
    assert "请A零零四号到四号窗口办理" in caplog.text
    assert "too late" in caplog.text
