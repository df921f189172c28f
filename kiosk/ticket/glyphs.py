"""Fallback fonts: a ticket's text split into runs, each in the first font that has its glyphs.

A CJK font has no Mongolian, Uyghur, Tibetan or Yi, and not every rare ideograph: drawn in
it alone, a second-language name or a rare character in a name prints as empty boxes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from PIL import ImageFont

# Fonts of the second languages halls use, from Debian's fonts-noto-core, tried in order
# after the ticket font (file under a font root).
FALLBACK_FILES = (
    "truetype/noto/NotoSansMongolian-Regular.ttf",
    "truetype/noto/NotoNaskhArabic-Regular.ttf",  # Uyghur
    "truetype/noto/NotoSerifTibetan-Regular.ttf",
    "truetype/noto/NotoSansYi-Regular.ttf",
)
# A code point no font draws: what a font shows for a glyph it lacks (its .notdef box).
_NOWHERE = "\U0010fffe"
# Marks that shape with the letter before them, never a run of their own: Mongolian free
# variation selectors and vowel separator, joiners, the narrow no-break space between a
# Mongolian word and its suffix.
_JOINING = frozenset("\u180b\u180c\u180d\u180e\u180f\u200c\u200d\u202f")

Run = tuple[ImageFont.FreeTypeFont, str]


def find_fallback_files(roots: Sequence[Path]) -> tuple[Path, ...]:
    """The second-language fonts installed under `roots`."""
    return tuple(
        root / name for name in FALLBACK_FILES for root in roots if (root / name).is_file()
    )


def has_glyph(font: ImageFont.FreeTypeFont, char: str) -> bool:
    """Whether `font` draws `char` itself rather than its box for a missing glyph."""
    return _drawn(font, char) != _drawn(font, _NOWHERE)


@functools.cache
def _drawn(font: ImageFont.FreeTypeFont, char: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(char, mode="1")
    return mask.size, bytes(mask)


def runs(text: str, fonts: Sequence[ImageFont.FreeTypeFont]) -> list[Run]:
    """`text` as runs, each in the first of `fonts` that has its characters.

    A character no font has stays in the first font. A run is drawn whole, so that a script
    whose letters join (Mongolian, Uyghur) is shaped as one word.
    """
    out: list[Run] = []
    for char in text:
        if out and (char.isspace() or char in _JOINING or has_glyph(out[-1][0], char)):
            out[-1] = (out[-1][0], out[-1][1] + char)
            continue
        font = next((f for f in fonts if has_glyph(f, char)), fonts[0])
        if out and out[-1][0] is font:
            out[-1] = (font, out[-1][1] + char)
        else:
            out.append((font, char))
    return out
