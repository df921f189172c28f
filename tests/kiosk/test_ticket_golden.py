"""Golden tests of the printed ticket: the ESC/POS bytes decode back to what was rendered."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from escpos_decode import decode
from helpers import SHANGHAI
from PIL import Image, ImageChops
from printed import qr_codes

from kiosk.ticket.encode import encode_image, encode_text, encode_ticket
from kiosk.ticket.layout import (
    FontFace,
    LayoutError,
    PrintedTicket,
    Priority,
    TicketError,
    TicketLayout,
    find_cjk_fonts,
)
from kiosk.ticket.render import render_ticket

TICKET = PrintedTicket(
    hall="江北区政务服务中心",
    area="1F 东区",
    service="社保医保",
    number="A012",
    people_ahead=5,
    wait_minutes=15,
    missed_call_rule="叫号三次未到视为过号，过号请到服务台重新取号",
    issued_at=dt.datetime(2026, 11, 23, 9, 5, tzinfo=SHANGHAI),
    phone_url="https://hall.example.gov.cn/q/8f3a2c?n=A012",
    priority=Priority.GREEN_CHANNEL,
)
LAYOUT = TicketLayout(header=("欢迎光临",), footer=("请妥善保管此票",))


def test_the_raster_job_decodes_to_exactly_the_rendered_image(tmp_path: Path) -> None:
    image = render_ticket(TICKET, LAYOUT)
    job = encode_ticket(TICKET, LAYOUT)
    assert job == encode_image(image, LAYOUT)
    decoded = decode(job)
    assert decoded.unknown == [] and decoded.texts == []
    assert decoded.commands[0] == b"\x1b@"
    assert decoded.cuts == [b"\x01"]  # a partial cut, last
    assert decoded.commands[-1] == b"\x1dV\x01"
    printed = decoded.image()
    assert printed.size == image.size and image.width == 576 and image.mode == "1"
    assert ImageChops.difference(printed.convert("L"), image.convert("L")).getbbox() is None
    assert qr_codes(printed, tmp_path) == [TICKET.phone_url]


def test_a_tall_ticket_goes_out_in_bands_that_stack_back(tmp_path: Path) -> None:
    layout = dataclasses.replace(LAYOUT, footer=tuple(f"第 {n} 行说明" for n in range(30)))
    image = render_ticket(TICKET, layout)
    assert image.height > 960
    decoded = decode(encode_image(image, layout))
    assert len(decoded.rasters) > 1
    assert decoded.image().tobytes() == image.tobytes()


def test_text_mode_prints_every_line_in_gb18030_with_a_native_qr() -> None:
    layout = dataclasses.replace(LAYOUT, text_mode=True)
    decoded = decode(encode_ticket(TICKET, layout))
    assert decoded.unknown == [] and decoded.rasters == []
    lines = {run.text.strip(): run for run in decoded.texts}
    for text in ("欢迎光临", "江北区政务服务中心", "1F 东区", "社保医保", "绿色通道", "A012"):
        assert text in lines
    assert "前面还有 5 人等候" in lines and "预计等候约 15 分钟" in lines
    assert TICKET.missed_call_rule in lines and "2026-11-23 09:05" in lines
    assert lines["A012"].print_mode == 0x30 and lines["A012"].bold  # double width and height
    assert lines["绿色通道"].inverted
    assert all(run.align == 1 for run in decoded.texts)
    assert decoded.qr_payloads == [TICKET.phone_url]
    assert decoded.qr_settings[69] == 49  # error correction M
    assert decoded.cuts == [b"\x01"]


def test_the_ticket_says_what_it_must() -> None:
    plain = dataclasses.replace(TICKET, priority=None)
    assert plain.ahead_line == "前面还有 5 人等候"
    assert plain.issued_line == "2026-11-23 09:05"
    # The priority label takes its own rows; dropping it makes a shorter ticket.
    assert render_ticket(plain, LAYOUT).height < render_ticket(TICKET, LAYOUT).height


def test_a_logo_goes_on_top_and_header_and_footer_lines_are_drawn(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("L", (200, 100), 0).save(logo)
    bare = render_ticket(TICKET, TicketLayout())
    framed = render_ticket(TICKET, LAYOUT)
    with_logo = render_ticket(TICKET, dataclasses.replace(LAYOUT, logo=logo))
    assert bare.height < framed.height < with_logo.height
    top = with_logo.crop((0, 0, 576, 40)).convert("L")
    assert top.getextrema()[0] == 0  # black logo pixels in the top rows
    assert with_logo.crop((188, 20, 388, 60)).convert("L").getextrema() == (0, 0)
    bottom = framed.crop((0, framed.height - 40, 576, framed.height)).convert("L")
    assert bottom.getextrema() == (0, 255)  # the footer line


def test_the_image_is_pure_black_and_white_without_dither() -> None:
    image = render_ticket(TICKET, LAYOUT).convert("L")
    assert image.histogram()[1:255] == [0] * 254


def test_no_cut_when_the_layout_says_so_and_no_cutter_profile_is_refused() -> None:
    narrow = dataclasses.replace(LAYOUT, width=384)  # POS-5890: 58 mm paper, no cutter
    uncut = dataclasses.replace(narrow, cut=False)
    decoded = decode(encode_ticket(TICKET, uncut, profile="POS-5890"))
    assert decoded.cuts == [] and decoded.image().width == 384
    assert decoded.commands[-1] == b"\x1bd\x04"  # fed past the tear bar instead
    with pytest.raises(TicketError, match="POS-5890 has no cutter"):
        encode_ticket(TICKET, narrow, profile="POS-5890")


def test_a_layout_wider_than_the_printer_is_refused() -> None:
    with pytest.raises(TicketError, match="576 dots wide; ZJ-5870 prints 384"):
        encode_image(render_ticket(TICKET, LAYOUT), LAYOUT, profile="ZJ-5870")


def test_a_profile_without_a_width_prints_without_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    decoded = decode(encode_ticket(TICKET, LAYOUT, profile="default"))
    assert decoded.image().width == 576
    assert capsys.readouterr().out == ""


def test_text_mode_needs_a_qr_command() -> None:
    with pytest.raises(TicketError, match="no QR command"):
        encode_text(TICKET, dataclasses.replace(LAYOUT, width=384, cut=False), profile="POS-5890")


def test_a_missing_font_is_a_clear_error(tmp_path: Path) -> None:
    missing = dataclasses.replace(LAYOUT, font=FontFace(tmp_path / "NoSuchFont.ttc"))
    with pytest.raises(TicketError, match=r"NoSuchFont\.ttc does not exist"):
        render_ticket(TICKET, missing)
    with pytest.raises(TicketError, match="install fonts-noto-cjk"):
        find_cjk_fonts([tmp_path])


def test_a_file_that_is_not_a_font_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ttc"
    bogus.write_bytes(b"not a font")
    with pytest.raises(TicketError, match="cannot load the font"):
        render_ticket(TICKET, dataclasses.replace(LAYOUT, font=FontFace(bogus)))


def test_a_naive_issue_time_is_refused() -> None:
    with pytest.raises(TicketError, match="time zone"):
        dataclasses.replace(TICKET, issued_at=dt.datetime(2026, 11, 23, 9, 5))


def test_layout_from_mapping_reads_and_names_every_problem(tmp_path: Path) -> None:
    font = find_cjk_fonts().regular
    layout = TicketLayout.from_mapping(
        {"header": ["欢迎光临"], "font": str(font.path), "font_index": font.index, "cut": False}
    )
    assert layout.header == ("欢迎光临",) and layout.font == font and not layout.cut
    with pytest.raises(LayoutError) as caught:
        TicketLayout.from_mapping(
            {"width": 570, "logo": str(tmp_path / "none.png"), "footr": [], "text_mode": "yes"},
            "ticket",
        )
    assert caught.value.problems == [
        "ticket.width: must be a multiple of 8 dots, not 570",
        f"ticket.logo: no such file: {tmp_path / 'none.png'}",
        "ticket.text_mode: must be a boolean, not a string ('yes')",
        "ticket.footr: unknown key; did you mean 'footer'?",
    ]
