"""The 好差评 form on the citizen's phone page (/t/{id}?k=KEY, channel 3) against a real hall."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from helpers import RunningHall
from playwright.async_api import Page, Route, expect

from .conftest import PHONE, OpenPage, Screenshot

pytestmark = pytest.mark.browser

StartHall = Callable[..., Awaitable[RunningHall]]


async def served_ticket(hall: RunningHall) -> tuple[dict[str, Any], str]:
    """A ticket issued at a kiosk and served at window 1; the ticket and its rating key."""
    kiosk = await hall.device("kiosk-phone", "kiosk")
    status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert status == 201, answer
    key = answer.get("rating_key") or answer["ticket"].get("rating_key")
    assert key, answer
    clerk = await hall.clerk_at("1", "wang", "王芳", "0107")
    for action in ("call-next", "start", "finish"):
        status, seen = await hall.call("POST", f"/api/v1/windows/1/{action}", clerk)
        assert status == 200, seen
    return dict(answer["ticket"]), str(key)


async def phone(open_page: OpenPage, hall: RunningHall, ticket: dict[str, Any], key: str) -> Page:
    url = f"{hall.url}/t/{ticket['id']}" + (f"?k={key}" if key else "")
    return await open_page(url, viewport=PHONE, mobile=True)


async def ratings_on_server(hall: RunningHall, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    manager = await hall.person("zhao", "manager")
    day = ticket["issued_at"][:10]
    status, seen = await hall.call("GET", f"/api/v1/ratings?from={day}&to={day}", manager)
    assert status == 200, seen
    return [r for r in seen["ratings"] if r["ticket"] == ticket["id"]]


async def test_a_bad_rating_needs_a_tag_and_lands_on_the_server_as_channel_3(
    start_hall: StartHall, open_page: OpenPage, screenshot: Screenshot
) -> None:
    hall = await start_hall()
    ticket, key = await served_ticket(hall)
    page = await phone(open_page, hall, ticket, key)
    await expect(page.locator("#status")).to_have_text("已办结，感谢您的耐心等候")
    form = page.locator("#rating-form")
    await expect(form).to_be_visible()
    await expect(page.locator("#rating-who")).to_contain_text("王芳（工号 0107）")
    levels = form.locator("#rating-levels label")
    await expect(levels).to_have_text(["非常满意", "满意", "基本满意", "不满意", "非常不满意"])
    submit = form.get_by_role("button", name="提交评价")
    await expect(submit).to_be_disabled()
    await expect(form.locator("#rating-why")).to_have_text("请选择您的满意程度")
    await screenshot(page, "ticket-rating", full_page=True)

    await form.get_by_label("非常不满意").check()
    await expect(form.locator("#rating-tags-legend")).to_contain_text("必选")
    await expect(form.locator("#rating-tags label")).to_have_count(8)
    await expect(submit).to_be_disabled()
    await expect(form.locator("#rating-why")).to_have_text("请至少选择一个不满意的原因")
    await form.get_by_label("服务态度差效率低").check()
    await expect(submit).to_be_enabled()
    await expect(form.locator("#rating-why")).to_be_hidden()
    await form.get_by_label("其他意见").fill("等了很久")
    await submit.click()
    await expect(page.locator("#rating-thanks")).to_have_text("谢谢您的评价")
    await expect(form).to_be_hidden()

    [rating] = await ratings_on_server(hall, ticket)
    assert (rating["level"], rating["tags"], rating["channel"]) == (1, ["115"], 3)
    assert rating["comment"] == "等了很久"
    assert rating["window"] == "1"

    # Asked again on a fresh page: rated once, no form.
    again = await phone(open_page, hall, ticket, key)
    await expect(again.locator("#status")).to_have_text("已办结，感谢您的耐心等候")
    await expect(again.locator("#rating-note")).to_have_text(
        "本次服务已评价，或已过评价期限。谢谢您！"
    )
    await expect(again.locator("#rating-form")).to_be_hidden()


async def test_a_good_rating_needs_no_tag_and_a_second_one_is_refused_in_plain_words(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    ticket, key = await served_ticket(hall)
    first = await phone(open_page, hall, ticket, key)
    second = await phone(open_page, hall, ticket, key)
    await expect(second.locator("#rating-form")).to_be_visible()

    await first.get_by_label("满意", exact=True).check()
    await first.get_by_label("跑大厅一次办完").check()
    await first.get_by_role("button", name="提交评价").click()
    await expect(first.locator("#rating-thanks")).to_be_visible()

    await second.get_by_label("非常满意").check()
    await second.get_by_role("button", name="提交评价").click()
    await expect(second.locator("#rating-note")).to_contain_text("这次服务已经评价过了")
    await expect(second.locator("#rating-form")).to_be_hidden()
    [rating] = await ratings_on_server(hall, ticket)
    assert (rating["level"], rating["tags"]) == (4, ["411"])


async def test_without_the_key_the_page_shows_the_ticket_and_no_form(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    ticket, _ = await served_ticket(hall)
    page = await phone(open_page, hall, ticket, "")
    await expect(page.locator("#number")).to_have_text(ticket["number"])
    await expect(page.locator("#status")).to_have_text("已办结，感谢您的耐心等候")
    await page.wait_for_timeout(300)  # the rating question, if any, has been answered
    await expect(page.locator("#rating-view")).to_be_hidden()


async def test_waiting_ticket_has_no_form(start_hall: StartHall, open_page: OpenPage) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-phone", "kiosk")
    status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert status == 201, answer
    key = answer.get("rating_key") or answer["ticket"].get("rating_key")
    page = await phone(open_page, hall, answer["ticket"], str(key))
    await expect(page.locator("#status")).to_have_text("等候中")
    await expect(page.locator("#rating-view")).to_be_hidden()


async def test_follow_up_rating_after_the_bad_one_was_put_right(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    ticket, key = await served_ticket(hall)
    page = await phone(open_page, hall, ticket, key)
    await page.get_by_label("不满意", exact=True).check()
    await page.get_by_label("服务态度生硬").check()
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.locator("#rating-thanks")).to_be_visible()

    manager = await hall.person("zhao", "manager")
    status, cases = await hall.call("GET", "/api/v1/cases", manager)
    assert status == 200, cases
    [case] = [c for c in cases["cases"] if c["rating"]["ticket"] == ticket["id"]]
    for action in ("verify", "rectify"):
        path = f"/api/v1/cases/{case['id']}/{action}"
        status, seen = await hall.call("POST", path, manager, {"note": "已核实并整改"})
        assert status == 200, seen

    later = await phone(open_page, hall, ticket, key)
    await expect(later.locator("#rating-title")).to_contain_text("追评")
    await later.get_by_label("满意", exact=True).check()
    await later.get_by_role("button", name="提交评价").click()
    await expect(later.locator("#rating-thanks")).to_have_text("谢谢您的评价")

    status, seen = await hall.call("GET", f"/api/v1/cases/{case['id']}", manager)
    assert status == 200, seen
    follow_up = seen["case"]["follow_up"]
    assert follow_up is not None and follow_up["level"] == 4 and follow_up["follow_up"]


async def test_a_wrong_key_is_refused_in_plain_words(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    ticket, key = await served_ticket(hall)
    page = await phone(open_page, hall, ticket, key[:-3])  # a QR printed or read incompletely
    await expect(page.locator("#rating-note")).to_contain_text("请重新扫描号票上的二维码")
    await expect(page.locator("#rating-form")).to_be_hidden()
    assert await ratings_on_server(hall, ticket) == []


async def test_the_comment_takes_as_much_as_the_server_and_shows_how_much_is_left(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    ticket, key = await served_ticket(hall)
    page = await phone(open_page, hall, ticket, key)
    comment = page.get_by_label("其他意见")
    count = page.locator("#rating-count")
    await expect(count).to_have_text("0/500")
    await comment.fill("等了很久")
    await expect(count).to_have_text("4/500")
    # The server's limit (500, as on the touch pad): no more is taken, and all of it is kept.
    await comment.fill("长" * 600)
    await expect(count).to_have_text("500/500")
    await expect(comment).to_have_value("长" * 500)
    await page.get_by_label("非常满意").check()
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.locator("#rating-thanks")).to_have_text("谢谢您的评价")
    [rating] = await ratings_on_server(hall, ticket)
    assert rating["comment"] == "长" * 500


async def test_each_service_of_a_finished_route_can_be_rated_in_one_visit(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-phone", "kiosk")
    status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "estate"})
    assert status == 201, answer
    ticket, key = answer["ticket"], answer["rating_key"]
    # 不动产登记 at window 1, then 出件 at window 2.
    for window, clerk in (
        ("1", await hall.clerk_at("1", "wang", "王芳", "0107")),
        ("2", await hall.clerk_at("2", "li", "李明", "0108")),
    ):
        for action in ("call-next", "start", "finish"):
            status, seen = await hall.call("POST", f"/api/v1/windows/{window}/{action}", clerk)
            assert status == 200, seen

    page = await phone(open_page, hall, ticket, key)
    await expect(page.locator("#rating-who")).to_contain_text("出件")
    await page.get_by_label("非常满意").check()
    await page.get_by_role("button", name="提交评价").click()

    # The first step is still to rate: offered at once, not only on a later visit.
    await expect(page.locator("#rating-intro")).to_contain_text("谢谢您的评价")
    await expect(page.locator("#rating-who")).to_contain_text("不动产登记")
    await page.get_by_label("满意", exact=True).check()
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.locator("#rating-form")).to_be_hidden()
    await expect(page.locator("#rating-thanks")).to_be_visible()
    rated = {r["service"]: r["level"] for r in await ratings_on_server(hall, ticket)}
    assert rated == {"pickup": 5, "estate": 4}, rated


async def test_a_rating_whose_answer_is_lost_is_neither_lost_nor_given_twice(
    start_hall: StartHall, open_page: OpenPage
) -> None:
    hall = await start_hall()
    ticket, key = await served_ticket(hall)
    page = await phone(open_page, hall, ticket, key)
    sent: list[str] = []

    async def lose_answers(route: Route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        if sent:  # the second time the server gets it, only its answer is lost
            await route.fetch()
        sent.append(route.request.method)
        await route.abort("connectionreset")

    await page.route(f"**/api/v1/tickets/{ticket['id']}/rating*", lose_answers)
    await page.get_by_label("满意", exact=True).check()
    submit = page.get_by_role("button", name="提交评价")
    await submit.click()
    # It never reached the server: the citizen's choice is kept for another try.
    await expect(page.locator("#rating-problem")).to_contain_text("没有提交")
    await expect(page.get_by_label("满意", exact=True)).to_be_checked()

    await submit.click()
    # It reached the server, its answer did not reach the phone: the page finds out.
    await expect(page.locator("#rating-thanks")).to_be_visible()
    await expect(page.locator("#rating-form")).to_be_hidden()
    [rating] = await ratings_on_server(hall, ticket)
    assert rating["level"] == 4
