"""A voice pack on disk: a manifest of short WAV segments, checked, loaded and joined."""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from display.voice.errors import PackError
from display.voice.script import DIGITS, LETTERS, TEN

MANIFEST = "pack.json"
MANIFEST_VERSION = 1
DEFAULT_GAP_MS = 60


@dataclass(frozen=True)
class AudioFormat:
    """The PCM format every segment of one pack shares."""

    channels: int
    sample_width: int
    frame_rate: int

    def __str__(self) -> str:
        layout = "mono" if self.channels == 1 else f"{self.channels} channels"
        return f"{layout} {8 * self.sample_width}-bit {self.frame_rate} Hz"


@dataclass(frozen=True)
class SegmentEntry:
    """One manifest line: the text a segment speaks and its WAV file, relative to the pack."""

    text: str
    file: str


def write_manifest(root: Path, name: str, entries: Iterable[SegmentEntry]) -> Path:
    """Write `root/pack.json` atomically and return its path."""
    manifest = {
        "hallq_voice_pack": MANIFEST_VERSION,
        "name": name,
        "segments": [{"text": e.text, "file": e.file} for e in entries],
    }
    path = root / MANIFEST
    partial = path.with_suffix(".json.part")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    partial.replace(path)
    return path


def read_manifest(root: Path) -> tuple[str, tuple[SegmentEntry, ...]]:
    """The pack name and its segment entries, validated."""
    path = root / MANIFEST
    try:
        raw: Any = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise PackError(f"cannot read the voice pack manifest {path}: {exc}") from exc
    except ValueError as exc:
        raise PackError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("hallq_voice_pack") != MANIFEST_VERSION:
        raise PackError(f'{path}: expected an object with "hallq_voice_pack": {MANIFEST_VERSION}')
    segments = raw.get("segments")
    if not isinstance(segments, list):
        raise PackError(f'{path}: "segments" must be a list')
    entries: list[SegmentEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(segments):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("text"), str)
            and isinstance(item.get("file"), str)
            and item["text"]
            and item["file"]
        ):
            raise PackError(f'{path}: segments[{index}] needs non-empty "text" and "file"')
        if item["text"] in seen:
            raise PackError(f"{path}: segment {item['text']!r} is listed twice")
        seen.add(item["text"])
        entries.append(SegmentEntry(item["text"], item["file"]))
    return str(raw.get("name", root.name)), tuple(entries)


class VoicePack:
    """Segments (by the text they speak) as raw PCM frames in one shared format."""

    def __init__(self, name: str, audio_format: AudioFormat, frames: Mapping[str, bytes]) -> None:
        self.name = name
        self.format = audio_format
        self._frames = dict(frames)

    @classmethod
    def load(cls, root: Path) -> VoicePack:
        """Load the pack in `root`, refusing missing files and mixed audio formats."""
        name, entries = read_manifest(root)
        audio_format: AudioFormat | None = None
        first = ""
        frames: dict[str, bytes] = {}
        for entry in entries:
            path = root / entry.file
            try:
                with wave.open(str(path), "rb") as wav:
                    this = AudioFormat(wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
                    frames[entry.text] = wav.readframes(wav.getnframes())
            except (OSError, EOFError, wave.Error) as exc:
                raise PackError(
                    f"segment {entry.text!r}: cannot read {path} as PCM WAV: {exc}"
                ) from exc
            if audio_format is None:
                audio_format, first = this, entry.file
            elif this != audio_format:
                raise PackError(
                    f"segment {entry.text!r}: {path} is {this} but {first} is {audio_format}; "
                    "all segments of a pack must share one format"
                )
        if audio_format is None:
            raise PackError(f"the voice pack in {root} has no segments")
        return cls(name, audio_format, frames)

    @property
    def names(self) -> frozenset[str]:
        """Every segment the pack holds."""
        return frozenset(self._frames)

    @property
    def phrases(self) -> tuple[str, ...]:
        """The segments that are words or phrases, not digits or letters: a template's words."""
        spelled = {*DIGITS, TEN, *LETTERS}
        return tuple(sorted(n for n in self._frames if n not in spelled))

    def missing(self, script: Iterable[str]) -> tuple[str, ...]:
        """The segments `script` needs that this pack lacks, each once, in script order."""
        return tuple(dict.fromkeys(n for n in script if n not in self._frames))

    def duration(self, name: str) -> float:
        """One segment's length in seconds."""
        bytes_per_frame = self.format.sample_width * self.format.channels
        return len(self._frames[name]) / bytes_per_frame / self.format.frame_rate

    def assemble(self, script: Iterable[str], *, gap_ms: int = DEFAULT_GAP_MS) -> bytes:
        """One WAV file of the script's segments with `gap_ms` of silence between them."""
        names = tuple(script)
        lacking = self.missing(names)
        if lacking:
            raise PackError(f"the voice pack {self.name!r} has no segment for {list(lacking)}")
        fmt = self.format
        gap_frames = fmt.frame_rate * gap_ms // 1000
        # 8-bit WAV is unsigned, so its silence is the midpoint 0x80; wider PCM is signed.
        silent_byte = b"\x80" if fmt.sample_width == 1 else b"\x00"
        gap = silent_byte * (gap_frames * fmt.sample_width * fmt.channels)
        out = io.BytesIO()
        with wave.open(out, "wb") as wav:
            wav.setnchannels(fmt.channels)
            wav.setsampwidth(fmt.sample_width)
            wav.setframerate(fmt.frame_rate)
            wav.writeframes(gap.join(self._frames[n] for n in names))
        return out.getvalue()
