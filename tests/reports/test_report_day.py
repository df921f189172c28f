"""A small scripted day through the real server: its reports equal a count made by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

import openpyxl
from csv_reading import text_rows
from helpers import SHANGHAI, FakeClock, RunningHall, small_hall

from queue_server.config.holiday_files import load_calendar
from queue_server.domain.hall import HallConfig, RatingSettings

StartHall = Callable[..., Awaitable[RunningHall]]
DAY = "2026-11-23"  # the Monday of the `clock` fixture
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_hall() -> HallConfig:
    base = small_hall(open_all_hours=True)
    return dataclasses.replace(base, ratings=RatingSettings(calendar=load_calendar()))


class Day:
    """The people and devices of the scripted day, and a GET on the report server."""

    def __init__(self, hall: RunningHall, base: str) -> None:
        self.hall = hall
        self.base = base
        self.tokens: dict[str, str] = {}

    async def setup(self) -> None:
        hall = self.hall
        self.tokens["wang"] = await hall.clerk_at("1", "wang", "王芳", "1001")
        self.tokens["li"] = await hall.clerk_at("2", "li", "李强", "1002")
        self.tokens["kiosk"] = await hall.device("kiosk-1", "kiosk")
        self.tokens["pad"] = await hall.device("pad-1", "pad", window="1")
        self.tokens["manager"] = await hall.person("zhou", "manager")

    async def act(self, who: str, path: str, body: Any = None) -> Any:
        status, answer = await self.hall.call("POST", path, self.tokens[who], body)
        assert status in (200, 201), (path, answer)
        return answer

    async def issue(self) -> str:
        answer = await self.act("kiosk", "/api/v1/tickets", {"service": "social"})
        return str(answer["ticket"]["id"])

    async def window(self, who: str, window: str, action: str, body: Any = None) -> Any:
        return await self.act(who, f"/api/v1/windows/{window}/{action}", body)

    async def get(self, path: str, who: str = "manager") -> tuple[int, str, bytes]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        async with self.hall.http.get(self.base + path, headers=headers) as response:
            return (
                response.status,
                response.headers.get("Content-Disposition", ""),
                (await response.read()),
            )

    async def json(self, path: str) -> Any:
        async with self.hall.http.get(
            self.base + path, headers={"Authorization": f"Bearer {self.tokens['manager']}"}
        ) as response:
            assert response.status == 200, await response.text()
            return await response.json()


async def scripted_day(hall: RunningHall, base: str, clock: FakeClock) -> Day:
    """Two clerks at windows 1 and 2 from 09:00; five social-insurance tickets (A001-A005).

    09:00 A001, A002 issued      09:10 wang calls A001 (waited 10), starts 09:12, ends 09:20
    09:20 li calls A002 (20), ends 09:25 without a start       the pad rates A001 非常满意
    09:30 A003, A004 issued      09:40 wang calls A003 (10), 09:42 marks it missed
    09:45 wang calls A004 (15), 09:46 holds it                 09:50-10:20 wang pauses
    10:00 A005 issued            10:05 li calls A005 (5), 10:10 transfers it to 企业开办
    10:30 wang resumes A004, ends it 10:40 (11 minutes served, 44 held)   rated 不满意
    10:50 li pauses; 11:00 li closes window 2 (a 10-minute pause)
    """
    day = Day(hall, base)
    await day.setup()
    first, second = await day.issue(), await day.issue()
    clock.advance(minutes=10)  # 09:10
    called = await day.window("wang", "1", "call-next")
    assert called["ticket"]["id"] == first
    clock.advance(minutes=2)
    await day.window("wang", "1", "start")
    clock.advance(minutes=8)  # 09:20
    await day.window("wang", "1", "finish")
    await day.act("pad", "/api/v1/ratings", {"ticket": first, "level": 5, "tags": ["517"]})
    assert (await day.window("li", "2", "call-next"))["ticket"]["id"] == second
    clock.advance(minutes=5)  # 09:25
    await day.window("li", "2", "finish")
    clock.advance(minutes=5)  # 09:30
    third, fourth = await day.issue(), await day.issue()
    clock.advance(minutes=10)  # 09:40
    assert (await day.window("wang", "1", "call-next"))["ticket"]["id"] == third
    clock.advance(minutes=2)
    await day.window("wang", "1", "no-show", {"reason": "无人应答"})
    clock.advance(minutes=3)  # 09:45
    assert (await day.window("wang", "1", "call-next"))["ticket"]["id"] == fourth
    clock.advance(minutes=1)
    await day.window("wang", "1", "hold")
    clock.advance(minutes=4)  # 09:50
    await day.window("wang", "1", "pause", {"reason": "临时离开"})
    clock.advance(minutes=10)  # 10:00
    fifth = await day.issue()
    clock.advance(minutes=5)
    assert (await day.window("li", "2", "call-next"))["ticket"]["id"] == fifth
    clock.advance(minutes=5)  # 10:10
    await day.window("li", "2", "transfer", {"service": "company"})
    clock.advance(minutes=10)  # 10:20
    await day.window("wang", "1", "resume")
    clock.advance(minutes=10)  # 10:30
    await day.window("wang", "1", "resume-held", {"ticket": fourth})
    clock.advance(minutes=10)  # 10:40
    await day.window("wang", "1", "finish")
    await day.act("pad", "/api/v1/ratings", {"ticket": fourth, "level": 2, "tags": ["214"]})
    clock.advance(minutes=10)  # 10:50
    await day.window("li", "2", "pause", {"reason": "接电话"})
    clock.advance(minutes=10)  # 11:00
    await day.window("li", "2", "close")
    return day


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    wait = row["wait_minutes"]
    return (
        row["issued"],
        row["called"],
        row["served"],
        row["missed"],
        row["held"],
        row["transferred"],
        (wait["mean"], wait["p90"], wait["max"]),
        row["handling_minutes"]["mean"],
        row["pause_minutes"],
        (row["ratings"], row["good"], row["bad"], row["good_rate"]),
    )


async def test_the_day_by_clerk_window_service_and_hour_matches_a_hand_count(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(report_hall(), clock=clock)
    day = await scripted_day(hall, hall.url, clock)

    by_clerk = await day.json(f"/api/v1/reports?period=day&date={DAY}&by=clerk")
    assert by_clerk["period"] == {"kind": "day", "label": DAY, "first": DAY, "last": DAY}
    rows = {row["key"]: row for row in by_clerk["rows"]}
    assert [(r["key"], r["label"]) for r in by_clerk["rows"]] == [
        ("li", "李强（1002）"),
        ("wang", "王芳（1001）"),
    ]
    # wang: waits 10, 10, 15; services of 8 (start to end) and 11 minutes (call to end,
    # less the 44 minutes A004 was held).
    assert figures(rows["wang"]) == (
        None, 3, 2, 1, 1, 0, (11.67, 15.0, 15.0), 9.5, 30.0, (2, 1, 1, 0.5)
    )  # fmt: skip
    assert rows["wang"]["levels"] == {"5": 1, "4": 0, "3": 0, "2": 1, "1": 0}
    assert figures(rows["li"]) == (
        None, 2, 1, 0, 0, 1, (12.5, 20.0, 20.0), 5.0, 10.0, (0, 0, 0, None)
    )  # fmt: skip
    # The whole day: waits 10, 20, 10, 15, 5; services of 8, 5 and 11 minutes.
    total = (5, 5, 3, 1, 1, 1, (12.0, 20.0, 20.0), 8.0, 40.0, (2, 1, 1, 0.5))
    assert by_clerk["total"]["label"] == "合计" and figures(by_clerk["total"]) == total

    by_window = await day.json(f"/api/v1/reports?date={DAY}&by=window")
    assert [(r["key"], r["label"]) for r in by_window["rows"]] == [
        ("1", "1号窗口"),
        ("2", "2号窗口"),
    ]
    assert [figures(r)[1:] for r in by_window["rows"]] == [
        figures(rows["wang"])[1:],
        figures(rows["li"])[1:],
    ]
    by_service = await day.json(f"/api/v1/reports?date={DAY}&by=service")
    assert [(r["key"], r["label"]) for r in by_service["rows"]] == [("social", "社保医保")]
    assert figures(by_service["rows"][0]) == (*total[:8], None, total[9])

    by_hour = await day.json(f"/api/v1/reports?date={DAY}&by=hour")
    hours = {row["label"]: figures(row) for row in by_hour["rows"]}
    assert hours == {
        # Waits by the hour of issue; services, marks and ratings by their own hour; pauses
        # by the minutes inside the hour (wang 09:50-10:20, li 10:50-11:00).
        "09:00-10:00": (4, 4, 2, 1, 1, 0, (13.75, 20.0, 20.0), 6.5, 10.0, (1, 1, 0, 1.0)),
        "10:00-11:00": (1, 1, 1, 0, 0, 1, (5.0, 5.0, 5.0), 11.0, 30.0, (1, 0, 1, 0.0)),
    }


async def test_the_hourly_load_and_the_month_sheet_match_a_hand_count(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(report_hall(), clock=clock)
    day = await scripted_day(hall, hall.url, clock)

    load = await day.json(f"/api/v1/reports/load?date={DAY}")
    assert [
        (r["label"], r["issued"], r["served"], r["open_windows"], r["serving_windows"])
        for r in load["rows"]
    ] == [
        ("09:00-10:00", 4, 2, 2.0, 1.83, ),  # 10 of 120 window-minutes paused
        ("10:00-11:00", 1, 1, 2.0, 1.5),  # 30 paused; now is 11:00
    ]  # fmt: skip
    assert [r["issued_per_window"] for r in load["rows"]] == [2.0, 0.5]

    sheet = await day.json("/api/v1/reports/assessment?month=2026-11")
    assert sheet["period"]["label"] == "2026-11"
    assert [
        (
            r["staff_no"],
            r["name"],
            r["days_present"],
            r["working_days"],
            r["served"],
            r["missed"],
            r["handling_minutes"]["mean"],
            r["pause_minutes"],
            r["ratings"],
            r["bad"],
            r["good_rate"],
        )
        for r in sheet["rows"]
    ] == [
        # The hall's first day is today, Monday 23 November: one working day so far, not
        # the 21 of the whole month.
        ("1001", "王芳", 1, 1, 2, 1, 9.5, 30.0, 2, 1, 0.5),
        ("1002", "李强", 1, 1, 1, 0, 5.0, 10.0, 0, 0, None),
    ]
    assert sheet["rows"][0]["attendance_rate"] == 1.0
    # The same ratings as the 好差评 figures count for the clerk.
    async with hall.http.get(
        f"{hall.url}/api/v1/ratings/figures?month=2026-11&by=clerk",
        headers={"Authorization": f"Bearer {day.tokens['manager']}"},
    ) as response:
        rated = {r["key"]: r for r in (await response.json())["rows"]}
    assert (rated["wang"]["ratings"], rated["wang"]["good_rate"]) == (2, 0.5)


async def test_the_month_sheet_mid_month_counts_the_working_days_since_the_hall_began(
    start_hall: StartHall,
) -> None:
    # The hall's first day is Friday 20 November: wang signs in then and on Monday the 23rd,
    # li only on Monday. On Monday at 10:00 the month so far has two working days; the six
    # days after today and the nineteen before the hall began are nobody's absence.
    clock = FakeClock(dt.datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    hall = await start_hall(report_hall(), clock=clock)
    wang = await hall.clerk_at("1", "wang", "王芳", "1001")
    clock.advance(hours=8)
    assert (await hall.call("POST", "/api/v1/windows/1/close", wang))[0] == 200
    clock.advance(days=2, hours=16)  # Monday 09:00
    assert (await hall.call("POST", "/api/v1/windows/1/open", wang))[0] == 200
    await hall.clerk_at("2", "li", "李强", "1002")
    clock.advance(hours=1)
    manager = await hall.person("zhou", "manager")
    status, sheet = await hall.call("GET", "/api/v1/reports/assessment?month=2026-11", manager)
    assert status == 200, sheet
    assert [
        (r["clerk"], r["days_present"], r["working_days"], r["attendance_rate"])
        for r in sheet["rows"]
    ] == [("wang", 2, 2, 1.0), ("li", 1, 2, 0.5)]


def csv_rows(body: bytes) -> list[list[str]]:
    """The cells' text, as a program reads the CSV (window 1 is written ="1" for Excel)."""
    return text_rows(body)


