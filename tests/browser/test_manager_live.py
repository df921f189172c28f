"""The manager console in chromium: the live hall, alerts acknowledged, cases, the planner page,
and what the server refuses said in Chinese."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from helpers import RunningHall, small_hall
from playwright.async_api import Page, Route, expect

from queue_server.config import load_hall

from .conftest import (
    OFFICE,
    PASSWORD,
    HeldReads,
    Issue,
    OpenConsole,
    OpenManager,
    OpenPage,
    Screenshot,
    StreamSwitch,
    assert_shown_only_rose,
    press_on,
    record_shown,
)

pytestmark = pytest.mark.browser

JIANGBEI = Path(__file__).parents[2] / "config" / "hall.example.toml"
FULL_HD = {"width": 1920, "height": 1080}
StartHall = Callable[..., Awaitable[RunningHall]]


async def test_a_pause_on_a_console_shows_on_the_managers_page_at_once(
    start_hall: StartHall,
    open_manager: OpenManager,
    open_console: OpenConsole,
    issue: Issue,
    screenshot: Screenshot,
) -> None:
    hall = await start_hall()
    page = await open_manager(hall)
    card = page.locator('#floors [data-window="1"]')
    await expect(card.locator(".window-state")).to_have_text("未开放")

    console = await open_console(hall, "wang", window="1")
    await expect(card.locator(".window-state")).to_have_text("空闲")
    await expect(card.locator(".window-clerk")).to_contain_text("wang")
    for service in ("social", "social", "estate"):
        await issue(hall, service)
    await expect(page.locator('#queues [data-service="social"] .waiting')).to_have_text("2")
    await expect(page.locator("#today-issued")).to_have_text("3")

    await console.locator('.actions [data-action="call-next"]').click()
    await expect(card.locator(".window-state")).to_have_text("叫号中")
    await expect(card.locator(".window-ticket")).to_contain_text("A001")

    await console.locator('.actions [data-action="finish"]').click()
    await expect(card.locator(".window-state")).to_have_text("空闲")
    await console.locator('.actions [data-action="pause"]').click()
    await console.locator("#pause-dialog").get_by_label("休息").check()
    await console.locator("#pause-dialog").get_by_role("button", name="确认暂停").click()
    await expect(card.locator(".window-state")).to_have_text("暂停服务")
    await expect(card.locator(".window-ticket")).to_have_text("休息")
    status, answer = await hall.call(
        "POST", "/api/v1/windows/2/open", await hall.person("li", "clerk", display_name="李四")
    )
    assert status == 200, answer
    await expect(page.locator('#floors [data-window="2"] .window-state')).to_have_text("空闲")
    await expect(page.locator('#floors [data-window="2"] .window-clerk')).to_contain_text("李四")
    await expect(page.locator("#today-open")).to_have_text("2 / 3")
    await expect(page.locator('#queues [data-service="social"] .longest')).to_have_class(
        re.compile("wait-green")
    )
    await screenshot(page, "manager-live")


async def test_a_paused_window_shows_paused(
    start_hall: StartHall, open_manager: OpenManager
) -> None:
    hall = await start_hall()
    page = await open_manager(hall)
    clerk = await hall.clerk_at("3", "sun", "孙敏", "0307")
    status, answer = await hall.call("POST", "/api/v1/windows/3/pause", clerk, {"reason": "休息"})
    assert status == 200, answer
    card = page.locator('#floors [data-window="3"]')
    await expect(card.locator(".window-state")).to_have_text("暂停服务")
    await expect(card.locator(".window-ticket")).to_have_text("休息")
    await expect(card.locator(".window-clerk")).to_have_text("孙敏 工号 0307")
    await expect(card.locator(".window-since")).to_have_text(re.compile(r"^本状态 00:0\d$"))


async def test_device_faults_show_live(start_hall: StartHall, open_manager: OpenManager) -> None:
    hall = await start_hall()
    page = await open_manager(hall)
    kiosk = await hall.device("kiosk-2", "kiosk")
    report = {"component": "printer", "condition": "paper_out", "detail": "纸卷用完"}
    status, answer = await hall.call("POST", "/api/v1/devices/self/status", kiosk, report)
    assert status == 200, answer
    item = page.locator('#devices [data-device="device:kiosk-2|printer"]')
    await expect(item).to_contain_text("缺纸（纸卷用完）")
    await expect(item).to_have_class(re.compile("device-fault"))


async def test_a_fault_reported_while_the_device_list_loads_stays_on_the_page(
    start_hall: StartHall, open_manager: OpenManager
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-2", "kiosk")
    listed = asyncio.Event()
    release = asyncio.Event()
    lists = 0
    # Only the held answer carries this line, so its showing means the answer was applied.
    marker = {"device": "device:kiosk-9", "component": "printer", "condition": "paper_low"}

    async def hold_the_list(route: Route) -> None:
        """The page reads the list at sign-in, then again when the stream's snapshot comes:
        that second answer is held until the stream has brought news after it."""
        nonlocal lists
        lists += 1
        response = await route.fetch()  # read by the server now, before kiosk-2's report
        if lists != 2:
            await route.fulfill(response=response)
            return
        listed.set()
        await release.wait()
        body = await response.json()
        body["devices"].append({**marker, "detail": "", "since": None})
        await route.fulfill(response=response, json=body)

    async def prepare(page: Page) -> None:
        await page.route("**/api/v1/devices", hold_the_list)

    page = await open_manager(hall, prepare=prepare)
    await listed.wait()
    report = {"component": "printer", "condition": "paper_out", "detail": "纸卷用完"}
    status, answer = await hall.call("POST", "/api/v1/devices/self/status", kiosk, report)
    assert status == 200, answer
    reported = page.locator('#devices [data-device="device:kiosk-2|printer"]')
    await expect(reported).to_contain_text("缺纸（纸卷用完）")  # from the stream

    release.set()  # the list read before the report arrives after it
    await expect(page.locator('#devices [data-device="device:kiosk-9|printer"]')).to_be_visible()
    await expect(reported).to_contain_text("缺纸（纸卷用完）")


async def test_a_ticket_issued_while_the_hall_is_read_again_stays_counted(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    hall = await start_hall()
    manager = await hall.person("li", "manager")
    reads = HeldReads("/api/v1/hall")
    page = await open_manager(hall, prepare=reads.prepare)
    social = page.locator('#queues [data-service="social"] .waiting')
    await expect(social).to_have_text("0")
    await reads.hold(page)
    pause = {"kind": "issuing", "service": "estate", "paused": True, "reason": "系统维护"}
    assert (await hall.call("POST", "/api/v1/tuning", manager, pause))[0] == 201
    await reads.run_until_read(page)  # the page hears of the change, reads the hall again
    await page.clock.resume()  # it draws on animation frames
    await issue(hall, "social")
    await expect(social).to_have_text("1")  # from the stream

    reads.release()  # the hall read before the ticket arrives after it
    estate = page.locator('#queues [data-service="estate"]')
    await expect(estate).to_contain_text("暂停取号")  # only the answer says so
    await expect(social).to_have_text("1")


async def test_an_older_reading_of_todays_figures_never_replaces_a_newer_one(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    hall = await start_hall()
    reads = HeldReads("/api/v1/hall/today")
    page = await open_manager(hall, prepare=reads.prepare)
    issued = page.locator("#today-issued")
    await expect(issued).to_have_text("0")
    await record_shown(page, "#today-issued")
    await reads.read_twice(page, lambda: issue(hall, "social"))  # of one, then two tickets
    await expect(issued).to_have_text("2")

    reads.release()  # the older reading arrives after the newer one
    await issue(hall, "social")  # and long before the reading after this ticket
    await expect(issued).to_have_text("3")
    await assert_shown_only_rose(page, "3")


async def bad_ratings(
    hall: RunningHall,
    issue: Issue,
    count: int = 1,
    *,
    card: tuple[str | None, str | None] = ("王芳", "0101"),
) -> None:
    """`count` 差评 at window 1, whose clerk wang shows `card` (name, 工号): each opens a case
    and raises an alert."""
    clerk = await hall.clerk_at("1", "wang", *card)
    pad = await hall.device("pad-1", "pad", window="1")
    for _ in range(count):
        ticket = await issue(hall, "social")
        for action in ("call-next", "start", "finish"):
            status, answer = await hall.call("POST", f"/api/v1/windows/1/{action}", clerk)
            assert status == 200, answer
        rating = {"ticket": ticket["id"], "level": 1, "tags": ["115"], "comment": "等了很久"}
        status, answer = await hall.call("POST", "/api/v1/ratings", pad, rating)
        assert status == 201, answer


async def test_an_alert_acknowledged_on_the_page_is_acknowledged_on_the_server(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    page = await open_manager(hall)
    await bad_ratings(hall, issue)
    alert = page.locator("#alerts .alert-bad_rating")
    await expect(alert).to_be_visible()
    await expect(page.locator("#alert-badge")).to_have_text("1")
    await expect(page.locator("#today-alerts")).to_have_text("1")
    alert_id = await alert.get_attribute("data-alert")

    await page.locator("#tabs [data-tab=cases]").click()
    row = page.locator("#cases tbody tr").first
    await expect(row.locator(".case-state")).to_have_text("待核实")
    await screenshot(page, "manager-cases")

    await page.locator("#tabs [data-tab=live]").click()
    await alert.get_by_role("button", name="确认").click()
    await expect(page.locator("#alerts-empty")).to_be_visible()
    await expect(page.locator("#alert-badge")).to_be_hidden()
    manager = await hall.person("qian", "manager")
    status, answer = await hall.call("GET", "/api/v1/alerts", manager)
    assert status == 200
    (acknowledged,) = [a for a in answer["alerts"] if a["id"] == alert_id]
    assert acknowledged["acknowledged_at"] is not None
    assert acknowledged["acknowledged_by"].endswith("zhao")


async def test_a_press_on_confirm_while_the_hall_moves_is_not_lost(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    # The live hall is drawn again every second and at every change: a press that began on
    # 确认 must end on that button, or the browser clicks nothing.
    hall = await start_hall()
    page = await open_manager(hall)
    await bad_ratings(hall, issue)
    confirm = page.locator("#alerts .alert-bad_rating").get_by_role("button", name="确认")
    await press_on(page, confirm)
    # The page hears of a ticket, reads today's figures again, and has a frame to draw.
    async with page.expect_response(lambda answer: "/api/v1/hall/today" in answer.url):
        await issue(hall, "social")
    await page.evaluate("new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")
    await page.mouse.up()
    await expect(page.locator("#alerts-empty")).to_be_visible()
    await expect(page.locator("#today-issued")).to_have_text("2")


async def test_a_case_is_verified_from_the_page(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_manager(hall)
    await bad_ratings(hall, issue)
    await page.locator("#tabs [data-tab=cases]").click()
    row = page.locator("#cases tbody tr").first
    await expect(row.locator(".case-who")).to_have_text("1号窗口 王芳（0101）")
    await row.get_by_role("button", name="核实").click()
    await page.locator("#note-text").fill("已调取录像，情况属实")
    await page.locator("#note-dialog").get_by_role("button", name="提交").click()
    await expect(row.locator(".case-state")).to_have_text("已核实")
    manager = await hall.person("qian", "manager")
    status, answer = await hall.call("GET", "/api/v1/cases?state=all", manager)
    assert status == 200
    assert answer["cases"][0]["history"][-1]["note"] == "已调取录像，情况属实"


async def test_a_case_names_the_clerk_rated_also_one_without_a_public_name(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    # `hallq user add` gives a clerk no display name and no 工号: the case still says whom
    # the 差评 is about, by the name the clerk logs in with.
    hall = await start_hall()
    page = await open_manager(hall)
    await bad_ratings(hall, issue, card=(None, None))
    await page.locator("#tabs [data-tab=cases]").click()
    await expect(page.locator("#cases tbody tr .case-who")).to_have_text("1号窗口 wang")


async def test_a_case_note_the_server_refuses_is_said_in_chinese(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_manager(hall)
    await bad_ratings(hall, issue)

    async def longer_note(route: Route) -> None:
        """Sends a note longer than the box lets one type: "note: must be 1 to 500 ..."."""
        await route.continue_(post_data=json.dumps({"note": "情况属实" * 126}))

    await page.route("**/api/v1/cases/*/verify", longer_note)
    await page.locator("#tabs [data-tab=cases]").click()
    row = page.locator("#cases tbody tr").first
    await row.get_by_role("button", name="核实").click()
    await page.locator("#note-text").fill("已调取录像，情况属实")
    await page.locator("#note-dialog").get_by_role("button", name="提交").click()
    await expect(page.locator("#error-text")).to_have_text("处理说明须为 1 到 500 个字符")
    await expect(row.locator(".case-state")).to_have_text("待核实")


async def test_the_planners_form_says_what_the_server_refuses_in_chinese(
    start_hall: StartHall, open_manager: OpenManager
) -> None:
    hall = await start_hall()
    page = await open_manager(hall)
    await page.locator("#tabs [data-tab=planner]").click()
    error = page.locator("#error-text")
    run = page.get_by_role("button", name="开始测算")

    await page.get_by_label("模拟天数").fill("")
    await run.click()
    await expect(error).to_have_text("模拟天数须在 1 到 100 之间")
    await page.get_by_label("模拟天数").fill("1")
    # The form asks for a per cent, the server for a fraction: said as the form asks.
    await page.locator("#plan-share").fill("")
    await run.click()
    await expect(error).to_have_text("等候不超过目标的比例须在 50% 到 99.9% 之间")
    await page.locator("#plan-share").fill("90")

    await page.get_by_label("本大厅历史").check()
    await run.click()
    await expect(error).to_have_text("请选择典型负荷，或填写本大厅历史的开始日期和结束日期")
    await page.locator("#plan-from").fill("2026-11-23")
    await page.locator("#plan-to").fill("2026-11-01")
    await run.click()
    await expect(error).to_have_text("结束日期不能早于开始日期")

    # What is wrong with a what-if's file stays in the server's words, in small print.
    await page.get_by_role("radio", name="典型负荷").check()
    broken = {"name": "other-hall.toml", "mimeType": "text/plain", "buffer": b"[hall]\n"}
    await page.locator("#plan-compare").set_input_files(broken)
    await run.click()
    await expect(error).to_contain_text("另一份大厅配置无法使用，请检查该文件")
    await expect(error.locator(".message-detail")).to_contain_text("not a usable hall config")
    await expect(page.locator("#plan-progress")).to_be_hidden()  # no run was started


async def test_a_run_on_days_without_tickets_says_why_in_chinese(
    start_hall: StartHall, open_manager: OpenManager
) -> None:
    hall = await start_hall()
    page = await open_manager(hall)
    await page.locator("#tabs [data-tab=planner]").click()
    await page.get_by_label("模拟天数").fill("1")
    await page.get_by_label("本大厅历史").check()
    await page.locator("#plan-from").fill("2026-11-02")
    await page.locator("#plan-to").fill("2026-11-08")
    await page.get_by_role("button", name="开始测算").click()
    await expect(page.locator("#plan-progress-text")).to_contain_text("测算失败")
    await expect(page.locator("#error-text")).to_have_text(
        "测算失败：2026-11-02 至 2026-11-08 本大厅没有取号记录，请换一段日期或选择典型负荷"
    )


async def test_the_planner_page_runs_a_small_job_to_the_end(
    start_hall: StartHall, open_manager: OpenManager, screenshot: Screenshot
) -> None:
    # The Jiangbei example hall, whose services the county profile names.
    hall = await start_hall(load_hall(JIANGBEI, open_all_hours=True))
    page = await open_manager(hall)
    await page.locator("#tabs [data-tab=planner]").click()
    await page.get_by_label("模拟天数").fill("1")
    await page.get_by_role("button", name="开始测算").click()
    await expect(page.locator("#plan-progress-text")).to_have_text("测算完成 100%", timeout=90_000)
    await expect(page.locator("#plan-result")).to_be_visible()
    await expect(page.locator('#plan-table tbody tr[data-hour="9"] td').nth(0)).to_have_text(
        "09:00"
    )
    await expect(page.locator("#plan-summary")).to_contain_text("窗口·小时")
    # In words a hall manager knows: minutes named, no "P90" or "Erlang C".
    await expect(page.locator("#plan-table thead th")).to_contain_text(
        ["时段", "平均等候（分钟）", "九成群众等候不超过（分钟）", "15分钟内叫号的比例", "达标"]
    )
    await expect(page.locator("#plan-summary")).to_contain_text("排队公式初估")
    await expect(page.locator("#plan-summary")).to_contain_text("九成群众等候不超过")
    await expect(page.locator("#plan-result")).not_to_contain_text(re.compile("P90|Erlang"))
    # A county day outruns this hall: every hour a pool is short with all its windows
    # open is named, the pool once with all its hours.
    await expect(page.locator("#plan-summary")).to_contain_text(
        re.compile(r"全部窗口开放仍不达标的时段：综合 1-4号 8、9、10(、\d+)*时，")
    )
    await expect(page.locator("#plan-chart svg rect.bar").first).to_be_visible()
    await screenshot(page, "manager-planner")


async def test_an_hour_without_tickets_says_so_and_not_that_it_met_the_target(
    start_hall: StartHall, open_manager: OpenManager
) -> None:
    config = small_hall(open_all_hours=True)
    # Issuing stops at 16:30: nobody takes a ticket in the hour from 17:00.
    config = dataclasses.replace(
        config, hours=dataclasses.replace(config.hours, issue_cutoff_minutes=60)
    )
    hall = await start_hall(config)
    page = await open_manager(hall)
    await page.locator("#tabs [data-tab=planner]").click()
    await page.get_by_label("模拟天数").fill("1")
    await page.get_by_role("button", name="开始测算").click()
    await expect(page.locator("#plan-progress-text")).to_have_text("测算完成 100%", timeout=90_000)
    last = page.locator('#plan-table tbody tr[data-hour="17"] td')
    await expect(last.nth(-1)).to_have_text("无人取号")
    await expect(last.nth(-2)).to_have_text("—")  # not "100%" within the target
    await expect(page.locator('#plan-table tbody tr[data-hour="9"] td').nth(-1)).to_have_text(
        re.compile("^[是否]$")
    )


async def test_a_clerk_is_sent_to_the_console(start_hall: StartHall, open_page: OpenPage) -> None:
    hall = await start_hall()
    await hall.person("wang", "clerk")
    page = await open_page(f"{hall.url}/manager")
    await page.get_by_label("用户名").fill("wang")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#error-text")).to_contain_text("窗口工作台")
    await expect(page.locator("#login-view")).to_be_visible()


async def test_the_planners_what_if_shows_both_halls_side_by_side_with_a_chart(
    start_hall: StartHall, open_manager: OpenManager, screenshot: Screenshot
) -> None:
    hall = await start_hall(load_hall(JIANGBEI, open_all_hours=True))
    page = await open_manager(hall)
    await page.set_viewport_size({"width": 1920, "height": 1080})
    await page.locator("#tabs [data-tab=planner]").click()
    await page.get_by_label("模拟天数").fill("1")
    await page.locator("#plan-compare").set_input_files(str(JIANGBEI))
    await page.get_by_role("button", name="开始测算").click()
    await expect(page.locator("#plan-progress-text")).to_have_text("测算完成 100%", timeout=90_000)
    await expect(page.locator("#plan-result-title")).to_have_text("方案对比（同样的办事群众）")
    head = page.locator("#plan-table thead th")
    await expect(head).to_have_count(3)
    await expect(page.locator("#plan-table tbody tr").first).to_contain_text("窗口数")
    await expect(page.locator("#plan-table tbody")).to_contain_text("九成群众等候不超过（分钟）")
    bars = page.locator("#plan-chart svg rect.bar")
    await expect(bars.first).to_be_visible()
    # The two halls side by side in the table, the chart beside it on a full HD screen.
    table = await page.locator("#plan-table").bounding_box()
    chart = await page.locator("#plan-chart").bounding_box()
    assert table and chart and chart["x"] >= table["x"] + table["width"]
    assert await page.locator("#plan-chart .bar.series-a").count() > 0
    assert await page.locator("#plan-chart .bar.series-b").count() > 0
    await screenshot(page, "manager-planner-compare")


async def test_each_services_tickets_issued_today_follow_the_kiosks_live(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_manager(hall)
    social = page.locator('#queues [data-service="social"] .issued')
    await expect(social).to_have_text("0")
    for service in ("social", "social", "estate"):
        await issue(hall, service)
    await expect(page.locator("#today-issued")).to_have_text("3")
    await expect(social).to_have_text("2")
    await expect(page.locator('#queues [data-service="estate"] .issued')).to_have_text("1")

    # 窗口调度's 今日已取 column too.
    await page.locator("#tabs [data-tab=tuning]").click()
    tuning = page.locator('#tune-services [data-service="social"] .issued')
    await expect(tuning).to_have_text("2")
    await issue(hall, "social")
    await expect(tuning).to_have_text("3")


async def test_the_alert_list_uses_the_screen_and_never_cuts_an_alert(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    hall = await start_hall()
    await bad_ratings(hall, issue, 7)
    page = await open_manager(hall, viewport=FULL_HD)
    await page.locator("#tabs [data-tab=cases]").click()
    await expect(page.locator("#alert-history .alert")).to_have_count(7)
    cut = await page.locator("#alert-history").evaluate(
        """(list) => {
          const box = list.getBoundingClientRect();
          const out = [];
          if (list.scrollHeight > list.clientHeight + 1) {
            out.push(`list scrolls: ${list.scrollHeight} in ${list.clientHeight}`);
          }
          for (const item of list.children) {
            const b = item.getBoundingClientRect();
            const cut = b.top < box.top - 1 || b.bottom > box.bottom + 1;
            if (cut) out.push(`${item.dataset.alert} cut`);
            if (b.bottom > innerHeight) out.push(`${item.dataset.alert} below the screen`);
          }
          return out;
        }"""
    )
    assert cut == [], cut


# How the live hall's open alerts sit on the screen: the list's height and what it holds,
# the newest alert's height, the room below their panel (down to the devices panel), the
# bottom of the devices panel and of the page.
MEASURE_ALERTS = """() => {
  const list = document.querySelector("#alerts");
  const panel = list.closest("section").getBoundingClientRect();
  const devices = document.querySelector("#devices").closest("section").getBoundingClientRect();
  return {
    shown: list.clientHeight,
    held: list.scrollHeight,
    newest: list.firstElementChild.getBoundingClientRect().height,
    below: devices.top - panel.bottom,
    devices: devices.bottom,
    page: document.documentElement.scrollHeight,
    screen: innerHeight,
  };
}"""


async def test_many_open_alerts_take_the_room_beside_the_windows_and_the_page_fits(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    await bad_ratings(hall, issue, 12)
    page = await open_manager(hall, viewport=FULL_HD)
    await expect(page.locator("#alerts .alert")).to_have_count(12)
    tall = await page.evaluate(MEASURE_ALERTS)
    # More than the old fixed box of 280 px, scrolling inside its panel: the page does not.
    assert tall["shown"] > 280 and tall["held"] > tall["shown"], tall
    assert tall["page"] <= tall["screen"] and tall["devices"] <= tall["screen"], tall
    await screenshot(page, "manager-live-alerts")

    # An office screen: the alerts shrink to what the queues and the devices leave.
    await page.set_viewport_size(OFFICE)
    office = await page.evaluate(MEASURE_ALERTS)
    assert office["shown"] >= office["newest"] and office["held"] > office["shown"], office
    assert office["page"] <= office["screen"] and office["devices"] <= office["screen"], office

    # A few alerts on the tall screen: their panel is as long as they are, no longer.
    alerts = page.locator("#alerts .alert")
    for left in range(11, 1, -1):
        await alerts.first.get_by_role("button", name="确认").click()
        await expect(alerts).to_have_count(left)
    await page.set_viewport_size(FULL_HD)
    few = await page.evaluate(MEASURE_ALERTS)
    assert few["shown"] == few["held"] and few["below"] < 20, few


async def test_an_older_reading_of_the_alert_history_never_replaces_a_newer_one(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    """A burst of alerts reads the history once per alert; an answer overtaken by a later
    one must not bring back an alert another manager has acknowledged since."""
    hall = await start_hall()
    holding = asyncio.Event()
    held = asyncio.Event()
    newer_answered = asyncio.Event()
    release = asyncio.Event()
    stale_delivered = asyncio.Event()

    async def hold_one_history_read(route: Route) -> None:
        response = await route.fetch()  # read by the server now
        if not holding.is_set():
            await route.fulfill(response=response)
        elif held.is_set():
            await route.fulfill(response=response)
            newer_answered.set()
        else:
            held.set()
            await release.wait()
            await route.fulfill(response=response)
            stale_delivered.set()

    async def prepare(page: Page) -> None:
        await page.route("**/api/v1/alerts?open=1", hold_one_history_read)

    page = await open_manager(hall, prepare=prepare)
    await page.locator("#tabs [data-tab=cases]").click()
    await expect(page.locator("#alert-history-empty")).to_be_visible()
    holding.set()
    await bad_ratings(hall, issue)  # the alert raised: the page reads the history (held)
    await held.wait()
    other = await hall.person("qian", "manager")
    status, answer = await hall.call("GET", "/api/v1/alerts?open=1", other)
    assert status == 200, answer
    (alert,) = answer["alerts"]
    status, answer = await hall.call("POST", f"/api/v1/alerts/{alert['id']}/ack", other)
    assert status == 200, answer
    await expect(page.locator("#alert-badge")).to_be_hidden()  # the stream said so
    await newer_answered.wait()  # and the page read the history again

    release.set()  # the reading from before the acknowledgement arrives last
    await stale_delivered.wait()
    await page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 200))")
    await expect(page.locator("#alert-history .alert")).to_have_count(0)
    await expect(page.locator("#alert-history-empty")).to_be_visible()


async def test_an_alert_another_manager_acknowledged_first_says_who_did(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    """Two managers press 确认 on the same alert at once: the second is told it was the
    other's acknowledgement, not thanked for one of their own."""
    hall = await start_hall()
    other = await hall.person("qian", "manager", display_name="钱科长")
    first_ack = asyncio.Event()

    async def others_ack_first(route: Route) -> None:
        """The other manager's acknowledgement reaches the server just before this one."""
        alert = route.request.url.rsplit("/alerts/", 1)[1].split("/")[0]
        status, answer = await hall.call("POST", f"/api/v1/alerts/{alert}/ack", other)
        assert status == 200, answer
        first_ack.set()
        await route.continue_()

    async def prepare(page: Page) -> None:
        await page.route("**/api/v1/alerts/*/ack", others_ack_first)

    page = await open_manager(hall, prepare=prepare)
    await bad_ratings(hall, issue)
    alert = page.locator("#alerts .alert-bad_rating")
    await alert.get_by_role("button", name="确认").click()
    await expect(page.locator("#alerts-empty")).to_be_visible()
    assert first_ack.is_set()
    await expect(page.locator("#info")).to_contain_text("已由 qian 确认")
    await expect(page.locator("#info")).not_to_contain_text("已确认告警")


