"""The discrete-event simulator: arrivals and clerks over a day, every call decided by the real
Hall, so that priorities, overflow and the missed-call policy are exactly the hall's."""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import math
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

from queue_server.domain import commands as c
from queue_server.domain import events as e
from queue_server.domain.errors import DomainError
from queue_server.domain.hall import HallConfig
from queue_server.domain.hours import issuing_session
from queue_server.domain.model import Priority
from queue_server.domain.state import Hall
from queue_server.planner.demand import SLOT_MINUTES, Demand
from queue_server.planner.profile import Distribution
from queue_server.planner.schedule import Pool, Schedule, home_pools, pools_of, session_minutes
from queue_server.planner.stats import SimulationResult, Tally, summarise

Progress = Callable[[int, int], None]  # (replications done, replications in all)

BASE_DAY = dt.date(2026, 11, 23)  # any working day: the simulated clock starts at its midnight
APPOINTMENT_EARLY = 5.0  # minutes an appointment holder arrives after the slot began
APPOINTMENT_SLOT = 60.0
DEFAULT_CV = 0.8  # for services with no demand of their own (the later steps of a route)
MIN_SAMPLES = 30  # fewer measured service times than this: drawn from the fitted lognormal

# Heap entry kinds; at equal times the earlier-pushed entry goes first.
_ARRIVE, _SEGMENT, _ANSWER, _MISS, _FINISH, _RESUME, _CLEAR = range(7)


def simulation_config(hall: HallConfig) -> HallConfig:
    """The hall as the simulator runs it: issuing never refused by the clock (the simulator
    keeps the hours itself) and no quotas (the plan is for the whole demand)."""
    hours = dataclasses.replace(hall.hours, open_all_hours=True, clearing_times=())
    services = tuple(
        dataclasses.replace(s, daily_quota=None, session_quota=None) for s in hall.services
    )
    return dataclasses.replace(hall, hours=hours, services=services)


@dataclasses.dataclass(frozen=True)
class _Sampler:
    mean: float
    mu: float
    sigma: float
    distribution: Distribution
    samples: tuple[float, ...]

    @classmethod
    def of(
        cls, mean: float, cv: float, distribution: Distribution, samples: tuple[float, ...]
    ) -> _Sampler:
        sigma2 = math.log(1 + cv * cv)
        return cls(mean, math.log(mean) - sigma2 / 2, math.sqrt(sigma2), distribution, samples)

    def draw(self, rng: random.Random) -> float:
        if len(self.samples) >= MIN_SAMPLES:
            return rng.choice(self.samples)
        if self.distribution is Distribution.EXPONENTIAL:
            return rng.expovariate(1 / self.mean)
        return rng.lognormvariate(self.mu, self.sigma)