def as_csv_text(value: Any) -> str:
    """A cell read back from xlsx, written the way the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sheets(body: bytes) -> dict[str, list[list[str]]]:
    book = openpyxl.load_workbook(io.BytesIO(body))
    return {
        sheet.title: [[as_csv_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


async def test_the_xlsx_opens_and_its_cells_are_the_csv_rows(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(report_hall(), clock=clock)
    day = await scripted_day(hall, hall.url, clock)
    titles = {"service": "按事项", "window": "按窗口", "clerk": "按工作人员", "hour": "按时段"}
    status, disposition, every = await day.get(f"/api/v1/reports.xlsx?date={DAY}&by=all")
    assert status == 200 and disposition == f'attachment; filename="report-{DAY}-all.xlsx"'
    workbook = sheets(every)
    assert list(workbook) == list(titles.values())
    for by, title in titles.items():
        query = f"?period=day&date={DAY}&by={by}"
        status, disposition, body = await day.get(f"/api/v1/reports.csv{query}")
        assert status == 200 and disposition.endswith(f'"report-{DAY}-{by}.csv"')
        rows = csv_rows(body)
        status, _, alone = await day.get(f"/api/v1/reports.xlsx{query}")
        assert workbook[title] == rows and sheets(alone) == {title: rows}
    clerks = csv_rows((await day.get(f"/api/v1/reports.csv?date={DAY}&by=clerk"))[2])
    assert clerks[0][:5] == ["用户名", "工作人员", "取号数", "首次叫号数", "办结数"]
    assert clerks[2][:3] == ["wang", "王芳（1001）", ""]  # a clerk issues no tickets
    assert clerks[-1][:9] == ["total", "合计", "5", "5", "3", "1", "1", "1", "12"]
    assert clerks[-1][-1] == "0.5"

    for path, title in (
        (f"/api/v1/reports/load.csv?date={DAY}", "时段负荷"),
        ("/api/v1/reports/assessment.csv?month=2026-11", "月度考核"),
    ):
        status, _, body = await day.get(path)
        assert status == 200
        status, _, book = await day.get(path.replace(".csv", ".xlsx"))
        assert status == 200 and sheets(book) == {title: csv_rows(body)}


async def test_the_xlsx_header_is_bold_and_numbers_are_numbers(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(report_hall(), clock=clock)
    day = await scripted_day(hall, hall.url, clock)
    _, _, body = await day.get("/api/v1/reports/assessment.xlsx?month=2026-11")
    sheet = openpyxl.load_workbook(io.BytesIO(body))["月度考核"]
    assert all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])
    wang = [cell.value for cell in sheet[2]]
    assert wang[:7] == ["wang", "王芳", "1001", 1, 1, 1, 2]
    assert sheet.cell(row=2, column=6).number_format == "0.00%"


async def test_only_supervisors_get_reports(start_hall: StartHall, clock: FakeClock) -> None:
    hall = await start_hall(report_hall(), clock=clock)
    base = hall.url
    day = Day(hall, base)
    await day.setup()
    day.tokens["admin"] = await hall.person("root", "admin")
    for path in (
        f"/api/v1/reports?date={DAY}",
        f"/api/v1/reports.csv?date={DAY}",
        f"/api/v1/reports.xlsx?date={DAY}",
        f"/api/v1/reports/load?date={DAY}",
        "/api/v1/reports/assessment.xlsx?month=2026-11",
    ):
        for who in ("wang", "kiosk", "pad"):
            status, _, body = await day.get(path, who)
            assert status == 403 and b'"forbidden"' in body, (path, who)
        async with hall.http.get(base + path) as response:
            assert response.status == 401
        for who in ("manager", "admin"):
            assert (await day.get(path, who))[0] == 200


async def test_bad_queries_are_422_naming_the_field(
    start_hall: StartHall, clock: FakeClock
) -> None:
    hall = await start_hall(report_hall(), clock=clock)
    day = Day(hall, hall.url)
    await day.setup()
    for path, field in (
        ("/api/v1/reports?period=year", "period"),
        ("/api/v1/reports?period=", "period"),
        ("/api/v1/reports?date=2026-02-30", "date"),
        ("/api/v1/reports?date=23.11.2026", "date"),
        ("/api/v1/reports?date=2026-W48-1", "date"),
        ("/api/v1/reports?date=0001-01-01&period=week", "date"),
        ("/api/v1/reports?date=9999-12-31", "date"),
        ("/api/v1/reports.csv?date=%D9%A2%D9%A0%D9%A2%D9%A6-11-23", "date"),
        ("/api/v1/reports?by=floor", "by"),
        ("/api/v1/reports?by=all", "by"),  # every grouping: only a workbook has sheets
        ("/api/v1/reports.csv?by=all", "by"),
        (f"/api/v1/reports.xlsx?by={'x' * 200}", "by"),
        ("/api/v1/reports/load?date=tomorrow", "date"),
        ("/api/v1/reports/load.xlsx?date=", "date"),
        ("/api/v1/reports/assessment?month=2026-13", "month"),
        ("/api/v1/reports/assessment.csv?month=2026-11-01", "month"),
        ("/api/v1/reports/assessment?month=1999-12", "month"),
        # A parameter twice, or one the report does not take, would give another report
        # than the manager asked for.
        ("/api/v1/reports?date=2026-11-23&date=2026-12-01", "date"),
        ("/api/v1/reports.csv?by=clerk&period=week&by=window", "by"),
        ("/api/v1/reports?from=2026-11-01", "from"),
        ("/api/v1/reports?period=month&month=2026-10", "month"),
        ("/api/v1/reports/load?period=week", "period"),
        ("/api/v1/reports/assessment.xlsx?date=2026-10-01", "date"),
        ("/api/v1/reports/assessment?month=2026-10&month=2026-11", "month"),
    ):
        status, _, body = await day.get(path)
        error = json.loads(body)["error"]
        assert (status, error["code"]) == (422, "invalid_request"), (path, body)
        assert error["message"].startswith(f"{field}: "), (path, error)
    # Without a date: today in the hall (the `clock`), an empty day so far.
    today = await day.json("/api/v1/reports")
    assert today["period"]["label"] == DAY and today["total"]["issued"] == 0
    assert (await day.json("/api/v1/reports/assessment"))["period"]["label"] == "2026-11"


async def test_every_ticket_issued_is_accounted_for_in_the_json_and_the_files(
    start_hall: StartHall, clock: FakeClock
) -> None:
    # The scripted day, and at 11:00 a sixth ticket that the manager voids at 11:02 (作废):
    # A001, A002 and A004 served, A003 missed for good, A005 waiting at 企业开办 since its
    # transfer (it stands under 社保医保, the service it was issued for).
    hall = await start_hall(report_hall(), clock=clock)
    day = await scripted_day(hall, hall.url, clock)
    sixth = await day.issue()
    clock.advance(minutes=2)
    await day.act("manager", f"/api/v1/tickets/{sixth}/cancel", {"reason": "打印失败"})
    clock.advance(minutes=3)
    ends = {"done": 3, "no_show": 1, "cancelled": 1, "abandoned": 0, "open": 1}
    by_service = await day.json(f"/api/v1/reports?date={DAY}&by=service")
    assert [(r["key"], r["issued"], r["issued_by_state"]) for r in by_service["rows"]] == [
        ("social", 6, ends)
    ]
    assert by_service["total"]["issued_by_state"] == ends
    by_window = await day.json(f"/api/v1/reports?date={DAY}&by=window")
    assert {r["issued_by_state"] for r in by_window["rows"]} == {None}
    assert by_window["total"]["issued_by_state"] == ends

    columns = ["取号去向·办结", "取号去向·过号", "取号去向·作废", "取号去向·清号", "取号去向·未结"]
    for by, row in (("service", ["3", "1", "1", "0", "1"]), ("clerk", ["", "", "", "", ""])):
        rows = csv_rows((await day.get(f"/api/v1/reports.csv?date={DAY}&by={by}"))[2])
        found = rows[0].index(columns[0])
        assert rows[0][found - 1 : found + 6] == ["暂停(分钟)", *columns, "评价数"]
        assert rows[-2][found : found + 5] == row, by  # social; wang
        assert rows[-1][found : found + 5] == ["3", "1", "1", "0", "1"]  # 合计
        _, _, book = await day.get(f"/api/v1/reports.xlsx?date={DAY}&by={by}")
        assert list(sheets(book).values()) == [rows]
