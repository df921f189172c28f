"""A plan run in a process of its own (queue_server.apart), so that its simulations never
hold the server's GIL: in a worker thread, call-next went from about 2 ms to 50 ms (p50)
while a manager planned. The child gets plain data only (the hall config, the demand, the
request's numbers) and sends its steps and its answer back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from queue_server import apart
from queue_server.domain.hall import HallConfig
from queue_server.planner.demand import Demand
from queue_server.planner.errors import PlannerError
from queue_server.planner.target import Target

Steps = Callable[[int, int], None]  # (simulations run, most it may run)
CHILD_NAME = "hallq-planner"


class PlanStopped(Exception):
    """The plan was stopped from outside (the server stopping) before it had an answer."""


class PlanChildDied(Exception):
    """The child ended without an answer: killed (the out-of-memory killer, an operator) or
    crashed in the interpreter itself. The message says so in Chinese, for the page."""

    def __init__(self, exitcode: int | None) -> None:
        signalled = exitcode is not None and exitcode < 0
        how = f"被信号 {-(exitcode or 0)} 终止" if signalled else f"退出码 {exitcode}"
        super().__init__(
            f"测算进程意外结束（{how}），没有得出结果；请重试，如反复出现请查看服务器日志"
        )
        self.exitcode = exitcode


class PlanChildFailed(Exception):
    """An unexpected error in the child; `args[0]` is its traceback, for the server's log."""


@dataclass(frozen=True)
class PlanOrder:
    """Everything a plan needs, as plain data that pickles: a recommendation for `config`,
    or, with `other`, a what-if of `config` against `other` on the same citizens."""

    config: HallConfig
    demand: Demand
    target: Target
    replications: int
    seed: int
    max_simulations: int
    other: HallConfig | None = None


def work(order: PlanOrder, progress: Steps) -> dict[str, Any]:
    """The plan itself, in the calling process: the child runs this."""
    # Imported here, in the child, and not with this module: the server imports this
    # module at start, and the simulator would lengthen every start of the hall for plans
    # that only the child runs.
    from queue_server.planner.compare import compare
    from queue_server.planner.recommend import recommend

    if order.other is None:
        return recommend(
            order.config,
            order.demand,
            target=order.target,
            replications=order.replications,
            seed=order.seed,
            max_simulations=order.max_simulations,
            progress=progress,
        ).to_dict()
    return compare(
        order.config,
        order.other,
        order.demand,
        replications=order.replications,
        seed=order.seed,
        target_minutes=order.target.minutes,
        progress=progress,
    ).to_dict()


def run_apart(order: PlanOrder, progress: Steps, stopping: Callable[[], bool]) -> dict[str, Any]:
    """Runs `work` in a spawned child and waits for its answer, passing on its steps; blocks,
    so call it from a worker thread. Raises PlannerError (the planner's reason) for a plan
    the planner refused, PlanStopped once `stopping()` is true, PlanChildDied or
    PlanChildFailed. The child is always ended and reaped before this returns."""
    try:
        answer: dict[str, Any] = apart.run_apart(
            _work_with_steps,
            order,
            name=CHILD_NAME,
            on_message=lambda step: progress(*step),
            stopping=stopping,
            passed_on=(PlannerError,),
        )
    except apart.Stopped:
        raise PlanStopped from None
    except apart.ChildDied as died:
        raise PlanChildDied(died.exitcode) from None
    except apart.ChildFailed as failed:
        raise PlanChildFailed(failed.args[0]) from None
    return answer


def _work_with_steps(order: PlanOrder, send: apart.Send) -> dict[str, Any]:
    """`work` in the child, each step sent to the parent."""
    return work(order, lambda done, most: send((done, most)))
