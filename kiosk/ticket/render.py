"""render_ticket: draws a PrintedTicket as one 1-bit image, the width of the paper."""

from __future__ import annotations

import functools
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

from kiosk.ticket.glyphs import Run, runs
from kiosk.ticket.layout import (
    PAPER_80MM,
    FontFace,
    Fonts,
    PrintedTicket,
    TicketError,
    TicketLayout,
)

# Text sizes in pixels on 80 mm paper; other widths scale them.
_SIZES = {
    "fixed": 24,
    "hall": 36,
    "area": 28,
    "service": 44,
    "second": 28,
    "priority": 32,
    "number": 160,
    "ahead": 34,
    "wait": 28,
    "rule": 24,
    "issued": 26,
}
_MAX_CANVAS = 4000  # pixels tall; a ticket is about 1,100
_LOGO_HEIGHT = 120
_QR_SIZE = 240  # about 30 mm: phones read it from arm's length
_GAP = 10
_THRESHOLD = [0 if level < 160 else 255 for level in range(256)]


def render_ticket(ticket: PrintedTicket, layout: TicketLayout) -> Image.Image:
    """The ticket as a mode "1" image `layout.width` dots wide, everything centred."""
    page = _Page(layout.width, layout.fonts())
    if layout.logo is not None:
        page.logo(layout.logo)
    for line in layout.header:
        page.text(line, "fixed")
    page.text(ticket.hall, "hall", bold=True)
    page.text(ticket.area, "area")
    page.text(ticket.service, "service", bold=True)
    if ticket.service_second_language:
        page.text(ticket.service_second_language, "second")
    if ticket.priority is not None:
        page.text(f" {ticket.priority} ", "priority", bold=True, inverted=True)
    page.text(ticket.number, "number", bold=True)
    page.text(ticket.ahead_line, "ahead", bold=True)
    page.text(ticket.wait_line, "wait")
    page.qr(ticket.phone_url)
    page.text(ticket.missed_call_rule, "rule")
    page.text(ticket.issued_line, "issued")
    for line in layout.footer:
        page.text(line, "fixed")
    return page.finish()


def render_line(text: str, layout: TicketLayout, role: str = "second") -> Image.Image:
    """One line (wrapped if long) as a mode "1" image: for text mode's lines the printer's
    own font cannot print."""
    page = _Page(layout.width, layout.fonts())
    page.text(text, role)
    return page.finish()


@functools.cache
def _font(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(face.path), size, index=face.index)
    except OSError as exc:
        raise TicketError(f"cannot load the font {face.path} (face {face.index}): {exc}") from exc


class _Page:
    """A tall white canvas written from the top; `finish` crops it to what was drawn."""

    def __init__(self, width: int, fonts: Fonts) -> None:
        self.width, self.fonts, self.y = width, fonts, _GAP
        self.scale = width / PAPER_80MM
        self.image = Image.new("L", (width, _MAX_CANVAS), 255)
        self.draw = ImageDraw.Draw(self.image)

    def text(self, text: str, role: str, *, bold: bool = False, inverted: bool = False) -> None:
        size = round(_SIZES[role] * self.scale)
        faces = (self.fonts.bold if bold else self.fonts.regular, *self.fonts.fallbacks)
        fonts = [_font(face, size) for face in faces]
        for line in self._wrap(text, fonts):
            left, top, right, bottom = self._bbox(line)
            x, baseline = (self.width - (right - left)) // 2 - left, self.y - top
            if inverted:
                box = (
                    x + left - _GAP,
                    self.y - _GAP // 2,
                    x + right + _GAP,
                    self.y + bottom - top + _GAP // 2,
                )
                self.draw.rectangle(box, fill=0)
            for font, part in line:
                self.draw.text(
                    (x, baseline), part, font=font, fill=255 if inverted else 0, anchor="ls"
                )
                x += round(font.getlength(part))
            self.y += bottom - top + _GAP * (2 if inverted else 1)

    def _bbox(self, line: list[Run]) -> tuple[int, int, int, int]:
        """The box of a line of runs drawn from x = 0 on a baseline at y = 0."""
        boxes, x = [], 0
        for font, part in line:
            boxes.append(self.draw.textbbox((x, 0), part, font=font, anchor="ls"))
            x += round(font.getlength(part))
        return (
            round(min(b[0] for b in boxes)),
            round(min(b[1] for b in boxes)),
            round(max(b[2] for b in boxes)),
            round(max(b[3] for b in boxes)),
        )

    def logo(self, path: Path) -> None:
        try:
            with Image.open(path) as source:
                logo = source.convert("L")
        except OSError as exc:
            raise TicketError(f"cannot read the logo {path}: {exc}") from exc
        logo.thumbnail((self.width, round(_LOGO_HEIGHT * self.scale)))
        self.image.paste(logo, ((self.width - logo.width) // 2, self.y))
        self.y += logo.height + _GAP

    def qr(self, data: str) -> None:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(data)
        code.make(fit=True)
        modules = code.modules_count + 2 * code.border
        # Whole pixels per module keep the modules square after thresholding.
        box = max(3, round(_QR_SIZE * self.scale) // modules)
        matrix = code.get_matrix()
        qr = Image.new("L", (len(matrix), len(matrix)), 255)
        qr.putdata([0 if dark else 255 for row in matrix for dark in row])
        qr = qr.resize((qr.width * box, qr.height * box), Image.Resampling.NEAREST)
        self.image.paste(qr, ((self.width - qr.width) // 2, self.y))
        self.y += qr.height

    def _wrap(self, text: str, fonts: list[ImageFont.FreeTypeFont]) -> list[list[Run]]:
        """Break a line that is wider than the paper, between any two characters (as CJK does)."""
        lines, line = [], ""
        for char in text:
            wider = sum(f.getlength(part) for f, part in runs(line + char, fonts))
            if line and wider > self.width - 2 * _GAP:
                lines.append(line)
                line = char.lstrip()
            else:
                line += char
        return [runs(each, fonts) for each in ([*lines, line] if line else lines)]

    def finish(self) -> Image.Image:
        if self.y > _MAX_CANVAS:
            raise TicketError(f"the ticket is taller than {_MAX_CANVAS} dots")
        return self.image.crop((0, 0, self.width, self.y + _GAP)).point(_THRESHOLD, mode="1")
