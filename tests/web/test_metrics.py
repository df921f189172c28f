"""GET /metrics speaks Prometheus text and counts what the hall does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from helpers import RunningHall


async def test_metrics_follow_the_hall(start_hall: Callable[..., Awaitable[RunningHall]]) -> None:
    hall = await start_hall()
    kiosk = await hall.device("kiosk-1", "kiosk")
    station = await hall.device("station-1", "station", window="1")
    for _ in range(3):
        await hall.call("POST", "/api/v1/tickets", kiosk, {"service": "social"})
    await hall.call("POST", "/api/v1/windows/1/open", station)
    await hall.call("POST", "/api/v1/windows/1/call-next", station)
    async with hall.http.ws_connect(f"{hall.url}/ws"):
        status, text = await hall.call("GET", "/metrics")
    assert status == 200
    samples = dict(
        line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    assert samples['hallq_waiting_tickets{service="social"}'] == "2"
    assert samples['hallq_tickets_issued_today{service="social"}'] == "3"
    assert samples['hallq_windows{state="calling"}'] == "1"
    assert samples["hallq_calls_total"] == "1"
    assert samples["hallq_stream_clients"] == "1"
    assert samples['hallq_devices{role="kiosk"}'] == "1"
    assert samples["hallq_journal_seq"] == "5"
    assert samples["hallq_journal_commit_seconds_count"] == "5"
    assert samples['hallq_journal_commit_seconds_bucket{le="+Inf"}'] == "5"
