"""The one writer: group commit, nothing acknowledged that is not journalled, rebuild on start."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from helpers import FakeClock, small_hall

from queue_server.domain import commands as c
from queue_server.domain.errors import DomainError
from queue_server.domain.state import Hall, Outcome
from queue_server.service import HallService, Published, ServiceUnavailable
from queue_server.store.errors import StoreError
from queue_server.store.eventlog import NewEvent, Snapshot, StoredEvent
from queue_server.store.memory_log import MemoryEventLog


def number(hall: Hall, outcome: Outcome, now: dt.datetime) -> str:
    assert outcome.ticket_id is not None
    return hall.tickets[outcome.ticket_id].number


def make_service(journal: MemoryEventLog, clock: FakeClock, **kwargs: Any) -> HallService:
    ids = iter(range(10_000))
    return HallService(
        kwargs.pop("config", small_hall(open_all_hours=True)),
        journal,
        clock=clock,
        new_id=lambda: f"t{next(ids)}",
        **kwargs,
    )


async def issue(service: HallService, key: str | None = None) -> str:
    command = c.IssueTicket(
        ticket_id=service.new_ticket_id(), service="social", device="k", idempotency_key=key
    )
    return await service.execute(command, number)


async def test_a_burst_of_commands_costs_few_commits(clock: FakeClock) -> None:
    journal = MemoryEventLog()
    await journal.open()
    service = make_service(journal, clock)
    await service.start()
    numbers = await asyncio.gather(*(issue(service) for _ in range(200)))
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, 201)]
    assert journal.commit_seconds.count <= 5  # one commit per batch, not per command
    assert await journal.last_seq() == 200
    await service.stop()


async def test_a_refused_batch_acknowledges_nothing_and_the_hall_reloads(
    clock: FakeClock,
) -> None:
    journal = MemoryEventLog()
    await journal.open()
    published: list[Published] = []
    service = make_service(journal, clock, publish=published.extend)
    await service.start()
    assert await issue(service) == "A001"
    journal.fail_next_append = OSError("disk full")
    results = await asyncio.gather(*(issue(service) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(r, ServiceUnavailable) for r in results)
    assert len(service.hall.tickets) == 1  # what was decided but not journalled is gone
    assert len(published) == 1
    assert await issue(service) == "A002"  # numbers given to nobody are given again
    await service.stop()


class UnreadableLog(MemoryEventLog):
    """A journal whose disk fails altogether: appends and then reads refused."""

    def __init__(self) -> None:
        super().__init__()
        self.unreadable = False

    async def read(self, after_seq: int = 0, limit: int | None = None) -> list[StoredEvent]:
        if self.unreadable:
            raise StoreError("cannot read the journal: disk I/O error")
        return await super().read(after_seq, limit)


async def test_a_hall_that_cannot_be_rebuilt_takes_no_more_commands(clock: FakeClock) -> None:
    journal = UnreadableLog()
    await journal.open()
    service = make_service(journal, clock)
    await service.start()
    assert await issue(service) == "A001"
    journal.fail_next_append = OSError("I/O error")
    journal.unreadable = True
    waiting = [asyncio.ensure_future(issue(service)) for _ in range(3)]
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ServiceUnavailable) for r in results)
    assert not service.running  # the health check fails: the watchdog restarts the server
    journal.unreadable = False  # even with the disk back, this hall is not trusted again
    with pytest.raises(ServiceUnavailable):
        await issue(service)
    assert await journal.last_seq() == 1
    await service.stop()


async def test_refused_commands_journal_nothing(clock: FakeClock) -> None:
    journal = MemoryEventLog()
    await journal.open()
    service = make_service(journal, clock)
    await service.start()
    with pytest.raises(DomainError) as refused:
        await service.execute(c.CallNext("1"), lambda h, o, n: None)
    assert refused.value.code == "window_not_open"
    assert await journal.last_seq() == 0
    await service.stop()


async def test_an_abandoned_request_is_not_decided(clock: FakeClock) -> None:
    journal = MemoryEventLog()
    await journal.open()
    service = make_service(journal, clock)
    await service.start()
    gone = asyncio.ensure_future(issue(service))
    gone.cancel()
    assert await issue(service) == "A001"
    await service.stop()


async def test_the_hall_is_rebuilt_exactly_from_snapshot_and_journal(clock: FakeClock) -> None:
    journal = MemoryEventLog()
    await journal.open()
    service = make_service(journal, clock, snapshot_every=7)
    await service.start()
    await service.execute(c.OpenWindow("1", clerk="wang"), lambda h, o, n: None)
    for i in range(20):
        await issue(service, key=f"k{i}")
        if i % 3 == 0:
            await service.execute(c.CallNext("1"), lambda h, o, n: None)
    expected = service.hall.to_snapshot()
    # Simulate a crash: a new service on the same journal, without stopping the first.
    again = make_service(journal, clock, snapshot_every=7)
    await again.start()
    assert again.hall.to_snapshot() == expected
    assert 0 < again.replayed_events < 7  # the snapshot spared the rest
    assert again.last_seq == service.last_seq
    assert await issue(again, key="k3") == "A004"  # idempotency survives the restart
    assert await issue(again) == "A021"
    await again.stop()
    await service.stop()


@pytest.mark.parametrize(
    "broken",
    [{}, {"day": 5}, {"tickets": "A001"}, {"ticket_columns": ["id"], "ticket_rows": [[1, 2]]}],
)
async def test_a_snapshot_that_cannot_be_used_is_passed_over_for_the_journal(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, broken: dict[str, Any]
) -> None:
    journal = MemoryEventLog()
    await journal.open()
    service = make_service(journal, clock, snapshot_every=10**9)
    await service.start()
    await service.execute(c.OpenWindow("1", clerk="wang"), lambda h, o, n: None)
    for _ in range(5):
        await issue(service)
    await service.execute(c.CallNext("1"), lambda h, o, n: None)
    expected = service.hall.to_snapshot()
    await journal.save_snapshot(Snapshot(service.last_seq, broken))

    again = make_service(journal, clock, snapshot_every=3)
    await again.start()

    assert again.hall.to_snapshot() == expected
    assert again.replayed_events == service.last_seq
    assert "the newest snapshot cannot be used" in caplog.text
    assert await issue(again) == "A006"
    latest = await journal.latest_snapshot()
    assert latest is not None and latest.seq == again.last_seq  # a usable one replaces it
    await again.stop()
    await service.stop()


async def test_a_window_removed_from_the_config_after_a_crash_does_not_stop_the_start(
    clock: FakeClock,
) -> None:
    """A power cut, then the IT person takes window 3 out of the config: the journal since
    the last snapshot still names it. The hall starts as a snapshot taken before the cut
    would have started it: window 3 is gone, its tickets kept."""
    journal = MemoryEventLog()
    await journal.open()
    service = make_service(journal, clock, snapshot_every=10**9)  # no snapshot: all replayed
    await service.start()
    await service.execute(c.OpenWindow("3", clerk="li"), lambda h, o, n: None)
    for _ in range(3):
        await issue(service)
    await service.execute(c.CallNext("3"), lambda h, o, n: None)
    await service.execute(c.FinishService("3"), lambda h, o, n: None)
    await service.execute(c.CallNext("3"), lambda h, o, n: None)
    before_the_cut = service.hall.to_snapshot()
    config = service.config
    smaller = dataclasses.replace(config, windows=tuple(w for w in config.windows if w.id != "3"))

    again = make_service(journal, clock, config=smaller)
    await again.start()

    assert "3" not in again.hall.windows
    assert again.hall.to_snapshot() == Hall.from_snapshot(smaller, before_the_cut).to_snapshot()
    assert await issue(again) == "A004"
    await again.stop()
    await service.stop()


async def test_a_clearing_missed_while_down_is_applied_at_start(clock: FakeClock) -> None:
    journal = MemoryEventLog()
    await journal.open()
    config = small_hall(clearing=(dt.time(12, 0),))
    service = make_service(journal, clock, config=config)
    await service.start()
    await issue(service)
    await service.stop()
    clock.advance(hours=4)  # 13:00: the 12:00 clearing passed while the server was down
    again = make_service(journal, clock, config=config)
    await again.start()
    assert [t.state for t in again.hall.tickets.values()] == ["abandoned"]
    await again.stop()


async def test_a_clearing_time_passing_as_the_server_starts_is_not_skipped(
    clock: FakeClock,
) -> None:
    journal = MemoryEventLog()
    await journal.open()
    config = small_hall(clearing=(dt.time(12, 0),))
    service = make_service(journal, clock, config=config)
    await service.start()
    await issue(service)
    await service.stop()
    clock.now = clock.now.replace(hour=11, minute=59, second=59)
    again = make_service(journal, clock, config=config)
    await again.start()  # checked up to 11:59:59: nothing to clear yet
    clock.advance(seconds=1.5)  # before the clearing timer first reads the clock
    async with asyncio.timeout(30):
        # Polled: the clearing is the service's own doing, with nothing to wait on.
        while [t.state for t in again.hall.tickets.values()] != ["abandoned"]:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await again.stop()


async def test_a_store_failure_at_start_is_reported(clock: FakeClock) -> None:
    journal = MemoryEventLog()
    service = make_service(journal, clock)
    with pytest.raises(StoreError):
        await service.start()  # the journal was never opened


class GatedLog(MemoryEventLog):
    """A journal whose appends wait at a gate, so a test can act while one is in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.in_append = asyncio.Event()
        self.gate = asyncio.Event()

    async def append(self, events: Sequence[NewEvent], *, recorded_at: str) -> list[int]:
        self.in_append.set()
        await self.gate.wait()
        return await super().append(events, recorded_at=recorded_at)


