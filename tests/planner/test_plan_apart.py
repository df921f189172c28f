"""A plan in a process of its own: the same answer as in this process, its steps passed on,
the planner's refusals and a stop said as such, and no child left behind either way."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import pickle

import pytest
from planner_halls import demand, hall, service, steady, window

from queue_server.domain.hall import HallConfig
from queue_server.planner.apart import CHILD_NAME, PlanOrder, PlanStopped, run_apart, work
from queue_server.planner.errors import PlannerError
from queue_server.planner.target import Target

DAY = ((dt.time(9), dt.time(12)),)


def two_windows() -> HallConfig:
    return hall(
        (service("a", "A"), service("b", "B")),
        (window("1", ("a", "b")), window("2", ("a", "b"))),
        DAY,
    )


def order(other: HallConfig | None = None) -> PlanOrder:
    wanted = demand(steady("a", 3.0, 6.0, range(18, 24)), steady("b", 1.0, 8.0, range(18, 24)))
    return PlanOrder(two_windows(), wanted, Target(15, 0.9), 2, 7, 5, other)


def planner_children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == CHILD_NAME]


def test_the_order_is_plain_data_that_pickles() -> None:
    assert pickle.loads(pickle.dumps(order(two_windows()))) == order(two_windows())


def test_the_child_gives_the_answer_of_this_process_and_passes_its_steps_on() -> None:
    steps: list[tuple[int, int]] = []
    apart = run_apart(order(), lambda done, most: steps.append((done, most)), lambda: False)
    assert apart == work(order(), lambda done, most: None)
    assert steps and steps[-1][0] == apart["simulations"]
    assert not planner_children()


def test_a_refusal_of_the_planner_comes_back_with_its_reason() -> None:
    smaller = hall((service("a", "A"),), (window("1", ("a",)),), DAY)
    with pytest.raises(PlannerError, match="has no service b"):
        run_apart(order(other=smaller), lambda done, most: None, lambda: False)
    assert not planner_children()


def test_a_stopped_plan_ends_its_child() -> None:
    with pytest.raises(PlanStopped):
        run_apart(order(), lambda done, most: None, lambda: True)
    assert not planner_children()
