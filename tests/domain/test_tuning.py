"""Tuning rules: a manager's change never stops a service silently, and its undo is judged
like a new change."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from helpers import FakeClock, small_hall

from queue_server.domain import commands as c
from queue_server.domain.errors import Conflict
from queue_server.domain.state import Hall

_ids = itertools.count(1)


def tune(hall: Hall, clock: FakeClock, kind: str, target: str, **values: Any) -> str:
    clock.advance(seconds=10)
    change_id = f"change{next(_ids)}"
    hall.execute(c.Tune(change_id, kind, target, values, by="user:li"), clock())
    return change_id


def issue(hall: Hall, clock: FakeClock, service: str, times: int) -> None:
    for _ in range(times):
        clock.advance(seconds=10)
        hall.execute(c.IssueTicket(ticket_id=f"t{next(_ids)}", service=service), clock())


def refused(hall: Hall, clock: FakeClock, command: c.Command) -> Conflict:
    journal_before = hall.to_snapshot()
    with pytest.raises(Conflict) as refusal:
        hall.execute(command, clock())
    assert hall.to_snapshot() == journal_before  # refused: nothing changed
    return refusal.value


def test_a_daily_quota_below_today_s_tickets_is_refused_naming_both(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    issue(hall, clock, "social", 3)
    error = refused(hall, clock, c.Tune("q", "quota", "social", {"daily_quota": 2}, by="li"))
    assert error.code == "quota_below_issued"
    assert "今日已取 3 号" in error.message and "每日限号 2" in error.message
    assert "设为 3" in error.message and "暂停取号" in error.message
    # Equal to what was issued: the manager's way to stop issuing today, and accepted.
    tune(hall, clock, "quota", "social", daily_quota=3)
    assert hall.services["social"].daily_quota == 3
    # Another service's count is its own.
    tune(hall, clock, "quota", "estate", daily_quota=0)


def test_a_session_quota_counts_the_current_session_only(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    issue(hall, clock, "social", 3)
    error = refused(hall, clock, c.Tune("q", "quota", "social", {"session_quota": 1}, by="li"))
    assert error.code == "quota_below_issued"
    assert "本场已取 3 号" in error.message and "每场限号 1" in error.message
    # At lunch the morning's tickets count for no session: the afternoon starts from none.
    clock.now = clock.now.replace(hour=12, minute=30)
    tune(hall, clock, "quota", "social", session_quota=1)
    assert hall.services["social"].session_quota == 1


def test_yesterday_s_tickets_do_not_count_against_today_s_quota(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    issue(hall, clock, "social", 3)
    clock.now = clock.now.replace(day=clock.now.day + 1)
    tune(hall, clock, "quota", "social", daily_quota=1)


def test_a_quota_left_as_it_was_is_not_judged_again(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    tune(hall, clock, "quota", "social", daily_quota=2)
    issue(hall, clock, "social", 2)
    clock.now = clock.now.replace(hour=12, minute=30)  # no session: the session count is 0
    # Lowering the session quota leaves the daily one, used up, as it was.
    tune(hall, clock, "quota", "social", daily_quota=2, session_quota=1)


def test_undoing_a_raised_quota_below_today_s_tickets_is_refused(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    tune(hall, clock, "quota", "social", daily_quota=2)
    raised = tune(hall, clock, "quota", "social", daily_quota=10)
    issue(hall, clock, "social", 4)
    error = refused(hall, clock, c.UndoChange("u", raised, by="li"))
    assert error.code == "quota_below_issued"


def test_a_service_only_one_window_takes_cannot_be_taken_from_it(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    issue(hall, clock, "company", 2)
    # Window 3 alone takes company registration (windows 1 and 2 do not).
    command = c.Tune("s", "window_services", "3", {"services": ["social"]}, by="li")
    error = refused(hall, clock, command)
    assert error.code == "service_unserved"
    assert "企业开办只有3号窗口受理" in error.message and "还有 2 人在等" in error.message
    assert "暂停取号" in error.message
    # Kept as overflow (空闲时兼办), it is still served: accepted.
    tune(hall, clock, "window_services", "3", services=["social"], overflow=["company"])
    # Taken by window 1 first, it may then leave window 3.
    tune(hall, clock, "window_services", "1", services=["social", "estate", "pickup", "company"])
    tune(hall, clock, "window_services", "3", services=["social"])
    assert hall.window_config["3"].services == ("social",)


def test_a_service_other_windows_take_may_leave_one_of_them(clock: FakeClock) -> None:
    hall = Hall(small_hall())
    tune(hall, clock, "window_services", "1", services=["company"])
    assert hall.window_config["1"].services == ("company",)


def test_undoing_a_change_that_now_leaves_a_service_unserved_is_refused(
    clock: FakeClock,
) -> None:
    hall = Hall(small_hall())
    added = tune(hall, clock, "window_services", "1", services=["social", "company"])
    tune(hall, clock, "window_services", "3", services=["social"])
    error = refused(hall, clock, c.UndoChange("u", added, by="li"))
    assert (error.code, "企业开办只有1号窗口受理" in error.message) == ("service_unserved", True)
