"""Reports as files for Excel: CSV (UTF-8 with BOM) and xlsx with the same rows, one sheet
per table, numbers as numbers, text shown as written (see spreadsheet_cells)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from queue_server.domain.ratings import LEVEL_NAMES, Level
from queue_server.reports.assessment import AssessmentSheet, ClerkAssessment
from queue_server.reports.load import HourlyLoad
from queue_server.reports.report import By, Report, ReportRow
from queue_server.reports.tally import LEVELS, RatingCounts
from queue_server.reports.ticket_ends import TicketEnds
from queue_server.spreadsheet_cells import BOM, csv_text

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

Cell = str | int | float | None

# What xlsx cannot hold (XML 1.0 forbids these control characters); CSV drops them too, so
# both files keep the same text.
_UNWRITABLE = re.compile(r"[\000-\010\013\014\016-\037]")
_RATING_HEADER = (
    "评价数",
    *(LEVEL_NAMES[Level(level)] for level in LEVELS),
    "好评数",
    "差评数",
    "默认评价数",
    "追评数",
    "好评率",
)
# The tickets issued by how they stood at the period's end: together they are 取号数.
_ENDS_HEADER = (
    "取号去向·办结",
    "取号去向·过号",
    "取号去向·作废",
    "取号去向·清号",
    "取号去向·未结",
)
_KEY_HEADERS = {
    By.SERVICE: ("事项编码", "服务事项"),
    By.WINDOW: ("窗口编号", "窗口"),
    By.CLERK: ("用户名", "工作人员"),
    By.HOUR: ("时", "时段"),
}
SHEET_TITLES = {
    By.SERVICE: "按事项",
    By.WINDOW: "按窗口",
    By.CLERK: "按工作人员",
    By.HOUR: "按时段",
}


@dataclass(frozen=True)
class Table:
    """A sheet: its title, a header row, rows of cells; `percent` columns hold fractions."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    percent: frozenset[int] = frozenset()  # column indexes shown as 98.33% in xlsx


def _rating_cells(counts: RatingCounts) -> tuple[Cell, ...]:
    return (
        counts.ratings,
        *counts.levels,
        counts.good,
        counts.bad,
        counts.default,
        counts.follow_ups,
        counts.good_rate,
    )


def _ends_cells(ends: TicketEnds | None) -> tuple[Cell, ...]:
    if ends is None:
        return (None,) * len(_ENDS_HEADER)
    return (ends.done, ends.no_show, ends.cancelled, ends.abandoned, ends.open)


def _report_cells(row: ReportRow) -> tuple[Cell, ...]:
    return (
        row.key,
        row.label,
        row.issued,
        row.called,
        row.served,
        row.missed,
        row.held,
        row.transferred,
        row.wait_mean,
        row.wait_p90,
        row.wait_max,
        row.handling_mean,
        row.pause_minutes,
        *_ends_cells(row.issued_by_state),
        *_rating_cells(row.ratings),
    )


def report_table(report: Report) -> Table:
    """The rows of the report and its total (合计) last."""
    header = (
        *_KEY_HEADERS[report.by],
        "取号数",
        "首次叫号数",
        "办结数",
        "过号数",
        "挂起数",
        "转办数",
        "平均等候(分钟)",
        "P90等候(分钟)",
        "最长等候(分钟)",
        "平均办理(分钟)",
        "暂停(分钟)",
        *_ENDS_HEADER,
        *_RATING_HEADER,
    )
    rows = tuple(_report_cells(row) for row in (*report.rows, report.total))
    return Table(SHEET_TITLES[report.by], header, rows, frozenset({len(header) - 1}))


def load_table(load: HourlyLoad) -> Table:
    header = ("时", "时段", "取号数", "办结数", "平均开放窗口数", "平均服务窗口数", "每窗口取号数")
    rows = tuple(
        (
            r.hour,
            r.label,
            r.issued,
            r.served,
            r.open_windows,
            r.serving_windows,
            r.issued_per_window,
        )
        for r in load.rows
    )
    return Table("时段负荷", header, rows)


def _assessment_cells(row: ClerkAssessment) -> tuple[Cell, ...]:
    return (
        row.clerk,
        row.name,
        row.staff_no,
        row.days_present,
        row.working_days,
        row.attendance_rate,
        row.served,
        row.missed,
        row.handling_mean,
        row.pause_minutes,
        *_rating_cells(row.ratings),
    )


def assessment_table(sheet: AssessmentSheet) -> Table:
    header = (
        "用户名",
        "姓名",
        "工号",
        "出勤天数",
        "应出勤天数",
        "出勤率",
        "办结数",
        "过号数",
        "平均办理(分钟)",
        "暂停(分钟)",
        *_RATING_HEADER,
    )
    rows = tuple(_assessment_cells(row) for row in sheet.rows)
    return Table("月度考核", header, rows, frozenset({5, len(header) - 1}))


def _text(value: str) -> str:
    return _UNWRITABLE.sub("", value)


def csv_cell(value: Cell) -> str:
    """A cell as the CSV writes it: text as Excel and WPS show it as written (`="007"`,
    `'=...`), numbers as Python prints them (12.5, 3, 0.9833; 5.0 as 5), nothing for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(_text(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # as Excel shows 5.0, and as xlsx readers give it back
    return repr(value)


def table_csv(table: Table) -> str:
    """The table as CSV text with a BOM first (encode it as UTF-8)."""
    out = io.StringIO(newline="")
    out.write(BOM)
    writer = csv.writer(out)  # "\r\n" line ends and quoting as Excel expects
    writer.writerow([csv_cell(name) for name in table.header])
    for row in table.rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    """A workbook with one sheet per table: a bold header row, numbers as numbers, text as
    text cells, which Excel and WPS show as written and never run as a formula."""
    # openpyxl takes a tenth of a second to import: only exports pay for it, not start-up.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        _append(sheet, table.header)
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            _append(sheet, row)
        for column in table.percent:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                cell.number_format = "0.00%"
        for index, name in enumerate(table.header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, 2 * len(name) + 2)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _append(sheet: Worksheet, row: Sequence[Cell]) -> None:
    sheet.append([_text(v) if isinstance(v, str) else v for v in row])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            # openpyxl makes "=..." a formula and "#N/A" an error value: keep them text.
            cell.data_type = "s"


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
