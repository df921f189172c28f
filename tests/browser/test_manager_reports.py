"""Reports on the manager console: the table, the hourly chart, CSV and xlsx that agree."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from csv_reading import raw_rows, text_rows
from helpers import FakeClock, RunningHall
from playwright.async_api import Page, Route, expect

from queue_server.domain.commands import ClearQueue

from .conftest import PASSWORD, Issue, OpenPage, Screenshot

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]


async def manager_page(hall: RunningHall, open_page: OpenPage) -> Page:
    await hall.person("zhao", "manager", display_name="赵主任")
    page = await open_page(f"{hall.url}/manager")
    await page.get_by_label("用户名").fill("zhao")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#live-view")).to_be_visible()
    return page


async def a_morning(hall: RunningHall, issue: Issue) -> None:
    """Five tickets: two windows serve four, one is still waiting."""
    one = await hall.clerk_at("1", "wang", "王芳", "0101")
    three = await hall.clerk_at("3", "sun", "孙敏", "0307")
    for service in ("social", "social", "company", "estate", "social"):
        await issue(hall, service)
    for token, window in ((one, "1"), (three, "3"), (one, "1"), (three, "3")):
        for action in ("call-next", "start", "finish"):
            status, answer = await hall.call("POST", f"/api/v1/windows/{window}/{action}", token)
            assert status == 200, (window, action, answer)


def same(csv_cell: str, xlsx_cell: Any) -> bool:
    if xlsx_cell is None:
        return csv_cell == ""
    if isinstance(xlsx_cell, int | float) and not isinstance(xlsx_cell, bool):
        return csv_cell != "" and float(csv_cell.rstrip("%")) == pytest.approx(
            float(xlsx_cell) * (100 if csv_cell.endswith("%") else 1)
        )
    return csv_cell == str(xlsx_cell)


async def download(page: Page, button: str, folder: Path) -> Path:
    async with page.expect_download() as info:
        await page.get_by_role("button", name=button).click()
    got = await info.value
    path = folder / got.suggested_filename
    await got.save_as(path)
    return path


async def test_the_report_table_and_its_csv_and_xlsx_agree(
    start_hall: StartHall,
    open_page: OpenPage,
    issue: Issue,
    tmp_path: Path,
) -> None:
    hall = await start_hall()
    await a_morning(hall, issue)
    page = await manager_page(hall, open_page)
    await page.locator("#tabs [data-tab=reports]").click()
    table = page.locator("#report")
    await expect(table.locator('tbody tr[data-key="social"] td').nth(1)).to_have_text("3")
    await expect(table.locator('tbody tr[data-key="total"] td').nth(1)).to_have_text("5")
    await expect(page.locator("#load-chart svg rect.bar").first).to_be_visible()

    csv_path = await download(page, "导出 CSV", tmp_path)
    xlsx_path = await download(page, "导出 Excel", tmp_path)
    assert csv_path.suffix == ".csv"
    assert xlsx_path.suffix == ".xlsx"
    rows = list(csv.reader(io.StringIO(csv_path.read_bytes().decode("utf-8-sig"))))
    book = openpyxl.load_workbook(xlsx_path, read_only=True)  # holds the file open until closed
    try:
        cells = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    assert len(rows) == len(cells) == 1 + 3 + 1  # header, the three services used, 合计
    assert rows[0] == [str(c) for c in cells[0]]
    for csv_row, xlsx_row in zip(rows[1:], cells[1:], strict=True):
        assert len(csv_row) == len(xlsx_row)
        assert all(same(a, b) for a, b in zip(csv_row, xlsx_row, strict=True)), (
            csv_row,
            xlsx_row,
        )
    assert rows[-1][:3] == ["total", "合计", "5"]

    # Grouped by window: the page asks again, the export follows the choice.
    await page.locator("#report-by").select_option("window")
    await page.get_by_role("button", name="查询").click()
    await expect(table.locator('tbody tr[data-key="1"] td').nth(3)).to_have_text("2")
    by_window = await download(page, "导出 CSV", tmp_path)
    assert "window" in by_window.name
    # Window numbers stay text in Excel and WPS: written ="1", read back by a program as 1.
    body = by_window.read_bytes()
    assert [row[0] for row in raw_rows(body)] == ["窗口编号", '="1"', '="3"', "total"]
    assert [row[0] for row in text_rows(body)] == ["窗口编号", "1", "3", "total"]


ISSUED_BY_STATE = [
    "取号去向·办结",
    "取号去向·过号",
    "取号去向·作废",
    "取号去向·清号",
    "取号去向·未结",
]


async def a_day_of_every_end(hall: RunningHall, issue: Issue, clock: FakeClock) -> None:
    """From 09:00 the morning's five tickets (four served, 不动产登记 B001 waiting); at 10:00
    li at window 2 marks B001 missed (过号, void) and a manager voids A004 (作废); at the
    12:00 clearing A005 and B002 are closed out (清号); A006, issued at 14:00, waits (未结)."""
    await a_morning(hall, issue)
    li = await hall.clerk_at("2", "li", "李强", "0202")
    manager = await hall.person("zhou", "manager")
    clock.advance(hours=1)
    for action, body in (("call-next", None), ("no-show", {"reason": "无人应答"})):
        status, answer = await hall.call("POST", f"/api/v1/windows/2/{action}", li, body)
        assert status == 200, (action, answer)
    voided = await issue(hall, "social")
    status, answer = await hall.call(
        "POST", f"/api/v1/tickets/{voided['id']}/cancel", manager, {"reason": "群众离开"}
    )
    assert status == 200, answer
    clock.advance(minutes=30)
    await issue(hall, "social")
    await issue(hall, "estate")
    clock.advance(minutes=90)
    await hall.server.service.execute(ClearQueue(), lambda hall, outcome, now: None)
    clock.advance(hours=2)
    await issue(hall, "social")
    clock.advance(minutes=5)  # the report counts up to now


async def shown_table(page: Page) -> dict[str, dict[str, str]]:
    """The report table as shown: per row (by its key), each cell under its headings, a
    grouped column's joined as the files name it (取号去向·办结)."""
    # Pairs, not an object: JavaScript would put keys like "10" before "09".
    found: list[tuple[str, dict[str, str]]] = await page.locator("#report").evaluate(
        """(table) => {
          const grid = [];
          [...table.tHead.rows].forEach((tr, r) => {
            grid[r] ??= [];
            let c = 0;
            for (const th of tr.cells) {
              while (grid[r][c] !== undefined) c++;
              for (let dr = 0; dr < th.rowSpan; dr++) {
                for (let dc = 0; dc < th.colSpan; dc++) {
                  (grid[r + dr] ??= [])[c + dc] = th.textContent.trim();
                }
              }
              c += th.colSpan;
            }
          });
          const names = grid[grid.length - 1].map(
            (_, c) => [...new Set(grid.map((row) => row[c]))].join("·"),
          );
          return [...table.tBodies[0].rows].map((tr) => [
            tr.dataset.key,
            Object.fromEntries([...tr.cells].map((td, c) => [names[c], td.textContent.trim()])),
          ]);
        }"""
    )
    return dict(found)


