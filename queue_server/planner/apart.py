"""A plan run in a process of its own, so that its simulations never hold the server's GIL.

Simulations in a worker thread of the queue server share one interpreter lock with its
event loop: while a manager planned, call-next went from about 2 ms to 50 ms (p50) for the
whole plan. The child is spawned, not forked: the server has threads and a running event
loop that a fork would copy half-way. It gets plain data only (the hall config, the
demand, the request's numbers), never the server's state, and sends its steps and its
answer back over a pipe.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from queue_server.domain.hall import HallConfig
from queue_server.planner.demand import Demand
from queue_server.planner.errors import PlannerError
from queue_server.planner.target import Target

Steps = Callable[[int, int], None]  # (simulations run, most it may run)
CHILD_NAME = "hallq-planner"
# How often the waiting thread looks whether it should stop the child (seconds): the
# child may run one long simulation between two steps.
STOP_CHECK_SECONDS = 0.2


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
    spawn = multiprocessing.get_context("spawn")
    answers, sender = spawn.Pipe(duplex=False)
    child = spawn.Process(target=_child, args=(order, sender), name=CHILD_NAME, daemon=True)
    try:
        child.start()
        sender.close()  # the child's copy alone: its end reads as end-of-file to us
        while True:
            if stopping():
                raise PlanStopped
            ready = wait([answers, child.sentinel], timeout=STOP_CHECK_SECONDS)
            if answers in ready:
                finished = _take(answers, progress, child)
                if finished is not None:
                    return finished
            elif ready:  # ended with nothing more in the pipe
                child.join()
                raise PlanChildDied(child.exitcode)
    finally:
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join()
        answers.close()
        sender.close()


def _take(
    answers: Connection, progress: Steps, child: multiprocessing.process.BaseProcess
) -> dict[str, Any] | None:
    """One message of the child: a step (None), its answer, or what went wrong, raised."""
    try:
        kind, *rest = answers.recv()
    except EOFError:
        child.join()
        raise PlanChildDied(child.exitcode) from None
    if kind == "step":
        progress(*rest)
        return None
    if kind == "done":
        answer: dict[str, Any] = rest[0]
        return answer
    if kind == "refused":
        raise PlannerError(rest[0])
    raise PlanChildFailed(rest[0])


def _child(order: PlanOrder, answers: Connection) -> None:
    """The child's whole life. A parent gone (killed) breaks the pipe at the next step,
    which ends the child too."""
    try:
        answer = work(order, lambda done, most: answers.send(("step", done, most)))
    except PlannerError as exc:
        answers.send(("refused", str(exc)))
    except Exception:
        answers.send(("failed", traceback.format_exc()))
    else:
        answers.send(("done", answer))
    finally:
        answers.close()