class _Plan:
    """Everything a replication needs that does not depend on its random numbers."""

    def __init__(self, hall: HallConfig, demand: Demand, schedule: Schedule) -> None:
        schedule.check(hall)
        self.hall = hall
        self.config = simulation_config(hall)
        self.tz = ZoneInfo(hall.timezone)
        self.midnight = dt.datetime.combine(BASE_DAY, dt.time(), self.tz)
        self.demand = demand
        self.pools: tuple[Pool, ...] = pools_of(hall)
        self.pool_of = {w: p.id for p in self.pools for w in p.windows}
        self.home = home_pools(hall)
        # Primary takers first: the window that would call the ticket at once.
        self.servers = {
            s.id: tuple(w.id for w in hall.windows if s.id in w.services)
            + tuple(w.id for w in hall.windows if s.id in w.overflow)
            for s in hall.services
        }
        self.samplers = {
            s.id: _Sampler.of(s.mean_service_minutes, DEFAULT_CV, Distribution.LOGNORMAL, ())
            for s in hall.services
        }
        for sd in demand.services:
            self.samplers[sd.service] = _Sampler.of(
                sd.mean_minutes, sd.cv, sd.distribution, sd.samples
            )
        self.rates = [sd for sd in demand.services if sd.service in self.servers]
        sessions = session_minutes(hall.hours)
        self.last_end = float(sessions[-1][1]) if sessions else 0.0
        # (minute, windows to be open from then on); after the last session the last set
        # stays: everyone holding a ticket is served (until a clearing closes the day).
        self.segments: list[tuple[float, frozenset[str]]] = []
        for index, (start, end) in enumerate(sessions):
            for hour in range(start // 60, (end - 1) // 60 + 1):
                opens = schedule.open_windows(hour, self.pools)
                self.segments.append((float(max(start, hour * 60)), opens))
            if index < len(sessions) - 1:
                self.segments.append((float(end), frozenset()))
        self.clearings = sorted(t.hour * 60.0 + t.minute for t in hall.hours.clearing_times)
        self.sessions = sessions

    def callable_from(self, minute: float) -> float:
        """When windows could first call a ticket queued at `minute`: waits are counted
        from there, since no staffing shortens the queue before opening."""
        for start, end in self.sessions:
            if minute < start:
                return float(start)
            if minute < end:
                return minute
        return minute

    def minute_at(self, minute: float) -> dt.datetime:
        return self.midnight + dt.timedelta(minutes=minute)

    def issuing(self, minute: float) -> bool:
        return self.hall.hours.open_all_hours or (
            issuing_session(self.hall.hours, self.minute_at(minute)) is not None
        )


def simulate(
    hall: HallConfig,
    demand: Demand,
    schedule: Schedule | None = None,
    *,
    replications: int = 20,
    seed: int = 0,
    target_minutes: float = 15.0,
    progress: Progress | None = None,
) -> SimulationResult:
    """Simulate `replications` days of `demand` in `hall` with `schedule` (every window in
    every session hour when None). Replication i draws from random.Random(seed, i) only:
    the same arguments give the same result."""
    plan = _Plan(hall, demand, schedule or Schedule.full(hall))
    tally = Tally(plan.home)
    for index in range(replications):
        _Day(plan, seed * 1_000_003 + index, tally).run()
        if progress is not None:
            progress(index + 1, replications)
    return summarise(tally, replications=replications, seed=seed, target=target_minutes)


class _Day:
    """One simulated day: the Hall, the event heap and what each clerk is doing."""

    def __init__(self, plan: _Plan, seed: int, tally: Tally) -> None:
        self.plan = plan
        self.tally = tally
        self.hall = Hall(plan.config)
        self.rng = random.Random(seed)  # arrivals and their first service: the same
        self.clerks = random.Random(seed ^ 0x5EED)  # whatever the schedule (common numbers)
        self.behaviour = plan.demand.behaviour
        self.heap: list[tuple[float, int, int, str]] = []
        self.seq = 0
        self.target: frozenset[str] = frozenset()
        self.idle: set[str] = set()
        self.opened: dict[str, float] = {}  # open window -> since
        self.busy_since: dict[str, float] = {}
        self.paused_since: dict[str, float] = {}
        self.next_pause: dict[str, float] = {}
        self.entered: dict[str, tuple[float, str, bool]] = {}  # ticket -> since, service, again
        self.first_time: dict[str, float] = {}  # ticket -> its first service's length
        self.first_miss: dict[str, bool] = {}
        self.arrivals: dict[str, tuple[str, Priority]] = {}
        self.closed_day = False
        self.now = 0.0
        self.last_finish = 0.0

    def push(self, minute: float, kind: int, what: str) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (minute, self.seq, kind, what))

    def run(self) -> None:
        self._draw_arrivals()
        for index, (minute, _) in enumerate(self.plan.segments):
            self.push(minute, _SEGMENT, str(index))
        for minute in self.plan.clearings:
            self.push(minute, _CLEAR, "")
        handlers = {
            _ARRIVE: self._arrive,
            _SEGMENT: self._segment,
            _ANSWER: self._answer,
            _MISS: self._miss,
            _FINISH: self._finish,
            _RESUME: self._resume,
            _CLEAR: self._clear,
        }
        while self.heap:
            self.now, _, kind, what = heapq.heappop(self.heap)
            handlers[kind](what)
        self._end()

    # -- arrivals --------------------------------------------------------------------------

    def _draw_arrivals(self) -> None:
        rng, behaviour = self.rng, self.behaviour
        green, appointment = behaviour.green_share, behaviour.appointment_share
        times: list[tuple[float, str]] = []
        for sd in self.plan.rates:
            for slot, expected in enumerate(sd.arrivals):
                if expected <= 0:
                    continue
                start = slot * SLOT_MINUTES
                minute = start + rng.expovariate(expected / SLOT_MINUTES)
                while minute < start + SLOT_MINUTES:
                    times.append((minute, sd.service))
                    minute += rng.expovariate(expected / SLOT_MINUTES)
        times.sort()
        for number, (minute, service) in enumerate(times):
            ticket = f"t{number}"
            draw = rng.random()
            priority = (
                Priority.GREEN
                if draw < green
                else Priority.APPOINTMENT
                if draw < green + appointment
                else Priority.NORMAL
            )
            self.arrivals[ticket] = (service, priority)
            self.first_time[ticket] = self.plan.samplers[service].draw(rng)
            self.first_miss[ticket] = rng.random() < behaviour.missed_share
            self.push(minute, _ARRIVE, ticket)

    def _arrive(self, ticket: str) -> None:
        if not self.plan.issuing(self.now) or self.closed_day:
            self.tally.turned_away += 1
            return
        service, priority = self.arrivals.pop(ticket)
        slot_start = slot_end = None
        if priority is Priority.APPOINTMENT:
            slot_start = self.plan.minute_at(self.now - APPOINTMENT_EARLY)
            slot_end = slot_start + dt.timedelta(minutes=APPOINTMENT_SLOT)
        self.hall.execute(
            c.IssueTicket(
                ticket_id=ticket,
                service=service,
                priority=priority,
                slot_start=slot_start,
                slot_end=slot_end,
            ),
            self._at(),
        )
        self.tally.issued += 1
        self._enter(ticket, service, again=False)

    def _enter(self, ticket: str, service: str, *, again: bool) -> None:
        """A ticket joins a queue: the first idle window that takes its service calls."""
        self.entered[ticket] = (self.plan.callable_from(self.now), service, again)
        self._wake(service)

    def _wake(self, service: str) -> None:
        for window in self.plan.servers[service]:
            if window in self.idle:
                self.idle.discard(window)
                self._free(window)
                if window in self.busy_since:
                    return

    # -- the clerks ------------------------------------------------------------------------

    def _at(self) -> dt.datetime:
        return self.plan.minute_at(self.now)

    def _free(self, window: str) -> None:
        """The window has nothing in hand: close, pause, call the next ticket or wait."""
        if window not in self.target:
            self._close(window)
            return
        if self.next_pause.get(window, math.inf) <= self.now:
            self.hall.execute(c.PauseWindow(window, reason="planner"), self._at())
            self.paused_since[window] = self.now
            length = self.clerks.expovariate(1 / self.behaviour.pause_minutes)
            self.push(self.now + length, _RESUME, window)
            return
        try:
            outcome = self.hall.execute(c.CallNext(window), self._at())
        except DomainError:  # nobody waiting for this window
            self.idle.add(window)
            return
        ticket = outcome.ticket_id
        assert ticket is not None
        since, service, again = self.entered.pop(ticket)
        if not again:
            self.tally.waits.append((service, int(since // 60), max(0.0, self.now - since)))
        self.busy_since[window] = self.now
        miss = self.first_miss.pop(ticket, None)
        if miss is None:
            miss = self.clerks.random() < self.behaviour.missed_share
        if miss:
            self.push(self.now + self.behaviour.no_show_minutes, _MISS, window)
        else:
            self.push(self.now + self.behaviour.walk_minutes, _ANSWER, window)

    def _answer(self, window: str) -> None:
        outcome = self.hall.execute(c.StartService(window), self._at())
        ticket = outcome.ticket_id
        assert ticket is not None
        length = self.first_time.pop(ticket, None)
        if length is None:
            service = self.hall.tickets[ticket].service
            length = self.plan.samplers[service].draw(self.clerks)
        self.push(self.now + length, _FINISH, window)

    def _miss(self, window: str) -> None:
        outcome = self.hall.execute(c.MarkNoShow(window, reason="planner"), self._at())
        back = [
            (event.ticket_id, self.hall.tickets[event.ticket_id].service)
            for event in outcome.events
            if isinstance(event, e.TicketMissed) and event.key is not None
        ]
        self._done(window, back, again=True)

    def _finish(self, window: str) -> None:
        outcome = self.hall.execute(c.FinishService(window), self._at())
        self.last_finish = self.now
        onward = [
            (event.ticket_id, event.next_service)
            for event in outcome.events
            if isinstance(event, e.TicketFinished) and event.next_service is not None
        ]
        self._done(window, onward, again=False)

    def _done(self, window: str, queued: list[tuple[str, str]], *, again: bool) -> None:
        """The window is free again; `queued` tickets went back into a queue (a missed call
        sent back, the next step of a route): this window may call them itself."""
        since = self.busy_since.pop(window)
        self.tally.add_time(self.tally.busy, self.plan.pool_of[window], since, self.now)
        for ticket, service in queued:
            self.entered[ticket] = (self.plan.callable_from(self.now), service, again)
        self._free(window)
        for _, service in queued:
            self._wake(service)

    def _resume(self, window: str) -> None:
        since = self.paused_since.pop(window)
        self.tally.add_time(self.tally.paused, self.plan.pool_of[window], since, self.now)
        self.hall.execute(c.ResumeWindow(window), self._at())
        self._plan_pause(window)
        self._free(window)

    def _plan_pause(self, window: str) -> None:
        share, length = self.behaviour.pause_share, self.behaviour.pause_minutes
        if share > 0:
            self.next_pause[window] = self.now + self.clerks.expovariate(
                share / (length * (1 - share))
            )

    def _close(self, window: str) -> None:
        self.hall.execute(c.CloseWindow(window), self._at())
        self.tally.add_time(
            self.tally.open, self.plan.pool_of[window], self.opened.pop(window), self.now
        )

    # -- the day's timetable ---------------------------------------------------------------

    def _segment(self, index: str) -> None:
        if self.closed_day:
            return
        self.target = self.plan.segments[int(index)][1]
        for window in sorted(self.opened.keys() - self.target):
            if window in self.idle:
                self.idle.discard(window)
                self._close(window)
        for window in sorted(self.target - self.opened.keys()):
            self.hall.execute(c.OpenWindow(window), self._at())
            self.opened[window] = self.now
            self._plan_pause(window)
            self._free(window)

    def _clear(self, _: str) -> None:
        outcome = self.hall.execute(c.ClearQueue(), self._at())
        for event in outcome.events:
            if isinstance(event, e.QueueCleared):
                for ticket in event.ticket_ids:
                    self._unserved(ticket)
        if self.now >= self.plan.last_end:
            self.closed_day = True
            self.target = frozenset()
            for window in sorted(self.idle):
                self._close(window)
            self.idle.clear()

    def _unserved(self, ticket: str) -> None:
        entry = self.entered.pop(ticket, None)
        if entry is None:
            return
        since, service, again = entry
        self.tally.unserved += 1
        if not again:
            self.tally.waits.append((service, int(since // 60), max(0.0, self.now - since)))

    def _end(self) -> None:
        for ticket in list(self.entered):
            self._unserved(ticket)
        for window, since in self.paused_since.items():
            self.tally.add_time(self.tally.paused, self.plan.pool_of[window], since, self.now)
        for window, since in self.opened.items():
            self.tally.add_time(self.tally.open, self.plan.pool_of[window], since, self.now)
        self.tally.overtime.append(max(0.0, self.last_finish - self.plan.last_end))
