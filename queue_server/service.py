"""The one writer: decides commands in order, journals them, then answers and publishes."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import gc
import heapq
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from queue_server import apart, rebuild, wire
from queue_server.clock import NeverBackwards, WallClock
from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.errors import DomainError
from queue_server.domain.hall import HallConfig
from queue_server.domain.hours import clearings_between, next_clearing, next_day_start
from queue_server.domain.model import Ticket
from queue_server.domain.state import Hall, Outcome
from queue_server.store.errors import StoreError
from queue_server.store.eventlog import EncodedSnapshot, EventLog, NewEvent, Snapshot

log = logging.getLogger(__name__)

T = TypeVar("T")

# A batch holds every command waiting when the writer comes round; this caps one commit.
MAX_BATCH = 512
# Replayed events at start that are rebuilt as stream messages, for clients resuming: a
# client connected at a crash missed only the last few; one further behind gets a snapshot.
# Minutes of a busy hall; each costs start-up time (rendered, then encoded).
REPLAY_RENDERED = 500
# Calls kept for a board's snapshot.
RECENT_CALLS = 20
INTERNAL_ERROR = "内部错误, 请稍后再试 (internal error)"
# How often the hall looks for 差评 case deadlines passed and default ratings due.
SUPERVISE_SECONDS = 60.0
# The longest the clearing timer sleeps before reading the wall clock again, so that a clock
# stepped forward past a clearing time clears within this long.
CLOCK_CHECK_SECONDS = 30.0


class ServiceUnavailable(Exception):
    """The journal could not take the command; nothing of it was acknowledged or kept."""


class _CommandFailed(Exception):
    """One command of a batch raised what no rule of the hall raises: a bug it ran into."""

    def __init__(self, pending: _Pending[Any]) -> None:
        super().__init__(f"{type(pending.command).__name__} failed")
        self.pending = pending


@dataclass(frozen=True)
class Published:
    """One journalled change as the event stream carries it, per topic."""

    seq: int
    messages: dict[str, dict[str, Any]]  # topic -> message (with its seq)
    # The one window whose staff (with supervisors) may see this change; None: every client
    # of its topics.
    window_only: str | None = None

    @property
    def any_message(self) -> dict[str, Any]:
        """The public form when there is one: type, ticket and window id are the same in all."""
        return self.messages.get(wire.BOARD) or next(iter(self.messages.values()))


View = Callable[[Hall, Outcome, dt.datetime], T]
# Makes the journal's JSON of the hall right after a seq, elsewhere (queue_server.snapshots):
# blocks, so it runs in a thread; gives up (apart.Stopped) once its second argument says the
# service is stopping.
MakeSnapshot = Callable[[int, apart.Stopping], str]


@dataclass
class _Pending(Generic[T]):
    command: c.Command
    view: View[T]
    future: asyncio.Future[T]


class HallService:
    """Owns the hall's state. Every change goes through `execute`, strictly one at a time.

    A command is decided against the live state, its events are appended to the journal
    together with every other command of the same batch (one fsync for all), and only then
    is its caller answered and the change published. If the journal refuses a batch, every
    command in it fails and the state is rebuilt from the journal, so what callers were
    told and what is on disk never differ.
    """

    def __init__(
        self,
        config: HallConfig,
        journal: EventLog,
        *,
        clock: WallClock,
        publish: Callable[[Sequence[Published]], None] = lambda _: None,
        snapshot_every: int = 5_000,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        replay_rendered: int = REPLAY_RENDERED,
        supervise_every: float | None = SUPERVISE_SECONDS,
        snapshot_apart: MakeSnapshot | None = None,
    ) -> None:
        self.config = config
        self.journal = journal
        # Journalled times never go backwards, whatever the wall clock does.
        self.clock = NeverBackwards(clock)
        self.publish = publish
        self.snapshot_every = snapshot_every
        # None: snapshots are made here, on the writer's path, which waits for them.
        self.snapshot_apart = snapshot_apart
        self.new_ticket_id = new_id
        self.replay_rendered = replay_rendered
        self.supervise_every = supervise_every  # None: only when `supervise()` is called
        self.hall = Hall(config)
        self.last_seq = 0
        self.started_at: dt.datetime | None = None
        self.replayed_events = 0
        self.calls = 0  # tickets called since start, for /metrics
        self.recent_calls: collections.deque[dict[str, Any]] = collections.deque(
            maxlen=RECENT_CALLS
        )
        self._snapshot_seq = 0
        self._snapshot_asked = 0  # the seq last asked of `snapshot_apart`
        self._snapshot_job: asyncio.Task[None] | None = None
        self._stopping = False
        self._queue: asyncio.Queue[_Pending[Any]] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._replayed_messages: list[Published] = []
        self._unreadable = False  # set when the hall could not be rebuilt after a failure

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Rebuild the hall from the newest snapshot and the events after it, then serve."""
        await self._load()
        self._stopping = False
        self.started_at = self.clock()
        self._tasks = [asyncio.create_task(self._writer(), name="hall-writer")]
        checked_until = await self._clear_missed_clearings()
        timer = self._clearing_timer(checked_until)
        self._tasks.append(asyncio.create_task(timer, name="hall-clearing"))
        self._tasks.append(asyncio.create_task(self._day_timer(), name="hall-day"))
        if self.supervise_every is not None:
            supervising = self._supervision_timer(self.supervise_every)
            self._tasks.append(asyncio.create_task(supervising, name="hall-supervise"))

    async def stop(self) -> None:
        # Taking the lock first means the writer is between batches: cancelling it can never
        # cut a commit in half, so the shutdown snapshot matches the journal exactly.
        async with self._lock:
            self._stopping = True  # a snapshot being made apart is given up
            for task in self._tasks:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._tasks = []
            if self._snapshot_job is not None:
                self._snapshot_job.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._snapshot_job
            while not self._queue.empty():
                pending = self._queue.get_nowait()
                if not pending.future.done():
                    pending.future.set_exception(ServiceUnavailable("the server is stopping"))
            if self.last_seq > self._snapshot_seq:
                await self._save_snapshot()

    def replayed_messages(self) -> list[Published]:
        """Stream messages rebuilt for the events replayed at start, for the hub's replay."""
        return list(self._replayed_messages)

    async def _load(self) -> None:
        # Loading builds hundreds of thousands of objects that all live on: the collector's
        # passes over them would find nothing to free, during the load and in the first full
        # collection after it (which cost a sixth of a start-up). They are frozen: left out
        # of collections until the next load, which gives the state it replaces back first.
        gc.unfreeze()
        gc.disable()
        try:
            await self._load_state()
        finally:
            gc.freeze()
            gc.enable()

    async def _load_state(self) -> None:
        hall, seq = await rebuild.from_latest_snapshot(self.config, self.journal)
        self._snapshot_seq = seq
        # Only the tail of the replay becomes stream messages: a client cut off by a crash
        # resumes from its last few seconds; one asking for more gets a fresh snapshot.
        render_from = await self.journal.last_seq() - self.replay_rendered
        messages: list[Published] = []
        replayed = 0
        known = {None, *hall.window_config}
        while batch := await self.journal.read(after_seq=seq, limit=rebuild.READ_BATCH):
            events = [e.decode_event(stored.type, stored.data) for stored in batch]
            rendered = []
            for stored, event in zip(batch, events, strict=True):
                hall.apply(event)
                # A change at a window the config no longer has is no news for any screen.
                if stored.seq > render_from and getattr(event, "window", None) in known:
                    rendered.append((stored.seq, event, wire.event_message(hall, event)))
            wire.fold_for_boards([ev for _, ev, _ in rendered], [m for _, _, m in rendered])
            messages.extend(_published(at, ev, m) for at, ev, m in rendered)
            seq = batch[-1].seq
            replayed += len(batch)
        hall.drop_removed_windows()
        self.hall = hall
        self.last_seq = seq
        self.replayed_events = replayed
        self._replayed_messages = messages
        self._seed_recent_calls()

    def _seed_recent_calls(self) -> None:
        # The day's calls only: a board switched on in the morning does not show last
        # evening's call as the one being made (API.md: the snapshot's last calls).
        local = self.clock().astimezone(self.hall.tz)
        since = local.replace(hour=0, minute=0, second=0, microsecond=0)
        tickets = self.hall.tickets.values()
        called = [t for t in tickets if t.called_at is not None and t.called_at >= since]
        newest = heapq.nlargest(RECENT_CALLS, called, key=_called_at)
        self.recent_calls.clear()
        for t in reversed(newest):
            self.recent_calls.append(
                {
                    "ticket": wire.ticket(self.hall, t),
                    "window": t.window,
                    "at": wire.when(t.called_at, self.hall),
                }
            )

    # -- commands ---------------------------------------------------------------------------

    async def execute(self, command: c.Command, view: View[T]) -> T:
        """Run one command; `view` renders the answer from the state right after it.

        Raises DomainError when the hall's rules refuse it (nothing changed), and
        ServiceUnavailable when it could not be journalled (nothing changed either).
        """
        if not self.running:
            raise ServiceUnavailable("the hall is not running")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(command, view, future))
        return await future

    @contextlib.asynccontextmanager
    async def consistent(self) -> AsyncIterator[Hall]:
        """Read the hall between batches, when it holds exactly what the journal holds."""
        async with self._lock:
            yield self.hall

    async def _writer(self) -> None:
        try:
            while not self._unreadable:
                batch = [await self._queue.get()]
                while len(batch) < MAX_BATCH and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                async with self._lock:
                    await self._run_isolating_failures(batch)
        finally:
            # The writer is gone (stopping, or a hall it could not rebuild): nobody waits on.
            while not self._queue.empty():
                _fail([self._queue.get_nowait()], ServiceUnavailable("the hall is not running"))

    async def _run_isolating_failures(self, batch: list[_Pending[Any]]) -> None:
        """Run a batch; a command that runs into a bug fails alone, the others run again.

        A bug leaves the state maybe half-changed: nothing of the batch was journalled or
        answered yet, so the hall is rebuilt from the journal and the batch runs again
        without the command that failed. One bad request never fails its neighbours.
        """
        while batch and not self._unreadable:
            try:
                await self._run_batch(batch)
                return
            except _CommandFailed as failed:
                log.error(
                    "a %s command failed; it alone is refused and the hall reloaded",
                    type(failed.pending.command).__name__,
                    exc_info=failed.__cause__,
                )
                _fail([failed.pending], ServiceUnavailable(INTERNAL_ERROR))
                batch = [p for p in batch if p is not failed.pending]
            except Exception:
                # A bug outside any one command (journalling, publishing): nothing of this
                # batch that was not yet answered is kept or acknowledged.
                log.exception("a batch of %d commands failed; reloading the hall", len(batch))
                _fail(batch, ServiceUnavailable(INTERNAL_ERROR))
                batch = []
            await self._reload_after_failure()
        _fail(batch, ServiceUnavailable("the hall is not running"))

    @property
    def running(self) -> bool:
        """True while the writer takes commands (for the health check and the watchdog)."""
        return bool(self._tasks) and not self._tasks[0].done()

    async def _run_batch(self, batch: list[_Pending[Any]]) -> None:
        now = self.clock()
        answers: list[tuple[_Pending[Any], Any, BaseException | None]] = []
        decided: list[tuple[e.Event, dict[str, dict[str, Any]]]] = []
        for pending in batch:
            if pending.future.done():  # the caller gave up before its turn: nothing to do
                continue
            try:
                outcome = self.hall.execute(pending.command, now)
            except DomainError as error:  # refused by a rule: nothing changed
                answers.append((pending, None, error))
                continue
            except Exception as bug:
                raise _CommandFailed(pending) from bug
            try:
                answers.append((pending, pending.view(self.hall, outcome, now), None))
                rendered = [wire.event_message(self.hall, ev) for ev in outcome.events]
                wire.fold_for_boards(outcome.events, rendered)
            except Exception as bug:  # the state has changed: any error now is a bug
                raise _CommandFailed(pending) from bug
            decided.extend(zip(outcome.events, rendered, strict=True))
        if decided:
            try:
                seqs = await self.journal.append(
                    [NewEvent(ev.type, ev) for ev, _ in decided],
                    recorded_at=now.astimezone(dt.UTC).isoformat(),
                )
            except StoreError as failure:
                log.error("journal refused a batch of %d commands: %s", len(batch), failure)
                _fail(
                    batch, ServiceUnavailable("记录失败, 请稍后再试 (the journal is unavailable)")
                )
                await self._reload_after_failure()
                return
            self.last_seq = seqs[-1]
        for pending, answer, refused in answers:
            if pending.future.done():
                continue
            if refused is not None:
                pending.future.set_exception(refused)
            else:
                pending.future.set_result(answer)
        if decided:
            published = [
                _published(seq, event, messages)
                for seq, (event, messages) in zip(seqs, decided, strict=True)
            ]
            self._remember_calls(published)
            self.publish(published)
            await self._snapshot_when_due()

    def _remember_calls(self, published: Sequence[Published]) -> None:
        for item in published:
            message = item.any_message
            self.calls += message["type"] == "ticket.called"
            if message["type"] in ("ticket.called", "ticket.recalled"):
                self.recent_calls.append(
                    {
                        "ticket": message["ticket"],
                        "window": message["window"]["id"],
                        "at": message["at"],
                    }
                )

    async def _reload_after_failure(self) -> None:
        try:
            await self._load()
        except StoreError:
            # The hall in memory may hold changes the journal refused: serving from it would
            # acknowledge what is not on disk. Stop taking commands; the health check then
            # fails, and the watchdog restarts the server, which rebuilds from the journal.
            log.critical(
                "cannot reload the hall from the journal; no more commands taken", exc_info=True
            )
            self._unreadable = True

    async def _snapshot_when_due(self) -> None:
        """Every `snapshot_every` events: made apart where the service has a way to, while
        the writer goes on; else here, and the writer waits for it."""
        if self.snapshot_apart is None:
            if self.last_seq - self._snapshot_seq >= self.snapshot_every:
                await self._save_snapshot()
            return
        since = self.last_seq - max(self._snapshot_seq, self._snapshot_asked)
        making = self._snapshot_job is not None and not self._snapshot_job.done()
        if since >= self.snapshot_every and not making:
            self._snapshot_asked = self.last_seq
            made = self._snapshot_made_apart(self.snapshot_apart, self.last_seq)
            self._snapshot_job = asyncio.create_task(made, name="hall-snapshot")

    async def _snapshot_made_apart(self, make: MakeSnapshot, seq: int) -> None:
        try:
            text = await asyncio.to_thread(make, seq, lambda: self._stopping)
            await self.journal.save_snapshot(EncodedSnapshot(seq, text))
        except apart.Stopped:
            return
        except Exception:
            # A snapshot only shortens start-up: the hall serves on, and the next one is
            # tried `snapshot_every` events later.
            log.exception("could not make a snapshot at seq %d apart", seq)
            return
        self._snapshot_seq = max(self._snapshot_seq, seq)

    async def _save_snapshot(self) -> None:
        try:
            await self.journal.save_snapshot(Snapshot(self.last_seq, self.hall.to_snapshot()))
            self._snapshot_seq = self.last_seq
        except StoreError:
            # A snapshot only shortens start-up; the journal alone still rebuilds the hall.
            log.exception("could not save a snapshot at seq %d", self.last_seq)

    # -- clearing ---------------------------------------------------------------------------

    async def _clear_missed_clearings(self) -> dt.datetime:
        """A clearing time that passed while the server was down is applied at start, and so
        is the start of a day that began meanwhile; returns the moment checked up to, from
        which the clearing timer goes on."""
        now = self.clock()
        last = self.hall.last_event_at
        tz = self.hall.tz
        missed = (
            clearings_between(self.config.hours, last.astimezone(tz), now.astimezone(tz))
            if last is not None
            else []
        )
        if missed:
            # The latest covers those before it.
            await self.execute(c.ClearQueue(at=missed[-1]), _nothing)
        await self._start_day()
        return now

    async def _sleep_until(self, moment: dt.datetime) -> None:
        # The sleep runs on the monotonic clock, the clearing time is on the wall clock: wake
        # now and then to see whether the wall clock was stepped, and clear once it is time.
        while (remaining := (moment - self.clock()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(remaining, CLOCK_CHECK_SECONDS))

    async def _clearing_timer(self, cleared_until: dt.datetime) -> None:
        """Clear at each clearing time after `cleared_until`. It goes on from the moment the
        start-up check covered, not from when this task first reads the clock: a clearing
        time in between was skipped for the day."""
        while True:
            moment = next_clearing(self.config.hours, cleared_until.astimezone(self.hall.tz))
            if moment is None:
                return
            await self._sleep_until(moment)
            # Every clearing time up to now is covered by the latest of them: a clock stepped
            # past several clears once, as of the last it passed.
            now = self.clock()
            tz = self.hall.tz
            passed = clearings_between(
                self.config.hours, cleared_until.astimezone(tz), now.astimezone(tz)
            )
            cleared_until = now
            try:
                await self.execute(c.ClearQueue(at=passed[-1]), _nothing)
            except (DomainError, ServiceUnavailable):
                log.exception("clearing at %s failed", moment)

    async def _day_timer(self) -> None:
        """At each local midnight, what the day before left is closed out and the day begins
        (c.StartDay): a clock stepped past one or more midnights starts the day once."""
        while True:
            await self._sleep_until(next_day_start(self.clock().astimezone(self.hall.tz)))
            today = self.clock().astimezone(self.hall.tz).date().isoformat()
            # A board's snapshot shows the day's calls (see _seed_recent_calls).
            kept = [call for call in self.recent_calls if call["at"].startswith(today)]
            self.recent_calls.clear()
            self.recent_calls.extend(kept)
            await self._start_day()

    async def _start_day(self) -> None:
        # What it failed to close out waits for the day's first ticket, which starts the day's
        # figures too (see Decider._issue); the managers' settings of the day before then last
        # until the next day's start. The hall serves on meanwhile, and starts up.
        try:
            await self.execute(c.StartDay(), _nothing)
        except (DomainError, ServiceUnavailable):
            log.exception("closing out what the days before left failed")

    # -- supervision ------------------------------------------------------------------------

    async def supervise(self) -> None:
        """One round: default ratings now due, 差评 case deadlines passed (with alerts)."""
        await self.execute(c.Supervise(), _nothing)

    async def _supervision_timer(self, every: float) -> None:
        while True:
            try:
                await self.supervise()
            except (DomainError, ServiceUnavailable):
                log.exception("the supervision round failed")
            await asyncio.sleep(every)


def _published(seq: int, event: e.Event, messages: dict[str, dict[str, Any]]) -> Published:
    # Topics that carry the same message keep sharing one: the hub then encodes it once.
    with_seq: dict[int, dict[str, Any]] = {}
    for body in messages.values():
        if id(body) not in with_seq:
            with_seq[id(body)] = {**body, "seq": seq}
    return Published(
        seq,
        {topic: with_seq[id(body)] for topic, body in messages.items()},
        wire.window_only(event),
    )


def _fail(batch: list[_Pending[Any]], error: Exception) -> None:
    for pending in batch:
        if not pending.future.done():
            pending.future.set_exception(error)


def _nothing(hall: Hall, outcome: Outcome, now: dt.datetime) -> None:
    return None


def _called_at(t: Ticket) -> dt.datetime:
    assert t.called_at is not None
    return t.called_at
