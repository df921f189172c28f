"""The CSV export read back with the csv module: BOM, Chinese header, guarded cells, no rater."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from zoneinfo import ZoneInfo

from csv_reading import cell_text, raw_rows, text_rows

from queue_server.domain.ratings import Channel, Level, RatingRecord, ServedService, Stage
from queue_server.ratings.export import HEADER, ratings_csv, write_ratings_csv

SHANGHAI = ZoneInfo("Asia/Shanghai")

SERVED = ServedService(
    ticket_id="t1",
    ticket_number="B007",
    service="estate",
    window="7",
    clerk="wang",
    staff_no="0012",
    clerk_name="王强",
    served_at=dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC),
)

BAD = RatingRecord(
    id="r1",
    served=dataclasses.replace(SERVED, case_no="330100-2026-000123"),
    service_name="不动产登记",
    stage=Stage.COMPLETION,
    level=Level.VERY_DISSATISFIED,
    tags=("113", "115"),
    comment='=HYPERLINK("http://evil.example","点我")',
    channel=Channel.HALL_TABLET,
    device="pad-7",
    rated_at=dt.datetime(2026, 3, 2, 9, 31, 5, tzinfo=SHANGHAI),
    struck=True,
    strike_reason="-经核实为误评",
    rater="gAAAAAB-ciphertext-of-张三-110101199001011234",
)

FOLLOW_UP = RatingRecord(
    id="r2",
    served=SERVED,
    service_name="不动产登记",
    stage=Stage.COMPLETION,
    level=Level.SATISFIED,
    tags=(),
    comment="第二行\n还有,逗号",
    channel=Channel.PHONE,
    device=None,
    rated_at=dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI),
    follow_up=True,
)

DEFAULT = RatingRecord(
    id="r3",
    served=SERVED,
    service_name="不动产登记",
    stage=Stage.ACCEPTANCE,
    level=Level.BASICALLY_SATISFIED,
    tags=(),
    comment=None,
    channel=Channel.SYSTEM_DEFAULT,
    device=None,
    rated_at=dt.datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI),
    default=True,
)


def read_back(text: str) -> list[dict[str, str]]:
    """The cells as written, as Excel and WPS read them."""
    rows = raw_rows(text.encode("utf-8"))
    assert tuple(rows[0]) == HEADER
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_every_column_of_a_record() -> None:
    (bad,) = read_back(ratings_csv([BAD], tz=SHANGHAI))
    assert bad == {
        "评价编号": "r1",
        "票号": "B007",
        "办件编号": '="330100-2026-000123"',
        "事项编码": "estate",
        "事项名称": "不动产登记",
        "评价环节": "办结",
        "窗口": '="7"',
        "工号": '="0012"',
        "工作人员": "王强",
        "评价设备": "pad-7",
        "评价渠道代码": "4",
        "评价渠道": "政务大厅平板电脑",
        "服务时间": '="2026-03-02T09:30:00+08:00"',
        "评价时间": '="2026-03-02T09:31:05+08:00"',
        "评价等级(5=非常满意)": "1",
        "等级名称": "非常不满意",
        "GB/T 39046代码(1=非常满意)": "5",
        "标签代码": "113;115",
        "标签内容": "多头跑窗口和部门;服务态度差效率低",
        "评价内容": '\'=HYPERLINK("http://evil.example","点我")',
        "首评/追评": "首评",
        "主动/默认": "主动",
        "已撤销": "是",
        "撤销原因": "'-经核实为误评",
    }


def test_follow_ups_defaults_and_awkward_text_survive_the_round_trip() -> None:
    follow_up, default = read_back(ratings_csv([FOLLOW_UP, DEFAULT], tz=SHANGHAI))
    assert follow_up["评价内容"] == "第二行\n还有,逗号"
    assert (follow_up["首评/追评"], follow_up["评价渠道"], follow_up["评价设备"]) == (
        "追评",
        "电话",
        "",
    )
    assert (follow_up["评价等级(5=非常满意)"], follow_up["GB/T 39046代码(1=非常满意)"]) == (
        "4",
        "2",
    )
    assert (default["主动/默认"], default["评价渠道代码"], default["评价环节"]) == (
        "默认",
        "0",
        "受理",
    )
    assert (default["评价内容"], default["标签代码"], default["已撤销"]) == ("", "", "否")


def test_every_formula_start_is_guarded() -> None:
    # Marked with ', or, when it reads as a number, our own formula giving the text.
    for comment, cell in (
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        (" -A1", "' -A1"),
        ("+1+1", '="+1+1"'),
        ("-1", '="-1"'),
        ("'已撤回", "''已撤回"),
    ):
        record = dataclasses.replace(FOLLOW_UP, comment=comment)
        (row,) = read_back(ratings_csv([record], tz=SHANGHAI))
        assert row["评价内容"] == cell, comment
        assert cell_text(row["评价内容"]) == comment
    (plain,) = read_back(ratings_csv([dataclasses.replace(FOLLOW_UP, comment="1+1=")], tz=SHANGHAI))
    assert plain["评价内容"] == "1+1="


def test_a_program_reading_the_csv_gets_the_records_text_and_numbers() -> None:
    bad, follow_up = text_rows(ratings_csv([BAD, FOLLOW_UP], tz=SHANGHAI).encode("utf-8"))[1:]
    row = dict(zip(HEADER, bad, strict=True))
    assert (row["工号"], row["窗口"], row["办件编号"]) == ("0012", "7", "330100-2026-000123")
    assert (row["服务时间"], row["评价内容"]) == (
        "2026-03-02T09:30:00+08:00",
        '=HYPERLINK("http://evil.example","点我")',
    )
    assert dict(zip(HEADER, follow_up, strict=True))["评价内容"] == "第二行\n还有,逗号"


def test_the_rater_never_leaves_the_hall() -> None:
    text = ratings_csv([BAD, FOLLOW_UP], tz=SHANGHAI)
    assert "ciphertext" not in text and "张三" not in text and "110101" not in text


def test_a_stream_gets_the_same_bytes_and_excel_line_ends() -> None:
    out = io.StringIO(newline="")
    write_ratings_csv([BAD, DEFAULT], out, tz=SHANGHAI)
    assert out.getvalue() == ratings_csv([BAD, DEFAULT], tz=SHANGHAI)
    assert out.getvalue().count("\r\n") == 3
    assert out.getvalue().encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert read_back(ratings_csv([], tz=SHANGHAI)) == []
