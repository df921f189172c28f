"""What a ticket says (PrintedTicket) and how a hall lays it out on paper (TicketLayout)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from kiosk.ticket.glyphs import find_fallback_files
from queue_server.config.reader import Problems, Table

FONT_ROOTS = (Path("/usr/share/fonts"),)
# (file under a font root, face index): Noto Sans CJK SC (index 2) from fonts-noto-cjk on
# devices, else WenQuanYi Micro Hei (fonts-wqy-microhei), which has no bold face.
_NOTO_REGULAR = ("opentype/noto/NotoSansCJK-Regular.ttc", 2)
_NOTO_BOLD = ("opentype/noto/NotoSansCJK-Bold.ttc", 2)
_WQY = ("truetype/wqy/wqy-microhei.ttc", 0)
PAPER_80MM = 576  # dots across 80 mm paper at 203 dpi


class TicketError(Exception):
    """Base of every ticket error: a layout, a font or a profile that cannot make the ticket."""


class LayoutError(TicketError):
    """The ticket layout is wrong; `problems` lists each with its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("bad ticket layout:\n  " + "\n  ".join(problems))
        self.problems = problems


class Priority(StrEnum):
    GREEN_CHANNEL = "绿色通道"
    APPOINTMENT = "预约"


@dataclass(frozen=True)
class FontFace:
    path: Path
    index: int = 0


@dataclass(frozen=True)
class Fonts:
    regular: FontFace
    bold: FontFace
    # Tried for each character the ticket font lacks (a second language, a rare ideograph).
    fallbacks: tuple[FontFace, ...] = ()


def find_cjk_fonts(roots: Sequence[Path] = FONT_ROOTS) -> Fonts:
    """Noto Sans CJK SC if installed, else WenQuanYi Micro Hei; TicketError if neither is."""
    for root in roots:
        regular, bold = (
            FontFace(root / name, index) for name, index in (_NOTO_REGULAR, _NOTO_BOLD)
        )
        if regular.path.is_file():
            return Fonts(regular, bold if bold.path.is_file() else regular)
        wqy = FontFace(root / _WQY[0], _WQY[1])
        if wqy.path.is_file():
            return Fonts(wqy, wqy)
    raise TicketError(
        "no Chinese font: install fonts-noto-cjk (or fonts-wqy-microhei), or set the layout's"
        f" font; looked in {', '.join(map(str, roots))}"
    )


@dataclass(frozen=True)
class TicketLayout:
    """A hall's ticket template: fixed lines, logo, paper width, font and printing mode."""

    header: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    logo: Path | None = None
    width: int = PAPER_80MM  # dots; a multiple of 8, as raster rows are whole bytes
    font: FontFace | None = None  # None: find_cjk_fonts()
    # GB18030 text with the printer's own font and QR command, for printers known to have them.
    text_mode: bool = False
    cut: bool = True

    def fonts(self) -> Fonts:
        fallbacks = tuple(FontFace(path) for path in find_fallback_files(FONT_ROOTS))
        if self.font is None:
            return replace(find_cjk_fonts(), fallbacks=fallbacks)
        if not self.font.path.is_file():
            raise TicketError(f"the ticket font {self.font.path} does not exist")
        return Fonts(self.font, self.font, fallbacks)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], path: str = "") -> TicketLayout:
        """Read a `[ticket]` table; raise LayoutError naming every problem at once."""
        problems = Problems()
        table = Table(data, path, problems)
        logo, font = table.optional_text("logo"), table.optional_text("font")
        font_index = table.integer("font_index", 0, 0, 63)
        width = table.integer("width", PAPER_80MM, 8, 2048)
        if width % 8:
            table.problem("width", f"must be a multiple of 8 dots, not {width}")
        for key, name in (("logo", logo), ("font", font)):
            if name is not None and not Path(name).is_file():
                table.problem(key, f"no such file: {name}")
        layout = cls(
            header=tuple(table.strings("header")),
            footer=tuple(table.strings("footer")),
            logo=Path(logo) if logo else None,
            width=width,
            font=FontFace(Path(font), font_index) if font else None,
            text_mode=table.flag("text_mode", False),
            cut=table.flag("cut", True),
        )
        table.close()
        if problems.items:
            raise LayoutError(problems.items)
        return layout


@dataclass(frozen=True)
class PrintedTicket:
    """Everything printed on one ticket (never an ID number; names only masked)."""

    hall: str
    area: str  # floor and area, e.g. "1F 东区"
    service: str
    number: str  # e.g. "A012"
    people_ahead: int
    wait_minutes: int
    missed_call_rule: str
    issued_at: dt.datetime  # aware, in the hall's zone: printed as it is
    phone_url: str  # the QR: follow the queue, rate the service
    service_second_language: str | None = None
    priority: Priority | None = None

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None:
            raise TicketError("issued_at must carry its time zone")

    @property
    def ahead_line(self) -> str:
        return f"前面还有 {self.people_ahead} 人等候"

    @property
    def wait_line(self) -> str:
        return f"预计等候约 {self.wait_minutes} 分钟"

    @property
    def issued_line(self) -> str:
        return self.issued_at.strftime("%Y-%m-%d %H:%M")
