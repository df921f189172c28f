"""GET /metrics speaks Prometheus text, counts what the hall does and names no person."""

from __future__ import annotations

import collections
from collections.abc import Awaitable, Callable

import pytest
from helpers import FakeClock, RunningHall, small_hall
from prometheus_client.parser import text_string_to_metric_families

from queue_server.web.metrics import may_read

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> tuple[Samples, dict[str, str]]:
    """Every sample by (name, sorted labels), and every family's type, by a real parser."""
    samples: Samples = {}
    kinds: dict[str, str] = {}
    for family in text_string_to_metric_families(text):
        kinds[family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples, kinds


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


async def test_metrics_follow_the_hall(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock
) -> None:
    hall = await start_hall(small_hall(open_all_hours=True), clock=clock)
    kiosk = await hall.device("kiosk-1", "kiosk")
    station = await hall.device("station-1", "station", window="1")
    numbers = []
    for _ in range(3):
        status, answer = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
        assert status == 201, answer
        numbers.append(answer["ticket"]["number"])
    await hall.call("POST", "/api/v1/windows/1/open", station)
    clock.advance(minutes=4)
    await hall.call("POST", "/api/v1/windows/1/call-next", station)
    report = {"component": "printer", "condition": "paper_out", "detail": "纸仓空"}
    status, _ = await hall.call("POST", "/api/v1/devices/self/status", kiosk, report)
    assert status == 200
    await hall.server.service.supervise()  # the periodic check that raises alerts
    clock.advance(minutes=1)
    async with hall.http.ws_connect(f"{hall.url}/ws"):
        status, text = await hall.call("GET", "/metrics")
    assert status == 200
    samples, kinds = parse(text)

    assert value(samples, "hallq_waiting_tickets", service="social") == 2
    assert value(samples, "hallq_longest_wait_seconds", service="social") == 300
    # Two ahead at 6 minutes each over the one open window.
    assert value(samples, "hallq_estimated_wait_seconds", service="social") == 720
    assert value(samples, "hallq_estimated_wait_seconds", service="company") == 0
    assert value(samples, "hallq_tickets_issued_today", service="social") == 3
    assert kinds["hallq_wait_seconds"] == "histogram"
    assert value(samples, "hallq_wait_seconds_bucket", service="social", le="60.0") == 0
    assert value(samples, "hallq_wait_seconds_bucket", service="social", le="300.0") == 1
    assert value(samples, "hallq_wait_seconds_sum", service="social") == 240
    assert value(samples, "hallq_wait_seconds_count", service="social") == 1
    assert value(samples, "hallq_wait_seconds_count", service="estate") == 0
    assert value(samples, "hallq_tickets_called_today", service="social", window="1") == 1
    assert value(samples, "hallq_windows", state="calling") == 1
    assert value(samples, "hallq_windows", state="closed") == 2
    assert value(samples, "hallq_calls_total") == 1
    assert value(samples, "hallq_stream_clients") == 1
    assert value(samples, "hallq_devices", role="kiosk") == 1
    assert value(samples, "hallq_device_healthy", device="device:kiosk-1", component="printer") == 0
    last_seq = hall.server.service.last_seq
    assert value(samples, "hallq_journal_seq") == last_seq
    assert value(samples, "hallq_journal_commit_seconds_count") == last_seq
    assert value(samples, "hallq_journal_commit_seconds_bucket", le="+Inf") == last_seq
    assert value(samples, "hallq_journal_commit_seconds_sum") > 0
    open_alerts = collections.Counter(
        a.kind for a in hall.server.service.hall.book.alerts.values() if a.acknowledged_at is None
    )
    exposed = {
        dict(labels)["kind"]: n
        for (name, labels), n in samples.items()
        if name == "hallq_alerts_open"
    }
    assert exposed == dict(open_alerts)
    assert exposed["device_fault"] == 1
    assert value(samples, "hallq_uptime_seconds") >= 0
    build = [labels for (name, labels), _ in samples.items() if name == "hallq_build_info"]
    assert len(build) == 1 and dict(build[0])["version"]
    for number in numbers:
        assert number not in text
    for ticket_id in hall.server.service.hall.tickets:
        assert ticket_id not in text


async def test_the_longest_wait_is_the_one_the_manager_and_the_alerts_see(
    start_hall: Callable[..., Awaitable[RunningHall]], clock: FakeClock
) -> None:
    # A ticket transferred to another service after 20 minutes waits in that line from then
    # on: 实时大厅 and the wait alerts count from the transfer, and so must a dashboard.
    hall = await start_hall(small_hall(open_all_hours=True), clock=clock)
    kiosk = await hall.device("kiosk-1", "kiosk")
    manager = await hall.person("li", "manager")
    clerk = await hall.clerk_at("1", "wang")
    status, _ = await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    assert status == 201
    clock.advance(minutes=20)
    for action, body in (("call-next", None), ("transfer", {"service": "estate"})):
        status, answer = await hall.call("POST", f"/api/v1/windows/1/{action}", clerk, body)
        assert status == 200, answer
    clock.advance(minutes=1)
    status, today = await hall.call("GET", "/api/v1/hall/today", manager)
    assert status == 200
    status, text = await hall.call("GET", "/metrics")
    assert status == 200
    samples, _ = parse(text)

    assert today["longest_wait"] == {"estate": 1.0}
    assert value(samples, "hallq_longest_wait_seconds", service="estate") == 60


async def test_a_device_back_to_ok_is_healthy(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    for condition in ("paper_low", "ok"):
        report = {"component": "printer", "condition": condition}
        assert (await hall.call("POST", "/api/v1/devices/self/status", kiosk, report))[0] == 200
    samples, _ = parse((await hall.call("GET", "/metrics"))[1])
    assert value(samples, "hallq_device_healthy", device="device:kiosk-1", component="printer") == 1


@pytest.mark.parametrize(
    ("setting", "status"),
    [
        (None, 200),
        ("127.0.0.0/8", 200),
        ("10.0.0.0/8, 192.168.0.0/16", 403),
        ("10.0.0.0/8,127.0.0.1", 200),
        ("not-a-network", 403),
    ],
)
async def test_the_allow_list_decides_who_reads(
    start_hall: Callable[..., Awaitable[RunningHall]],
    monkeypatch: pytest.MonkeyPatch,
    setting: str | None,
    status: int,
) -> None:
    if setting is not None:
        monkeypatch.setenv("HALLQ_METRICS_ALLOW", setting)
    hall = await start_hall()
    answer_status, answer = await hall.call("GET", "/metrics")
    assert answer_status == status
    if status == 403:
        assert answer["error"]["code"] == "forbidden"


def test_addresses_outside_every_network_are_refused() -> None:
    assert may_read("::1", "::1/128")
    assert not may_read("::1", "127.0.0.0/8")
    assert not may_read("10.1.2.3", "10.1.3.0/24")
    assert may_read("::ffff:10.1.2.3", "10.1.2.0/24")
    assert not may_read(None, "10.0.0.0/8")
    assert not may_read("unix-socket", "10.0.0.0/8")
    assert may_read(None, None)
