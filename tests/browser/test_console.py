"""The clerk console in chromium against a real hall: log in, sign in, call, serve, live."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from helpers import RunningHall
from playwright.async_api import Locator, Page, Route, WebSocketRoute, expect

from .conftest import (
    PASSWORD,
    HeldReads,
    Issue,
    OpenConsole,
    OpenPage,
    PageProblems,
    Screenshot,
    StreamSwitch,
)

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]


def act(page: Page, action: str) -> Locator:
    return page.locator(f'.actions [data-action="{action}"]')


def waiting(page: Page, service: str) -> Locator:
    return page.locator(f'#waiting-list [data-waiting="{service}"]')


async def ticket_state(hall: RunningHall, ticket: dict[str, Any]) -> str:
    status, seen = await hall.call("GET", f"/api/v1/tickets/{ticket['id']}")
    assert status == 200, seen
    return str(seen["ticket"]["state"])


async def expect_current(page: Page, number: str) -> None:
    await expect(page.locator("#current-ticket")).to_be_visible()
    await expect(page.locator("#ticket-number")).to_have_text(number)


async def done(page: Page, text: str) -> None:
    """Waits for the answer to the last action: the page shows the stream's news sooner,
    but takes the next action only once the answer is in."""
    await expect(page.locator("#info")).to_have_text(text)


async def call_next(page: Page, number: str, key: str | None = None) -> None:
    if key is None:
        await act(page, "call-next").click()
    else:
        await page.keyboard.press(key)
    await done(page, f"已叫号 {number}")
    await expect_current(page, number)


async def test_login_sign_in_and_waiting_counts_are_live(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall, "wang", window="1")
    await expect(page.locator("#info")).to_have_text("已在1号窗口签到")  # as the labels read
    await expect(page.locator("#who")).to_have_text("wang（窗口人员）")
    await expect(page.locator("#window-state")).to_have_text("空闲")
    await expect(waiting(page, "social")).to_have_text("0")

    await issue(hall, "social")
    await expect(waiting(page, "social")).to_have_text("1")
    await issue(hall, "estate")
    await expect(waiting(page, "estate")).to_have_text("1")
    await expect(page.locator("#waiting-total")).to_have_text("共 2 人")
    # Window 3 does company registration, which window 1 does not serve.
    await expect(waiting(page, "company")).to_have_count(0)


async def test_a_ticket_issued_while_the_window_is_read_stays_counted(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    keypad = await hall.device("station-1", "station", window="1")

    def mark(body: dict[str, Any]) -> None:  # shows that the held answer was applied
        body["today"] = {**(body.get("today") or {}), "served": 42}

    reads = HeldReads("/api/v1/windows/1", edit=mark)
    page = await open_console(hall, "wang", window="1", prepare=reads.prepare)
    await expect(page.locator("#today-served")).to_have_text("0")
    await reads.hold(page)
    pause = {"reason": "临时离岗"}  # news of its own window: the console reads it again
    assert (await hall.call("POST", "/api/v1/windows/1/pause", keypad, pause))[0] == 200
    await reads.run_until_read(page)
    await issue(hall, "social")
    await expect(waiting(page, "social")).to_have_text("1")  # from the stream

    reads.release()  # the window read before the ticket arrives after it
    await expect(page.locator("#today-served")).to_have_text("42")
    await expect(waiting(page, "social")).to_have_text("1")


async def test_call_recall_start_finish(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    a001 = await issue(hall, "social")
    await expect(waiting(page, "social")).to_have_text("1")

    await act(page, "call-next").click()
    await expect_current(page, "A001")
    await expect(page.locator("#ticket-service")).to_have_text("社保医保")
    await expect(page.locator("#window-state")).to_have_text("叫号中")
    await expect(page.locator("#info")).to_have_text("已叫号 A001")
    await expect(page.locator("#ticket-recalls")).to_have_text("0 / 5")
    await expect(page.locator("#ticket-called-for")).to_have_text(re.compile(r"^00:0\d$"))
    await expect(waiting(page, "social")).to_have_text("0")

    await act(page, "recall").click()
    await expect(page.locator("#ticket-recalls")).to_have_text("1 / 5")
    await expect(page.locator("#info")).to_have_text("已重呼 A001（第 1 次）")

    await act(page, "start").click()
    await done(page, "开始办理 A001")
    await expect(page.locator("#ticket-state")).to_have_text("正在办理")
    await expect(page.locator("#window-state")).to_have_text("办理中")
    await expect(act(page, "recall")).to_be_disabled()
    assert await ticket_state(hall, a001) == "serving"

    await act(page, "finish").click()
    await expect(page.locator("#info")).to_have_text("A001 已办结")
    await expect(page.locator("#current-empty")).to_be_visible()
    await expect(page.locator("#window-state")).to_have_text("空闲")
    assert await ticket_state(hall, a001) == "done"


async def test_missed_with_a_reason_then_called_back(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    a001 = await issue(hall, "social")
    await call_next(page, "A001")

    await act(page, "no-show").click()
    dialog = page.locator("#no-show-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("#no-show-number")).to_have_text("A001")
    await dialog.get_by_label("材料不全离开").check()
    await dialog.get_by_role("button", name="确认过号").click()
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#info")).to_have_text("A001 已标记过号（材料不全离开）")
    await expect(page.locator("#current-empty")).to_be_visible()
    await expect(page.locator("#missed-list")).to_contain_text("A001")
    assert await ticket_state(hall, a001) == "no_show"
    async with hall.server.service.consistent() as state:
        assert state.tickets[a001["id"]].missed_reason == "材料不全离开"

    await page.get_by_role("button", name="回呼 A001").click()
    await done(page, "已回呼 A001")
    await expect_current(page, "A001")
    await expect(page.locator("#missed-empty")).to_be_visible()
    assert await ticket_state(hall, a001) == "called"


async def test_other_reason_is_typed_in(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    a001 = await issue(hall, "social")
    await call_next(page, "A001")
    await page.keyboard.press("KeyN")
    dialog = page.locator("#no-show-dialog")
    await dialog.get_by_label("其他原因").fill("走错大厅")
    await dialog.get_by_role("button", name="确认过号").click()
    await expect(page.locator("#info")).to_have_text("A001 已标记过号（其他：走错大厅）")
    async with hall.server.service.consistent() as state:
        assert state.tickets[a001["id"]].missed_reason == "其他：走错大厅"


async def test_hold_and_resume(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    a001 = await issue(hall, "social")
    await issue(hall, "social")
    await call_next(page, "A001")
    await act(page, "start").click()
    await done(page, "开始办理 A001")

    await act(page, "hold").click()
    await done(page, "A001 已挂起")
    await expect(page.locator("#held-list")).to_contain_text("A001")
    await expect(page.locator("#current-empty")).to_be_visible()
    assert await ticket_state(hall, a001) == "held"

    # The window goes on with the next citizen meanwhile; resuming now cannot be done: the
    # button is grey and says why.
    await call_next(page, "A002")
    resume = page.get_by_role("button", name="恢复 A001")
    await expect(resume).to_be_disabled()
    await expect(resume).to_have_attribute("title", "请先办结或挂起当前的号再恢复")

    await act(page, "finish").click()
    await done(page, "A002 已办结")
    await page.get_by_role("button", name="恢复 A001").click()
    await done(page, "已恢复办理 A001")
    await expect_current(page, "A001")
    await expect(page.locator("#ticket-state")).to_have_text("正在办理")
    await expect(page.locator("#held-empty")).to_be_visible()
    assert await ticket_state(hall, a001) == "serving"


async def test_transfer_to_window_2_is_called_there_first(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    a001 = await issue(hall, "social")
    await issue(hall, "social")
    await call_next(page, "A001")
    station = await hall.device("station-2", "station", window="2")
    assert (await hall.call("POST", "/api/v1/windows/2/open", station))[0] == 200

    await act(page, "transfer").click()
    dialog = page.locator("#transfer-dialog")
    await expect(dialog).to_be_visible()
    # A closed window is shown but cannot be chosen: nobody there would call the ticket.
    await expect(dialog.locator('option[value="window:3"]')).to_be_disabled()
    await dialog.get_by_label("转到").select_option("window:2")
    await dialog.get_by_role("button", name="确认转办").click()
    await expect(page.locator("#info")).to_have_text("A001 已转到 2号窗口")
    await expect(page.locator("#current-empty")).to_be_visible()
    assert await ticket_state(hall, a001) == "waiting"

    status, called = await hall.call("POST", "/api/v1/windows/2/call-next", station)
    assert status == 200, called
    assert called["ticket"]["number"] == "A001"  # ahead of A002, which waited in line


async def test_transfer_to_a_service(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    await issue(hall, "social")
    await call_next(page, "A001")
    await page.keyboard.press("KeyT")
    dialog = page.locator("#transfer-dialog")
    target = dialog.get_by_label("转到")
    # Its own service is no target, and nothing is chosen for the clerk.
    await expect(target.locator('option[value="service:social"]')).to_have_count(0)
    await dialog.get_by_role("button", name="确认转办").click()
    await expect(dialog).to_be_visible()
    await target.select_option("service:company")
    await dialog.get_by_role("button", name="确认转办").click()
    await expect(page.locator("#info")).to_have_text("A001 已转到 企业开办")


async def test_pause_shows_paused_and_blocks_calling(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    await issue(hall, "social")

    await act(page, "pause").click()
    dialog = page.locator("#pause-dialog")
    await dialog.get_by_label("业务培训").check()
    await dialog.get_by_role("button", name="确认暂停").click()
    await done(page, "已暂停服务（业务培训）")
    await expect(page.locator("#window-state")).to_have_text("暂停服务")
    await expect(page.locator("#current-paused")).to_contain_text("暂停服务")
    await expect(page.locator("#paused-reason")).to_have_text("原因：业务培训")
    await expect(act(page, "call-next")).to_be_disabled()
    await expect(act(page, "pause")).to_be_hidden()
    status, seen = await hall.call("GET", "/api/v1/hall")
    assert status == 200, seen
    window = next(w for w in seen["windows"] if w["id"] == "1")
    assert (window["state"], window["pause_reason"]) == ("paused", "业务培训")

    await page.keyboard.press("F1")
    await expect(page.locator("#error")).to_contain_text("窗口暂停服务中，请先恢复服务")
    await expect(page.locator("#current-paused")).to_be_visible()

    await act(page, "resume").click()
    await done(page, "已恢复服务")
    await expect(page.locator("#window-state")).to_have_text("空闲")
    await call_next(page, "A001")


async def test_keyboard_shortcuts(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    a001 = await issue(hall, "social")
    await expect(waiting(page, "social")).to_have_text("1")
    await expect(act(page, "call-next")).to_contain_text("F1")

    # Space calls next even when another button has the focus; it does not press that one.
    await act(page, "close").focus()
    await call_next(page, "A001", key="Space")
    await expect(page.locator("#station-title")).to_have_text("1号窗口")

    await page.keyboard.press("KeyR")
    await done(page, "已重呼 A001（第 1 次）")
    await expect(page.locator("#ticket-recalls")).to_have_text("1 / 5")
    await page.keyboard.press("KeyS")
    await done(page, "开始办理 A001")
    await expect(page.locator("#ticket-state")).to_have_text("正在办理")
    await page.keyboard.press("KeyF")
    await done(page, "A001 已办结")
    assert await ticket_state(hall, a001) == "done"

    await issue(hall, "social")
    await call_next(page, "A002", key="F1")

    # Typing in a dialog is typing, not shortcuts.
    await page.keyboard.press("KeyN")
    await expect(page.locator("#no-show-dialog")).to_be_visible()
    await page.locator("#no-show-other").type("frs")
    await expect(page.locator("#no-show-other")).to_have_value("frs")
    await page.keyboard.press("Escape")
    await expect(page.locator("#no-show-dialog")).to_be_hidden()
    await expect_current(page, "A002")
    await expect(page.locator("#ticket-state")).to_have_text("已叫号，等待市民到场")


async def test_errors_show_the_servers_message(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)

    # Nothing waits: the server says so.
    await act(page, "call-next").click()
    await expect(page.locator("#error")).to_contain_text("没有等候的号")
    # Recall with nothing called: the button is off and the key says why.
    await expect(act(page, "recall")).to_be_disabled()
    await page.keyboard.press("KeyR")
    await expect(page.locator("#error")).to_contain_text("当前没有号")

    await issue(hall, "social")
    await call_next(page, "A001", key="F1")
    await expect(page.locator("#error")).to_be_hidden()
    for count in range(1, 6):
        await page.keyboard.press("KeyR")
        await done(page, f"已重呼 A001（第 {count} 次）")
        await expect(page.locator("#ticket-recalls")).to_have_text(f"{count} / 5")
    # The cap reached: the button is grey and says why, and so does the key.
    await expect(act(page, "recall")).to_be_disabled()
    await expect(act(page, "recall")).to_have_attribute("title", "A001已重呼5次, 请标记过号")
    await page.keyboard.press("KeyR")
    await expect(page.locator("#error")).to_contain_text("A001已重呼5次, 请标记过号")
    await page.locator("#error-close").click()
    await expect(page.locator("#error")).to_be_hidden()

    # Signing out with a ticket still open cannot be done: the button is grey and says why.
    await expect(act(page, "close")).to_be_disabled()
    await expect(act(page, "close")).to_have_attribute("title", "请先办结或挂起当前的号再签退")
    await expect(page.locator("#station-title")).to_have_text("1号窗口")


async def test_changes_made_elsewhere_show_up_live(
    start_hall: StartHall, open_console: OpenConsole
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    keypad = await hall.device("station-1", "station", window="1")  # the window's own keypad
    manager = await hall.person("li", "manager")

    status, answer = await hall.call(
        "POST", "/api/v1/windows/1/pause", keypad, {"reason": "临时离岗"}
    )
    assert status == 200, answer
    await expect(page.locator("#window-state")).to_have_text("暂停服务")
    await expect(page.locator("#paused-reason")).to_have_text("原因：临时离岗")
    await expect(act(page, "call-next")).to_be_disabled()

    assert (await hall.call("POST", "/api/v1/windows/1/resume", keypad))[0] == 200
    await expect(page.locator("#window-state")).to_have_text("空闲")
    await expect(act(page, "call-next")).to_be_enabled()

    # The manager closes the window from the manager page (关窗, a tuning change).
    close = {"kind": "window_open", "window": "1", "open": False}
    assert (await hall.call("POST", "/api/v1/tuning", manager, close))[0] == 201
    await expect(page.get_by_role("heading", name="请选择窗口签到")).to_be_visible()
    await expect(page.locator("#info")).to_have_text("1号窗口已签退")


async def test_offline_mark_then_catches_up_with_after_seq(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    stream = StreamSwitch()

    page = await open_console(hall, prepare=stream.prepare)
    await issue(hall, "social")
    await expect(waiting(page, "social")).to_have_text("1")
    await expect(page.locator("#offline")).to_be_hidden()

    await stream.cut()
    await expect(page.locator("#offline")).to_be_visible()
    await issue(hall, "social")
    await issue(hall, "estate")
    await expect(page.locator("#offline")).to_be_visible()
    tried = len(stream.routes)

    stream.restore()
    await expect(waiting(page, "social")).to_have_text("2", timeout=15_000)
    await expect(waiting(page, "estate")).to_have_text("1")
    await expect(page.locator("#offline")).to_be_hidden()
    assert len(stream.routes) > tried
    assert "after_seq=" not in stream.routes[0].url
    assert "after_seq=2" in stream.routes[-1].url  # seq 1 opened the window, seq 2 issued A001


async def test_session_survives_reload_and_logout_leaves_the_window_open(
    start_hall: StartHall, open_console: OpenConsole
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    await page.reload()
    await expect(page.locator("#station-title")).to_have_text("1号窗口")

    await page.get_by_role("button", name="退出登录").click()
    await expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    await expect(page.locator("#info")).to_contain_text("1号窗口仍在签到状态")
    status, seen = await hall.call("GET", "/api/v1/hall")
    assert status == 200, seen
    assert next(w for w in seen["windows"] if w["id"] == "1")["state"] == "idle"
    manager = await hall.person("zhao", "manager")  # who is signed in is staff business
    status, seen = await hall.call("GET", "/api/v1/hall", manager)
    assert next(w for w in seen["windows"] if w["id"] == "1")["clerk_username"] == "wang"

    # Logging in again goes straight back to the window.
    await page.get_by_label("用户名").fill("wang")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#station-title")).to_have_text("1号窗口")
    await act(page, "close").click()
    await expect(page.get_by_role("heading", name="请选择窗口签到")).to_be_visible()
    await expect(page.locator("#info")).to_contain_text("签退")


async def test_bad_password_and_a_taken_window(start_hall: StartHall, open_page: OpenPage) -> None:
    hall = await start_hall()
    other = await hall.person("zhao", "clerk")
    assert (await hall.call("POST", "/api/v1/windows/2/open", other))[0] == 200
    await hall.person("wang", "clerk")

    page = await open_page(f"{hall.url}/console")
    await page.get_by_label("用户名").fill("wang")
    await page.get_by_label("密码").fill("wrong")
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("#error")).to_contain_text("用户名或密码错误")

    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    # A window someone else is signed in at offers the hand-over (替岗), not a sign-in.
    taken = page.locator('button[data-window="2"]')
    await expect(taken).to_be_enabled()
    await expect(taken).to_have_text("替岗")
    await expect(page.locator(".window-card").nth(1)).to_contain_text("签到人员：zhao")


async def test_screenshot_of_a_busy_window(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    for service in ("social", "social", "social", "estate", "social", "pickup", "estate"):
        await issue(hall, service)
    await call_next(page, "A001", key="F1")
    await page.keyboard.press("KeyN")
    await page.locator("#no-show-dialog").get_by_role("button", name="确认过号").click()
    await done(page, "A001 已标记过号（未到场）")
    await call_next(page, "A002", key="F1")
    await page.keyboard.press("KeyS")
    await done(page, "开始办理 A002")
    await page.keyboard.press("KeyH")
    await done(page, "A002 已挂起")
    await call_next(page, "A003", key="F1")
    await page.keyboard.press("KeyR")
    await done(page, "已重呼 A003（第 1 次）")
    await expect(page.locator("#missed-list")).to_contain_text("A001")
    await expect(page.locator("#held-list")).to_contain_text("A002")

    # Fits the office screen: nothing to scroll.
    size = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size[0] <= 1366 and size[1] <= 768, size
    await screenshot(page, "console")


async def test_csp_violations_fail_the_tests(
    start_hall: StartHall, open_page: OpenPage, page_problems: PageProblems
) -> None:
    """The guard against inline styles and scripts really watches: break the policy once."""
    hall = await start_hall()
    page = await open_page(f"{hall.url}/console")
    await expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    async with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        await page.evaluate("document.body.setAttribute('style', 'color: red')")
    assert any(p.startswith("CSP violation") for p in page_problems.found), page_problems.found
    page_problems.found.clear()  # that one was on purpose


async def test_an_answer_overtaken_by_another_window_s_news_still_counts(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    """A busy hall streams other windows' changes all the time: one arriving while 叫号 is on
    its way must not make the console throw the answer away and, until its own window's news
    comes, refuse 开始办理 with 当前没有号."""
    hall = await start_hall()
    held: list[str] = []  # this window's stream news, kept from the page until the end
    routes: list[WebSocketRoute] = []

    def relay(ws: WebSocketRoute) -> None:
        routes.append(ws)
        server = ws.connect_to_server()

        def to_page(message: str | bytes) -> None:
            text = message if isinstance(message, str) else message.decode()
            if '"ticket.called"' in text:
                held.append(text)
            else:
                ws.send(text)

        server.on_message(to_page)

    async def prepare(page: Page) -> None:
        await page.route_web_socket("**/ws?*", relay)

    page = await open_console(hall, prepare=prepare)
    first = await issue(hall, "social")
    await expect(waiting(page, "social")).to_contain_text("1")

    async def call_meanwhile(route: Route) -> None:
        await issue(hall, "estate")  # news of the hall reaches the page before the answer
        await expect(waiting(page, "estate")).to_contain_text("1")
        await route.fulfill(response=await route.fetch())

    await page.route("**/api/v1/windows/1/call-next", call_meanwhile)
    await page.keyboard.press("F1")
    await expect(page.locator("#info")).to_have_text(f"已叫号 {first['number']}")
    await page.keyboard.press("KeyS")
    await expect(page.locator("#info")).to_have_text(f"开始办理 {first['number']}")
    assert held, "the window's own ticket.called was held back"
    for text in held:
        routes[-1].send(text)


async def test_the_waiting_panel_follows_a_managers_change_of_the_windows_services_and_its_undo(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    for service in ("social", "company", "company"):
        await issue(hall, service)
    page = await open_console(hall, "wang", window="1")
    await expect(waiting(page, "social")).to_have_text("1")
    await expect(waiting(page, "company")).to_have_count(0)
    await expect(page.locator("#waiting-total")).to_have_text("共 1 人")

    # 窗口调度 → 调整业务 on the manager's page: a tuning.changed message, no window in it.
    manager = await hall.person("zhao", "manager")
    body = {
        "kind": "window_services",
        "window": "1",
        "services": ["company"],
        "overflow": ["social"],
    }
    status, answer = await hall.call("POST", "/api/v1/tuning", manager, body)
    assert status == 201, answer
    await expect(waiting(page, "company")).to_have_text("2")
    await expect(page.locator("#waiting-list .is-overflow")).to_contain_text("社保医保")
    await expect(waiting(page, "estate")).to_have_count(0)
    await expect(page.locator("#waiting-total")).to_have_text("共 3 人")

    # 撤销 puts the services back, and the panel with them.
    change = answer["change"]["id"]
    status, answer = await hall.call("POST", f"/api/v1/tuning/{change}/undo", manager)
    assert status == 201, answer
    await expect(waiting(page, "company")).to_have_count(0)
    await expect(waiting(page, "estate")).to_have_text("0")
    await expect(page.locator("#waiting-list .is-overflow")).to_have_count(0)
    await expect(page.locator("#waiting-total")).to_have_text("共 1 人")


async def test_a_double_click_on_call_next_calls_only_once(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    await issue(hall, "social")
    a002 = await issue(hall, "social")
    await expect(waiting(page, "social")).to_have_text("2")

    # The server answers the first click before the hand makes the second one.
    box = await act(page, "call-next").bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await page.mouse.down()
    await page.mouse.up()
    await done(page, "已叫号 A001")
    await page.mouse.down(click_count=2)
    await page.mouse.up(click_count=2)
    await page.wait_for_timeout(500)
    await expect_current(page, "A001")
    assert await ticket_state(hall, a002) == "waiting"


async def test_holding_enter_on_a_focused_button_acts_once(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    page = await open_console(hall)
    await issue(hall, "social")
    await issue(hall, "social")
    await expect(waiting(page, "social")).to_have_text("2")
    await call_next(page, "A001", key="F1")

    await act(page, "recall").focus()
    await page.keyboard.down("Enter")
    await done(page, "已重呼 A001（第 1 次）")
    for _ in range(3):  # the key held down repeats
        await page.keyboard.down("Enter")
        await page.wait_for_timeout(150)
    await page.keyboard.up("Enter")
    await expect(page.locator("#ticket-recalls")).to_have_text("1 / 5")


async def test_a_case_number_typed_for_a_ticket_that_ended_elsewhere_is_dropped(
    start_hall: StartHall, open_console: OpenConsole, issue: Issue
) -> None:
    hall = await start_hall()
    keypad = await hall.device("station-1", "station", window="1")
    await issue(hall, "social")
    await issue(hall, "social")
    page = await open_console(hall)
    await call_next(page, "A001", key="F1")
    await page.locator("#case-no").fill("500101-2026-000042")

    # The window's keypad calls the next citizen: A001's case number is not A002's.
    assert (await hall.call("POST", "/api/v1/windows/1/call-next", keypad))[0] == 200
    await expect_current(page, "A002")
    await expect(page.locator("#case-no")).to_have_value("")


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 720}, {"width": 911, "height": 512}],  # 911x512: 1366x768 at 150%
)
async def test_the_current_ticket_stays_readable_on_a_narrow_or_zoomed_screen(
    start_hall: StartHall, open_page: OpenPage, issue: Issue, viewport: dict[str, int]
) -> None:
    hall = await start_hall()
    await hall.person("wang", "clerk")
    await issue(hall, "social")
    page = await open_page(f"{hall.url}/console", viewport=viewport)
    await page.get_by_label("用户名").fill("wang")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.locator('button[data-window="1"]').click()
    await expect(waiting(page, "social")).to_have_text("1")
    await call_next(page, "A001", key="F1")

    card = await page.locator(".current").bounding_box()
    assert card is not None
    for shown in ["#ticket-state", ".ticket-times", "#case-no"]:
        box = await page.locator(shown).bounding_box()
        assert box is not None and box["x"] + box["width"] <= card["x"] + card["width"], shown
    recalls = await page.locator("#ticket-recalls").bounding_box()
    assert recalls is not None and recalls["height"] < 40, recalls  # "0 / 5" on one line