async def test_stopping_never_cuts_a_batch_in_half(clock: FakeClock) -> None:
    journal = GatedLog()
    await journal.open()
    journal.gate.set()
    service = make_service(journal, clock, snapshot_every=10**9)
    await service.start()
    assert await issue(service) == "A001"
    journal.gate.clear()
    journal.in_append.clear()
    in_flight = asyncio.ensure_future(issue(service))
    await journal.in_append.wait()  # the writer is inside a commit now
    stopping = asyncio.ensure_future(service.stop())
    await asyncio.sleep(0.01)
    journal.gate.set()
    await stopping
    # The batch finished and was acknowledged (a writer cut down mid-commit never answers).
    assert await asyncio.wait_for(in_flight, timeout=5) == "A002"
    again = make_service(journal, clock)
    await again.start()  # from the shutdown snapshot: it must equal the journal exactly
    assert sorted(t.number for t in again.hall.tickets.values()) == ["A001", "A002"]
    assert again.replayed_events == 0
    await again.stop()


async def test_a_failing_command_fails_its_batch_and_the_hall_carries_on(
    clock: FakeClock,
) -> None:
    journal = MemoryEventLog()
    await journal.open()
    service = make_service(journal, clock)
    await service.start()
    assert await issue(service) == "A001"

    def broken_view(hall: Hall, outcome: Outcome, now: dt.datetime) -> None:
        raise KeyError("a bug in rendering the answer")

    with pytest.raises(ServiceUnavailable):
        await service.execute(c.OpenWindow("1", clerk="wang"), broken_view)
    assert service.running
    assert service.hall.windows["1"].state == "closed"  # the half-done change is gone
    assert await issue(service) == "A002"
    await service.stop()