def assert_ends_add_up(table: dict[str, dict[str, str]]) -> None:
    for key, row in table.items():
        assert sum(int(row[name]) for name in ISSUED_BY_STATE) == int(row["取号"]), (key, row)


async def show(page: Page, by: str, heading: str) -> dict[str, dict[str, str]]:
    await page.locator("#report-by").select_option(by)
    await page.get_by_role("button", name="查询").click()
    await expect(page.locator("#report thead th").first).to_have_text(heading)
    return await shown_table(page)


async def test_where_the_tickets_issued_went_adds_up_to_the_tickets_issued(
    start_hall: StartHall,
    open_page: OpenPage,
    issue: Issue,
    screenshot: Screenshot,
    clock: FakeClock,
) -> None:
    hall = await start_hall(clock=clock)
    await a_day_of_every_end(hall, issue, clock)
    page = await manager_page(hall, open_page)
    await page.locator("#tabs [data-tab=reports]").click()
    await page.locator("#report-date").fill(clock().date().isoformat())
    await page.get_by_role("button", name="查询").click()
    table = page.locator("#report")
    await expect(table.locator('tbody tr[data-key="total"] td').nth(1)).to_have_text("9")
    await expect(table.locator("thead th", has_text="取号去向")).to_be_visible()

    by_service = await shown_table(page)
    assert list(by_service) == ["company", "estate", "social", "total"]
    assert [by_service["total"][name] for name in ISSUED_BY_STATE] == ["4", "1", "1", "2", "1"]
    assert [by_service["estate"][name] for name in ISSUED_BY_STATE] == ["0", "1", "0", "1", "0"]
    assert_ends_add_up(by_service)
    # The whole table fits an office screen: nothing to scroll sideways to.
    scroll = page.locator("#reports-view .table-scroll")
    assert await scroll.evaluate("(box) => box.scrollWidth <= box.clientWidth")
    await page.locator("#load-chart svg rect.bar").first.wait_for()
    await screenshot(page, "manager-reports")

    by_hour = await show(page, "hour", "时段")
    assert list(by_hour) == ["09", "10", "14", "total"]
    figures = ["取号", *ISSUED_BY_STATE]
    assert [by_hour["total"][name] for name in figures] == [
        by_service["total"][name] for name in figures
    ]
    assert_ends_add_up(by_hour)

    # Tickets are not issued to windows: their 取号去向 cells are empty, not 0.
    by_window = await show(page, "window", "窗口")
    assert list(by_window) == ["1", "2", "3", "total"]
    for key in ("1", "2", "3"):
        assert [by_window[key][name] for name in ISSUED_BY_STATE] == [""] * 5, key
    assert_ends_add_up({"total": by_window["total"]})
    assert await scroll.evaluate("(box) => box.scrollWidth <= box.clientWidth")