async def test_after_a_long_outage_the_fresh_snapshot_leaves_no_stale_service_figures(
    start_hall: StartHall, open_manager: OpenManager, issue: Issue
) -> None:
    """Back after an outage longer than the server replays (a laptop asleep over lunch in a
    busy hall), the page starts from a fresh snapshot: each service's tickets issued and
    paused issuing must be read again, not left as they were before the outage."""
    hall = await start_hall()
    stream = StreamSwitch()
    page = await open_manager(hall, prepare=stream.prepare)
    social = page.locator('#queues [data-service="social"]')
    estate = page.locator('#queues [data-service="estate"]')
    await expect(social.locator(".issued")).to_have_text("0")

    await stream.cut()
    await expect(page.locator("#offline")).to_be_visible()
    manager = await hall.person("li", "manager")
    pause = {"kind": "issuing", "service": "estate", "paused": True, "reason": "系统维护"}
    assert (await hall.call("POST", "/api/v1/tuning", manager, pause))[0] == 201
    for _ in range(2):
        await issue(hall, "social")
    hall.server.hub._ring.clear()  # what was missed is no longer held: a snapshot answers
    stream.restore()

    await expect(page.locator("#offline")).to_be_hidden()
    await expect(page.locator("#today-issued")).to_have_text("2")
    await expect(social.locator(".waiting")).to_have_text("2")
    await expect(social.locator(".issued")).to_have_text("2")
    await expect(estate).to_contain_text("暂停取号")
