"""Reports on the manager console: the table, the hourly chart, CSV and xlsx that agree."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers import RunningHall
from playwright.async_api import Page, Route, expect

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
    screenshot: Screenshot,
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
    await screenshot(page, "manager-reports")

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
