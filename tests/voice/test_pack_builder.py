"""The default voice pack, built for real with espeak-ng and sox, and voice packs on disk."""

from __future__ import annotations

import io
import json
import shutil
import wave
from pathlib import Path

import pytest

from display.voice.builder import DEFAULT_SEGMENTS, Tools, build_pack, main, render
from display.voice.errors import BuildError, PackError
from display.voice.pack import MANIFEST, AudioFormat, SegmentEntry, VoicePack, write_manifest
from display.voice.script import (
    DEFAULT_PHRASES,
    DIGITS,
    GUIDANCE_PHRASES,
    LETTERS,
    TEN,
    Call,
    CallKind,
    Templates,
)


@pytest.fixture
def needs_tools() -> None:
    """The test command installs espeak-ng and sox: their absence is a broken setup."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{' and '.join(missing)} missing: run tools/bootstrap.sh test to install")


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("default-pack")
    build_pack(outdir)
    return outdir


@pytest.mark.usefixtures("needs_tools")
def test_every_segment_is_written_non_empty_in_one_format(built: Path) -> None:
    for spec in DEFAULT_SEGMENTS:
        path = built / spec.file
        assert path.is_file(), spec.text
        assert _seconds(path) > 0.05, spec.text
    pack = VoicePack.load(built)
    assert pack.names == {spec.text for spec in DEFAULT_SEGMENTS}
    assert pack.format == AudioFormat(channels=1, sample_width=2, frame_rate=22050)
    assert not list(built.glob("*.part"))


def test_the_default_pack_records_every_call_and_guidance_phrase() -> None:
    texts = [spec.text for spec in DEFAULT_SEGMENTS]
    assert {*DEFAULT_PHRASES, *GUIDANCE_PHRASES, *DIGITS, TEN, *LETTERS} == set(texts)
    assert len(texts) == len(set(texts))


@pytest.mark.usefixtures("needs_tools")
def test_every_segment_is_trimmed(built: Path, tmp_path: Path) -> None:
    tools = Tools.find()
    for spec in DEFAULT_SEGMENTS:
        raw = tmp_path / "raw.wav"
        render(tools, spec, raw)
        assert _seconds(built / spec.file) < _seconds(raw), spec.text


@pytest.mark.usefixtures("needs_tools")
def test_an_assembled_call_has_the_right_segments_and_a_plausible_length(built: Path) -> None:
    pack = VoicePack.load(built)
    script = Templates(phrases=pack.phrases).script(Call(CallKind.CALL, "A012", "3"))
    assert script == ("请", "A", "零", "一", "二", "号", "到", "三", "号", "窗口", "办理")
    assert pack.missing(script) == ()
    with wave.open(io.BytesIO(pack.assemble(script)), "rb") as wav:
        seconds = wav.getnframes() / wav.getframerate()
    expected = sum(pack.duration(name) for name in script) + 0.060 * (len(script) - 1)
    assert seconds == pytest.approx(expected, abs=0.01)
    assert 2.0 < seconds < 8.0


@pytest.mark.usefixtures("needs_tools")
def test_rebuilding_is_idempotent(built: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_pack(again)
    build_pack(again)
    assert (again / MANIFEST).read_text("utf-8") == (built / MANIFEST).read_text("utf-8")
    for spec in DEFAULT_SEGMENTS:
        assert (again / spec.file).read_bytes() == (built / spec.file).read_bytes(), spec.text


def test_a_missing_tool_is_named(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"no-such-espeak.* not found.*espeak-ng and sox"):
        build_pack(tmp_path, espeak="no-such-espeak")
    assert not (tmp_path / MANIFEST).exists()


def test_the_command_line_reports_errors_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A file where the folder should be: the builder cannot write there.
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    assert main([str(blocker / "pack")]) == 1
    assert "voice pack builder: error:" in capsys.readouterr().err


def _tone(path: Path, *, rate: int = 16000, channels: int = 1, frames: int = 160) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x01\x00" * channels * frames)


def test_a_pack_with_mixed_formats_is_refused_naming_the_file(tmp_path: Path) -> None:
    _tone(tmp_path / "qing.wav")
    _tone(tmp_path / "hao.wav", rate=22050)
    write_manifest(
        tmp_path, "mixed", [SegmentEntry("请", "qing.wav"), SegmentEntry("号", "hao.wav")]
    )
    with pytest.raises(PackError, match=r"hao\.wav is mono 16-bit 22050 Hz but qing\.wav is mono"):
        VoicePack.load(tmp_path)


def test_a_pack_with_a_missing_file_is_refused(tmp_path: Path) -> None:
    write_manifest(tmp_path, "broken", [SegmentEntry("请", "qing.wav")])
    with pytest.raises(PackError, match=r"'请'.*qing\.wav"):
        VoicePack.load(tmp_path)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"segments": []}', "hallq_voice_pack"),
        ('{"hallq_voice_pack": 1, "segments": [{"text": "请"}]}', r"segments\[0\]"),
        ('{"hallq_voice_pack": 1, "segments": []}', "no segments"),
    ],
)
def test_bad_manifests_are_refused(tmp_path: Path, manifest: str, message: str) -> None:
    (tmp_path / MANIFEST).write_text(manifest, "utf-8")
    with pytest.raises(PackError, match=message):
        VoicePack.load(tmp_path)


def test_a_segment_listed_twice_is_refused(tmp_path: Path) -> None:
    _tone(tmp_path / "qing.wav")
    entry = {"text": "请", "file": "qing.wav"}
    data = {"hallq_voice_pack": 1, "segments": [entry, entry]}
    (tmp_path / MANIFEST).write_text(json.dumps(data), "utf-8")
    with pytest.raises(PackError, match="listed twice"):
        VoicePack.load(tmp_path)


def test_assembling_a_segment_the_pack_lacks_is_refused(tmp_path: Path) -> None:
    _tone(tmp_path / "qing.wav")
    write_manifest(tmp_path, "tiny", [SegmentEntry("请", "qing.wav")])
    pack = VoicePack.load(tmp_path)
    assert pack.phrases == ("请",)
    with pytest.raises(PackError, match="no segment for"):
        pack.assemble(("请", "号"))