@pytest.mark.parametrize("average", [0.08, 0.1, 0.02, 1.5, 0.9])
async def test_the_load_charts_axis_labels_are_distinct_for_small_averages(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, average: float
) -> None:
    hall = await start_hall()
    await a_morning(hall, issue)
    page = await manager_page(hall, open_page)

    async def few_windows(route: Route) -> None:
        # Windows open a few minutes of the hour: an average well under one window.
        response = await route.fetch()
        body = await response.json()
        for row in body["rows"]:
            row["open_windows"] = average
        await route.fulfill(response=response, json=body)

    await page.route("**/api/v1/reports/load?*", few_windows)
    await page.locator("#tabs [data-tab=reports]").click()
    await expect(page.locator("#load-chart svg rect.bar").first).to_be_visible()
    for axis in ("left", "right"):
        labels = await page.locator(f"#load-chart .axis-{axis}").all_text_contents()
        assert len(labels) == 5, labels
        values = [float(label) for label in labels]
        assert values == sorted(set(values)), labels  # distinct, rising
        assert all(len(label) <= 5 for label in labels), labels
    assert float(labels[-1]) >= average  # the top of the right axis holds the bars


@pytest.mark.parametrize(
    ("rate", "shown"),
    [(0.9805, "98.1%"), (0.0725, "7.3%"), (0.9063, "90.6%"), (0.0015, "0.2%"), (1.0, "100.0%")],
)
async def test_the_good_rating_rate_is_rounded_half_up_as_the_files_and_staff_round_it(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, rate: float, shown: str
) -> None:
    # 好评率 comes as a fraction of four places (98.05% in the xlsx); said to one place on
    # the page it is 四舍五入, 98.1%, where 0.9805 * 100 in floating point is 98.04999...
    hall = await start_hall()
    await a_morning(hall, issue)
    page = await manager_page(hall, open_page)

    async def rated(route: Route) -> None:
        response = await route.fetch()
        body = await response.json()
        body["total"]["good_rate"] = rate
        await route.fulfill(response=response, json=body)

    await page.route("**/api/v1/reports?*", rated)
    await page.locator("#tabs [data-tab=reports]").click()
    await expect(page.locator('#report tbody tr[data-key="total"] td').last).to_have_text(shown)


async def test_a_date_the_server_refuses_is_said_in_chinese_for_the_table_and_the_files(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    page = await manager_page(hall, open_page)
    await page.locator("#tabs [data-tab=reports]").click()
    error = page.locator("#error-text")
    await page.locator("#report-date").fill("1999-12-31")  # "date: must be in the years ..."
    await page.get_by_role("button", name="查询").click()
    await expect(error).to_have_text("日期须在 2000 年到 2999 年之间")
    await page.locator("#error-close").click()
    await page.get_by_role("button", name="导出 CSV").click()
    await expect(error).to_have_text("日期须在 2000 年到 2999 年之间")
