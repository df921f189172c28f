"""Rating records as CSV for Excel: UTF-8 with a BOM, a Chinese header, no rater identity,
text shown as written (see spreadsheet_cells)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import TextIO

from queue_server.domain.ratings import (
    LEVEL_NAMES,
    TAGS,
    Channel,
    RatingRecord,
    Stage,
    gbt39046_code,
)
from queue_server.spreadsheet_cells import BOM, csv_text

HEADER: tuple[str, ...] = (
    "评价编号",
    "票号",
    "办件编号",
    "事项编码",
    "事项名称",
    "评价环节",
    "窗口",
    "工号",
    "工作人员",
    "评价设备",
    "评价渠道代码",
    "评价渠道",
    "服务时间",
    "评价时间",
    "评价等级(5=非常满意)",
    "等级名称",
    "GB/T 39046代码(1=非常满意)",
    "标签代码",
    "标签内容",
    "评价内容",
    "首评/追评",
    "主动/默认",
    "已撤销",
    "撤销原因",
)

CHANNEL_NAMES: Mapping[Channel, str] = {
    Channel.SYSTEM_DEFAULT: "系统默认",
    Channel.PC: "PC端",
    Channel.MOBILE: "移动端",
    Channel.QR_CODE: "二维码",
    Channel.HALL_TABLET: "政务大厅平板电脑",
    Channel.HALL_TERMINAL: "政务大厅其他终端",
    Channel.PHONE: "电话",
    Channel.SMS: "短信",
}

STAGE_NAMES: Mapping[Stage, str] = {
    Stage.ACCEPTANCE: "受理",
    Stage.COMPLETION: "办结",
    Stage.CONSULTATION: "咨询",
}


def tag_text(code: str) -> str:
    """The national text of a tag code (the code itself for an unknown one)."""
    for by_code in TAGS.values():
        if code in by_code:
            return by_code[code]
    return code


def _cell(value: str | int | None) -> str | int:
    """Codes and levels are numbers; text is marked so that Excel shows it as written."""
    if value is None:
        return ""
    return value if isinstance(value, int) else csv_text(value)


def _time(moment: dt.datetime, tz: dt.tzinfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="seconds")


def record_row(record: RatingRecord, tz: dt.tzinfo) -> list[str | int]:
    """One record as the cells under HEADER: `="0012"` keeps a 工号's zeros in Excel, and
    `'=HYPERLINK(...)` in a comment stays text (spreadsheet_cells)."""
    served = record.served
    cells: list[str | int | None] = [
        record.id,
        served.ticket_number,
        record.case_no,
        served.service,
        record.service_name,
        STAGE_NAMES[record.stage],
        served.window,
        served.staff_no,
        served.clerk_name,
        record.device,
        int(record.channel),
        CHANNEL_NAMES[record.channel],
        _time(served.served_at, tz),
        _time(record.rated_at, tz),
        int(record.level),
        LEVEL_NAMES[record.level],
        gbt39046_code(record.level),
        ";".join(record.tags),
        ";".join(tag_text(code) for code in record.tags),
        record.comment,
        "追评" if record.follow_up else "首评",
        "默认" if record.default else "主动",
        "是" if record.struck else "否",
        record.strike_reason,
    ]
    return [_cell(value) for value in cells]


def write_ratings_csv(records: Iterable[RatingRecord], out: TextIO, *, tz: dt.tzinfo) -> None:
    """Write the BOM, the header and one row per record to `out` (open it with newline="").

    Times are in the hall's time zone `tz`, ISO 8601 with the offset. The rater is never
    written: the CSV leaves the hall in e-mails and on USB sticks.
    """
    out.write(BOM)
    writer = csv.writer(out)  # "\r\n" line ends and quoting as Excel expects
    writer.writerow(HEADER)
    for record in records:
        writer.writerow(record_row(record, tz))


def ratings_csv(records: Iterable[RatingRecord], *, tz: dt.tzinfo) -> str:
    """The whole CSV as text (encode it as UTF-8: the BOM is its first character)."""
    out = io.StringIO(newline="")
    write_ratings_csv(records, out, tz=tz)
    return out.getvalue()
