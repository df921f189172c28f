"""The ESC/POS job for a ticket: the rendered image as raster, or GB18030 text mode."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from escpos.constants import QR_ECLEVEL_M  # type: ignore[import-untyped]
from escpos.printer import Dummy  # type: ignore[import-untyped]
from PIL import Image

from kiosk.ticket.layout import LayoutError, PrintedTicket, TicketError, TicketLayout
from kiosk.ticket.render import render_line, render_ticket

DEFAULT_PROFILE = "TM-T20II"
_FEED_LINES = 4  # clears the tear bar when the printer has no cutter
_QR_MODULE_DOTS = 6  # native QR: about 30 mm for a short URL
# Printers sold in China start in Chinese mode; FS & makes sure, FS . leaves it after the ticket.
_CHINESE_ON, _CHINESE_OFF = b"\x1c\x26", b"\x1c\x2e"


def encode_ticket(
    ticket: PrintedTicket, layout: TicketLayout, profile: str = DEFAULT_PROFILE
) -> bytes:
    """The whole job for one ticket, in the layout's mode, for a python-escpos printer profile."""
    if layout.text_mode:
        return encode_text(ticket, layout, profile)
    return encode_image(render_ticket(ticket, layout), layout, profile)


def printable_problems(layout: TicketLayout, profile: str = DEFAULT_PROFILE) -> list[str]:
    """Make a sample ticket now and say what stops it, each problem with its key: a layout
    the printer cannot take (too wide, a cut without a cutter, no font) is then refused at
    start, not found out only after the server has issued a ticket."""
    sample = PrintedTicket(
        hall="政务服务中心",
        area="1F",
        service="综合",
        number="A001",
        people_ahead=0,
        wait_minutes=0,
        missed_call_rule="过号作废",
        issued_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        phone_url="https://hall.example/t/0",
    )
    try:
        encode_ticket(sample, layout, profile)
    except LayoutError as exc:
        return exc.problems
    except TicketError as exc:
        return [f"ticket: {exc}"]
    return []


def encode_image(image: Image.Image, layout: TicketLayout, profile: str = DEFAULT_PROFILE) -> bytes:
    """A rendered ticket as `GS v 0` raster (in 960-row bands), then feed and cut."""
    printer = _printer(profile, layout)
    printer.hw("INIT")
    printer.image(image, impl="bitImageRaster")
    _finish(printer, layout)
    return bytes(printer.output)


def encode_text(
    ticket: PrintedTicket, layout: TicketLayout, profile: str = DEFAULT_PROFILE
) -> bytes:
    """The ticket in the printer's own Chinese font (GB18030) with its native QR command."""
    printer = _printer(profile, layout)
    if not printer.profile.supports("qrCode"):
        raise LayoutError(
            [f"ticket.text_mode: the printer profile {profile} has no QR command for text mode"]
        )

    def line(text: str, **style: Any) -> None:
        printer.set_with_default(align="center", **style)
        try:
            # python-escpos sends GB18030 only for chunks with an ideograph in U+4E00-U+9FA5
            # and prints anything else outside its code pages as "?": encode every line here.
            # GBK is what the fonts of Chinese printers are sure to have.
            text.encode("gbk")
        except UnicodeEncodeError:
            # A second language, a rare ideograph: drawn with our fonts instead.
            printer.image(render_line(text, layout), impl="bitImageRaster")
            return
        printer._raw(text.encode("gb18030") + b"\n")

    printer.hw("INIT")
    printer._raw(_CHINESE_ON)
    for text in layout.header:
        line(text)
    line(ticket.hall, bold=True)
    line(ticket.area)
    line(ticket.service, bold=True, double_height=True)
    if ticket.service_second_language:
        line(ticket.service_second_language)
    if ticket.priority is not None:
        line(f" {ticket.priority} ", invert=True)
    line(ticket.number, bold=True, double_width=True, double_height=True)
    line(ticket.ahead_line, bold=True)
    line(ticket.wait_line)
    printer.set_with_default(align="center")
    printer.qr(ticket.phone_url, ec=QR_ECLEVEL_M, size=_QR_MODULE_DOTS, native=True)
    for text in (ticket.missed_call_rule, ticket.issued_line, *layout.footer):
        line(text)
    printer._raw(_CHINESE_OFF)
    _finish(printer, layout)
    return bytes(printer.output)


def _printer(profile: str, layout: TicketLayout) -> Any:
    """A python-escpos printer for `profile`; LayoutError, naming each `[ticket]` key, when
    the layout asks what the profile cannot do."""
    printer = Dummy(profile=profile)
    media = printer.profile.profile_data["media"]
    dots = media["width"].get("pixels")
    problems = []
    if isinstance(dots, int) and dots < layout.width:
        problems.append(
            f"ticket.width: the layout is {layout.width} dots wide; {profile} prints {dots}"
        )
    if not isinstance(dots, int):
        # python-escpos print()s a warning for every image on a profile without a width; the
        # layout knows it. A copy: profile_data is one dict shared by every printer object.
        data = copy.deepcopy(printer.profile.profile_data)
        data["media"]["width"]["pixels"] = layout.width
        printer.profile.profile_data = data
    if layout.cut and not (
        printer.profile.supports("paperFullCut") or printer.profile.supports("paperPartCut")
    ):
        problems.append(
            f"ticket.cut: the layout asks for a cut; the printer profile {profile} has no cutter"
        )
    if problems:
        raise LayoutError(problems)
    return printer


def _finish(printer: Any, layout: TicketLayout) -> None:
    if layout.cut:
        printer.cut(mode="PART")  # a partial cut leaves the ticket hanging, not on the floor
    else:
        printer.print_and_feed(_FEED_LINES)
