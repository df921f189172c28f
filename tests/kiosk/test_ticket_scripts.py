"""Tickets of bilingual halls and rare names: every script printed in a font that has it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from escpos_decode import decode
from helpers import SHANGHAI

from kiosk.ticket.encode import encode_ticket
from kiosk.ticket.glyphs import find_fallback_files
from kiosk.ticket.layout import FONT_ROOTS, PrintedTicket, TicketLayout
from kiosk.ticket.render import render_ticket

TICKET = PrintedTicket(
    hall="乌兰旗政务服务中心",
    area="一楼大厅",
    service="社保医保",
    number="A012",
    people_ahead=5,
    wait_minutes=15,
    missed_call_rule="过号作废，请留意叫号",
    issued_at=dt.datetime(2026, 11, 23, 9, 5, tzinfo=SHANGHAI),
    phone_url="https://hall.example.gov.cn/t/8f3a2c?k=abc",
    service_second_language="ᠨᠡᠶᠢᠭᠡᠮ\u202fᠦᠨ ᠳᠠᠭᠠᠲᠭᠠᠯ",
)
# Its words spelt backwards: drawn as missing-glyph boxes, the two names look the same.
OTHER_NAME = "ᠮᠡᠭᠢᠶᠡᠨ\u202fᠨᠦ ᠯᠠᠭᠲᠠᠭᠠᠳ"


@pytest.fixture(autouse=True)
def mongolian_font() -> None:
    if not any("Mongolian" in path.name for path in find_fallback_files(FONT_ROOTS)):
        pytest.skip("Noto Sans Mongolian (fonts-noto-core) is not installed")


def test_a_mongolian_name_is_drawn_in_a_mongolian_font_not_as_boxes() -> None:
    assert len(OTHER_NAME) == len(TICKET.service_second_language or "")
    other = dataclasses.replace(TICKET, service_second_language=OTHER_NAME)
    layout = TicketLayout()
    assert render_ticket(TICKET, layout).tobytes() != render_ticket(other, layout).tobytes()


def test_text_mode_draws_what_the_printer_font_lacks_and_prints_the_rest_as_text() -> None:
    rare = dataclasses.replace(TICKET, service="户籍（䶮）")
    decoded = decode(encode_ticket(rare, TicketLayout(text_mode=True)))
    texts = [run.text.strip() for run in decoded.texts]
    assert "乌兰旗政务服务中心" in texts and "A012" in texts and "社保医保" not in texts
    # The service name and the Mongolian line: each a raster band, never GB18030 bytes that
    # a printer's Chinese font prints as garbage.
    assert not any("䶮" in text or "ᠨ" in text for text in texts)
    assert len(decoded.rasters) == 2
    assert all(raster.width == 576 for raster in decoded.rasters)
    plain = decode(
        encode_ticket(
            dataclasses.replace(TICKET, service_second_language=None), TicketLayout(text_mode=True)
        )
    )
    assert plain.rasters == []
