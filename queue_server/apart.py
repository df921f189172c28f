"""Work run in a process of its own, so that it never holds the server's GIL.

Work in a thread of the queue server shares one interpreter lock with its event loop: a
plan or a day's snapshot there holds up call-next and every stream for as long as it
takes. The child is spawned, not forked: the server has threads and a running event loop
that a fork would copy half-way. It gets plain data that pickles (never the server's
state), may send messages on the way, and sends its answer back over a pipe.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

Order = TypeVar("Order")
Send = Callable[[Any], None]  # how the child's work passes a message on the way
Stopping = Callable[[], bool]  # true once the child should be given up
# How often the waiting thread looks whether it should stop the child (seconds): the
# child may run a long while between two messages.
STOP_CHECK_SECONDS = 0.2


class Stopped(Exception):
    """Stopped from outside (the server stopping) before the child had an answer."""


class ChildDied(Exception):
    """The child ended without an answer: killed (the out-of-memory killer, an operator) or
    crashed in the interpreter itself."""

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"the child process ended with exit code {exitcode}, without answer")
        self.exitcode = exitcode


class ChildFailed(Exception):
    """An unexpected error in the child; `args[0]` is its traceback, for the server's log."""


def _never() -> bool:
    return False


def run_apart(
    work: Callable[[Order, Send], Any],
    order: Order,
    *,
    name: str,
    on_message: Callable[[Any], None] | None = None,
    stopping: Stopping = _never,
    passed_on: tuple[type[Exception], ...] = (),
) -> Any:
    """Runs `work(order, send)` in a spawned child named `name` and returns its answer,
    handing each message it sends to `on_message`; blocks, so call it from a worker thread.
    An exception of a `passed_on` type in the child is raised here as it was; otherwise
    raises Stopped once `stopping()` is true, ChildDied or ChildFailed. The child is always
    ended and reaped before this returns. `work` must be a module-level function."""
    spawn = multiprocessing.get_context("spawn")
    answers, sender = spawn.Pipe(duplex=False)
    child = spawn.Process(
        target=_child, args=(work, order, sender, passed_on), name=name, daemon=True
    )
    try:
        child.start()
        sender.close()  # the child's copy alone: its end reads as end-of-file to us
        while True:
            if stopping():
                raise Stopped
            ready = wait([answers, child.sentinel], timeout=STOP_CHECK_SECONDS)
            if answers in ready:
                try:
                    kind, content = answers.recv()
                except EOFError:
                    child.join()
                    raise ChildDied(child.exitcode) from None
                if kind == "message":
                    if on_message is not None:
                        on_message(content)
                    continue
                if kind == "done":
                    return content
                if kind == "raised":
                    raise content
                raise ChildFailed(content)
            if ready:  # ended with nothing more in the pipe
                child.join()
                raise ChildDied(child.exitcode)
    finally:
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join()
        answers.close()
        sender.close()


def _child(
    work: Callable[[Order, Send], Any],
    order: Order,
    answers: Connection,
    passed_on: tuple[type[Exception], ...],
) -> None:
    """The child's whole life. A parent gone (killed) breaks the pipe at the next message,
    which ends the child too."""
    try:
        answer = work(order, lambda message: answers.send(("message", message)))
    except passed_on as exc:
        answers.send(("raised", exc))
    except Exception:
        answers.send(("failed", traceback.format_exc()))
    else:
        answers.send(("done", answer))
    finally:
        answers.close()