async def test_a_command_that_runs_into_a_bug_fails_alone_not_its_batch(
    clock: FakeClock,
) -> None:
    journal = MemoryEventLog()
    await journal.open()
    published: list[Published] = []
    service = make_service(journal, clock, publish=published.extend)
    await service.start()

    def broken_view(hall: Hall, outcome: Outcome, now: dt.datetime) -> None:
        raise OverflowError("a bug in rendering the answer")

    # Queued together, so the writer takes them as one batch, the broken one in the middle.
    results = await asyncio.gather(
        issue(service),
        issue(service),
        service.execute(c.OpenWindow("1", clerk="wang"), broken_view),
        issue(service),
        return_exceptions=True,
    )
    assert results[:2] + results[3:] == ["A001", "A002", "A003"]
    assert isinstance(results[2], ServiceUnavailable)
    assert service.hall.windows["1"].state == "closed"  # the failed command left nothing
    assert [p.any_message["type"] for p in published] == ["ticket.issued"] * 3
    assert [e.type for e in await journal.read()] == ["ticket.issued"] * 3
    assert service.running
    assert await issue(service) == "A004"
    await service.stop()


async def test_only_the_tail_of_a_replay_becomes_stream_messages(clock: FakeClock) -> None:
    journal = MemoryEventLog()
    await journal.open()
    service = make_service(journal, clock, snapshot_every=10**9)
    await service.start()
    for _ in range(30):
        await issue(service)
    again = make_service(journal, clock, replay_rendered=10)
    await again.start()  # after a crash: everything replayed, the last 10 rendered
    assert again.replayed_events == 30
    assert [p.seq for p in again.replayed_messages()] == list(range(21, 31))
    assert again.replayed_messages()[-1].messages["board"]["ticket"]["number"] == "A030"
    await again.stop()
    await service.stop()
