"""The report files as a hall's staff open them in Excel or WPS, and as a program reads them:
codes that look like numbers or dates stay as written, no text runs as a formula."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
from csv_reading import raw_rows, text_rows
from helpers import SHANGHAI, small_hall

from queue_server.domain import events as e
from queue_server.domain.model import Priority
from queue_server.reports import (
    Facts,
    Table,
    assessment_sheet,
    assessment_table,
    build_report,
    hourly_load,
    load_table,
    period_of,
    report_table,
    table_csv,
    tables_xlsx,
    walk,
)

DAY = dt.date(2026, 11, 25)
PERIOD = period_of("day", DAY)
# A clerk's name typed by whoever set up the accounts: it must never run in Excel.
LINK = '=HYPERLINK("http://evil.example","点我")'


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), SHANGHAI)


def a_morning() -> Facts:
    """User 007 (工号 0101) at window 3-1 serves one ticket of matter 0301 (公积金提取);
    li (工号 0102, 姓名 @SUM(1+1)) at window 12 pauses."""
    return walk(
        [
            e.WindowOpened(at(9), "3-1", "007", LINK, "0101"),
            e.WindowOpened(at(9), "12", "li", "@SUM(1+1)", "0102"),
            e.TicketIssued(at(9), "t1", "F001", "0301", Priority.NORMAL, DAY, 1, (0, 1)),
            e.TicketCalled(at(9, 5), "t1", "3-1"),
            e.TicketFinished(at(9, 17), "t1", "3-1", service="0301", clerk="007"),
            e.WindowPaused(at(9, 30), "12", "离开"),
            e.WindowResumed(at(9, 45), "12"),
        ],
        PERIOD.moments(SHANGHAI)[0],
        at(10),
    )


def tables(facts: Facts) -> dict[str, Table]:
    def report(by: str) -> Table:
        labels = {"0301": "公积金提取"} if by == "service" else {}
        return report_table(build_report(facts, PERIOD, by, tz=SHANGHAI, labels=labels))

    return {
        **{by: report(by) for by in ("service", "window", "clerk", "hour")},
        "load": load_table(hourly_load(facts, PERIOD, tz=SHANGHAI)),
        "assessment": assessment_table(
            assessment_sheet(facts, PERIOD, tz=SHANGHAI, hours=small_hall().hours)
        ),
    }


def test_codes_that_look_like_numbers_or_dates_keep_their_form_in_excel() -> None:
    files = {
        name: raw_rows(table_csv(table).encode("utf-8"))
        for name, table in tables(a_morning()).items()
    }
    # Excel and WPS would show 0301 as 301, 3-1 as 1 March, 09 as 9, 0101 as 101.
    assert files["service"][1][:3] == ['="0301"', "公积金提取", "1"]
    assert [row[0] for row in files["window"][1:]] == ['="3-1"', '="12"', "total"]
    assert files["hour"][1][:3] == ['="09"', '="09:00-10:00"', "1"]
    assert [row[:2] for row in files["clerk"][1:3]] == [
        ['="007"', f"'{LINK}（0101）"],
        ["li", "'@SUM(1+1)（0102）"],
    ]
    assert [row[:3] for row in files["assessment"][1:]] == [
        ['="007"', f"'{LINK}", '="0101"'],
        ["li", "'@SUM(1+1)", '="0102"'],
    ]
    # Figures stay numbers, ready to sum: the load's hour, the minutes, the counts.
    assert files["load"][1][:5] == ["9", '="09:00-10:00"', "1", "1", "2"]
    assert files["window"][1][8:12] == ["5", "5", "5", "12"]


def xlsx_text(value: Any) -> str:
    """A cell of the workbook as the CSV writes a number, or its text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_a_program_reading_the_csv_gets_the_cells_of_the_workbook() -> None:
    for name, table in tables(a_morning()).items():
        book = openpyxl.load_workbook(io.BytesIO(tables_xlsx([table])))
        (sheet,) = book.worksheets
        cells = [[xlsx_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert text_rows(table_csv(table).encode("utf-8")) == cells, name


def test_no_text_is_a_formula_or_an_error_value_in_the_workbook() -> None:
    odd = Table("t", ("名称", "工号"), ((LINK, "0101"), ("#N/A", "TRUE"), ("'引号", "-5")))
    sheet = openpyxl.load_workbook(io.BytesIO(tables_xlsx([odd])))["t"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [LINK, "0101"],
        ["#N/A", "TRUE"],
        ["'引号", "-5"],
    ]
    assert {c.data_type for row in sheet.iter_rows() for c in row} == {"s"}
    assert raw_rows(table_csv(odd).encode("utf-8"))[1:] == [
        [f"'{LINK}", '="0101"'],
        ['="#N/A"', '="TRUE"'],
        ["''引号", '="-5"'],
    ]
