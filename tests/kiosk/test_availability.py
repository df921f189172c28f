"""What the touchscreen offers and why not, in a citizen's words; scanned codes read right."""

from __future__ import annotations

import datetime as dt
from typing import Any

from helpers import SHANGHAI

from drivers.printer.base import PrinterCondition
from kiosk.agent.availability import opening_words, pause, services
from kiosk.agent.runtime import appointment_code

NOW = dt.datetime(2026, 11, 23, 11, 45, tzinfo=SHANGHAI)


def hall(issuing: dict[str, Any], **service: Any) -> dict[str, Any]:
    base = {"id": "social", "name": "社会保险", "left_today": None, "left_in_session": None}
    return {"hall": {"issuing": issuing}, "services": [{**base, **service}]}


OPEN = {"open": True, "opens_at": None}


def test_opening_words_say_today_tomorrow_or_the_date() -> None:
    assert opening_words("2026-11-23T13:30:00+08:00", NOW) == "13:30 起可以取号"
    assert opening_words("2026-11-24T08:00:00+08:00", NOW) == "明天 08:00 起可以取号"
    assert opening_words("2026-11-26T08:00:00+08:00", NOW) == "11月26日 08:00 起可以取号"
    assert opening_words(None, NOW) == "今日已停止取号"


def test_opening_words_without_the_servers_time_say_the_date() -> None:
    # Today or tomorrow by the kiosk's own clock could be wrong: the date cannot.
    assert opening_words("2026-11-23T13:30:00+08:00", None) == "11月23日 13:30 起可以取号"
    assert opening_words("2026-11-24T08:00:00+08:00", None) == "11月24日 08:00 起可以取号"


def test_a_closed_hall_and_used_up_quotas_are_explained() -> None:
    closed = {"open": False, "opens_at": "2026-11-23T13:30:00+08:00"}
    (tile,) = services(hall(closed), NOW)
    assert (tile["available"], tile["reason"]) == (False, "hall_closed")
    assert tile["reason_text"] == "已停止取号，13:30 起可以取号"
    (tile,) = services(hall(OPEN, left_today=0), NOW)
    assert (tile["available"], tile["reason"]) == (False, "quota_exhausted")
    assert "今日号已取完" in tile["reason_text"]
    (tile,) = services(hall(OPEN, left_in_session=0), NOW)
    assert "本时段号已取完" in tile["reason_text"]
    (tile,) = services(hall(OPEN, left_today=3, left_in_session=1), NOW)
    assert tile["available"] and tile["reason"] is None
    assert services(None, NOW) == []


def test_a_service_a_manager_paused_is_greyed_out_with_the_reason() -> None:
    (tile,) = services(hall(OPEN, issuing_paused="系统维护"), NOW)
    assert (tile["available"], tile["reason"]) == (False, "service_paused")
    assert tile["reason_text"] == "暂停取号：系统维护"
    (tile,) = services(hall(OPEN, issuing_paused=""), NOW)  # paused without a reason given
    assert (tile["available"], tile["reason_text"]) == (False, "暂停取号，请咨询工作人员")
    (tile,) = services(hall(OPEN, issuing_paused=None), NOW)
    assert tile["available"]


def test_the_kiosk_pauses_for_the_server_first_then_the_printer() -> None:
    gone = pause(server_online=False, printer=PrinterCondition.OK, trust_unknown=False, unprinted=0)
    assert gone is not None and gone["reason"] == "server"
    paper = pause(
        server_online=True, printer=PrinterCondition.PAPER_OUT, trust_unknown=False, unprinted=1
    )
    assert paper is not None and paper["text"] == "打印机缺纸"
    assert "自动补打" in paper["hint"]
    for fine in (PrinterCondition.OK, PrinterCondition.PAPER_LOW):
        assert pause(server_online=True, printer=fine, trust_unknown=False, unprinted=0) is None
    unknown = PrinterCondition.UNKNOWN
    assert pause(server_online=True, printer=unknown, trust_unknown=False, unprinted=0)
    assert pause(server_online=True, printer=unknown, trust_unknown=True, unprinted=0) is None


def test_scanned_codes_are_read_from_raw_codes_and_booking_urls() -> None:
    assert appointment_code(" YY20261123A7\n") == "YY20261123A7"
    assert appointment_code("https://yuyue.example.gov.cn/c/YY20261123A7") == "YY20261123A7"
    assert appointment_code("https://yuyue.example.gov.cn/check?code=AB12CD&x=1") == "AB12CD"
