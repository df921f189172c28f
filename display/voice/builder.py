"""Generate the default voice pack offline with espeak-ng and sox."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from display.voice.errors import BuildError
from display.voice.pack import SegmentEntry, write_manifest
from display.voice.script import DIGITS, LETTERS, TEN

PACK_NAME = "hallq default (espeak-ng)"
DEFAULT_SPEED = 150  # words per minute; espeak-ng's 175 blurs syllables over a hall's PA
FRAME_RATE = 22050  # espeak-ng's own rate, so no resampling happens
MANDARIN = "cmn-latn-pinyin"  # Debian 12's plain "cmn" voice reads tone digits in English
# Letters use English letter names ("A" as "ay"), which is how halls call lettered tickets.
ENGLISH = "en"
# sox trims only leading silence, so trim, reverse, trim again, reverse back; then peak -3 dBFS.
_TRIM_LEADING = ("silence", "1", "0.01", "0.5%")
SOX_EFFECTS = (*_TRIM_LEADING, "reverse", *_TRIM_LEADING, "reverse", "norm", "-3")


@dataclass(frozen=True)
class SegmentSpec:
    """One segment of the default pack: its text, its file and what espeak-ng is told to say."""

    text: str
    file: str
    voice: str
    say: str


_DIGIT_PINYIN = ("ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
_PHRASES = (
    ("请", "qing", "qing3"),
    ("号", "hao", "hao4"),
    ("到", "dao", "dao4"),
    ("窗口", "chuangkou", "chuang1 kou3"),
    ("办理", "banli", "ban4 li3"),
    ("暂停服务", "zanting_fuwu", "zan4 ting2 fu2 wu4"),
    ("欢迎您", "huanying_nin", "huan1 ying2 nin2"),
    ("重复呼叫", "chongfu_hujiao", "chong2 fu4 hu1 jiao4"),
)
# The kiosk's and the rating pad's voice guidance: whole sentences, one segment each so they flow.
_GUIDANCE = (
    ("请选择要办理的业务", "guide_choose", "qing3 xuan3 ze2 yao4 ban4 li3 de5 ye4 wu4"),
    ("请确认", "guide_confirm", "qing3 que4 ren4"),
    ("请取走您的号票", "guide_take_ticket", "qing3 qu3 zou3 nin2 de5 hao4 piao4"),
    ("取号成功", "guide_issued", "qu3 hao4 cheng2 gong1"),
    ("暂停取号", "guide_issuing_paused", "zan4 ting2 qu3 hao4"),
    ("请扫描预约码", "guide_scan", "qing3 sao3 miao2 yu4 yue1 ma3"),
    (
        "请将身份证放在感应区",
        "guide_id_card",
        "qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 gan3 ying4 qu1",
    ),
    ("请稍候", "guide_wait", "qing3 shao1 hou4"),
    ("请联系工作人员", "guide_staff", "qing3 lian2 xi4 gong1 zuo4 ren2 yuan2"),
    (
        "请您对我的服务进行评价",
        "rate_ask",
        "qing3 nin2 dui4 wo3 de5 fu2 wu4 jin4 xing2 ping2 jia4",
    ),
    ("谢谢您的评价", "rate_thanks", "xie4 xie4 nin2 de5 ping2 jia4"),
)

DEFAULT_SEGMENTS: tuple[SegmentSpec, ...] = (
    *(
        SegmentSpec(d, f"digit_{i}.wav", MANDARIN, p)
        for i, (d, p) in enumerate(zip(DIGITS, _DIGIT_PINYIN, strict=True))
    ),
    SegmentSpec(TEN, "ten.wav", MANDARIN, "shi2"),
    *(SegmentSpec(letter, f"letter_{letter}.wav", ENGLISH, letter) for letter in LETTERS),
    *(SegmentSpec(text, f"{stem}.wav", MANDARIN, say) for text, stem, say in _PHRASES),
    *(SegmentSpec(text, f"{stem}.wav", MANDARIN, say) for text, stem, say in _GUIDANCE),
)


@dataclass(frozen=True)
class Tools:
    """Absolute paths of the two programs the builder runs."""

    espeak: str
    sox: str

    @classmethod
    def find(cls, espeak: str = "espeak-ng", sox: str = "sox") -> Tools:
        found = {name: shutil.which(name) for name in (espeak, sox)}
        lacking = [name for name, path in found.items() if path is None]
        if lacking:
            raise BuildError(
                f"cannot build the voice pack: {', '.join(lacking)} not found "
                "(install the Debian packages espeak-ng and sox)"
            )
        return cls(espeak=str(found[espeak]), sox=str(found[sox]))


def _run(args: Sequence[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.strip() or f"exit status {result.returncode}"
        raise BuildError(f"{Path(args[0]).name} failed ({' '.join(args[1:])}): {detail}")


def render(tools: Tools, spec: SegmentSpec, dest: Path, *, speed: int = DEFAULT_SPEED) -> None:
    """Render one segment with espeak-ng, untrimmed, into `dest`."""
    _run([tools.espeak, "-v", spec.voice, "-s", str(speed), "-w", str(dest), spec.say])


def trim(tools: Tools, src: Path, dest: Path) -> None:
    """Trim silence and normalise `src` into `dest` as mono 16-bit PCM WAV."""
    # -D: no dither, so rebuilding gives the same samples.
    _run(
        [
            tools.sox,
            "-D",
            str(src),
            "-t",
            "wav",
            "-c",
            "1",
            "-b",
            "16",
            "-r",
            str(FRAME_RATE),
            str(dest),
            *SOX_EFFECTS,
        ]
    )


def build_pack(
    outdir: Path,
    *,
    espeak: str = "espeak-ng",
    sox: str = "sox",
    speed: int = DEFAULT_SPEED,
) -> Path:
    """Generate (or regenerate) the default pack in `outdir`; return the manifest's path."""
    tools = Tools.find(espeak, sox)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hallq-voice-") as scratch:
        for spec in DEFAULT_SEGMENTS:
            raw = Path(scratch) / "raw.wav"
            render(tools, spec, raw, speed=speed)
            # Write beside the target and rename, so a reader never sees half a segment.
            partial = outdir / f"{spec.file}.part"
            trim(tools, raw, partial)
            partial.replace(outdir / spec.file)
    entries = (SegmentEntry(spec.text, spec.file) for spec in DEFAULT_SEGMENTS)
    return write_manifest(outdir, PACK_NAME, entries)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m display.voice.builder",
        description="Generate hallq's default voice pack with espeak-ng and sox.",
    )
    parser.add_argument("outdir", type=Path, help="folder to write the pack into")
    parser.add_argument("--speed", type=int, default=DEFAULT_SPEED, help="words per minute")
    args = parser.parse_args(argv)
    try:
        manifest = build_pack(args.outdir, speed=args.speed)
    except (BuildError, OSError) as exc:
        print(f"voice pack builder: error: {exc}", file=sys.stderr)
        return 1
    print(f"voice pack written: {manifest} ({len(DEFAULT_SEGMENTS)} segments)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
