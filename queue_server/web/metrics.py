"""GET /metrics: the hall and the server in Prometheus text format."""

from __future__ import annotations

import collections

from aiohttp import web

from queue_server.web.context import context

routes = web.RouteTableDef()


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    ctx = context(request)
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")

    now = ctx.service.clock()
    async with ctx.service.consistent() as hall:
        longest: dict[str, float] = collections.defaultdict(float)
        for t in hall.waiting_tickets():
            longest[t.service] = max(longest[t.service], (now - t.issued_at).total_seconds())
        per_service = (
            ("hallq_waiting_tickets", "Tickets waiting, by service.", hall.waiting_count),
            (
                "hallq_longest_wait_seconds",
                "Longest current wait, by service.",
                lambda s: round(longest[s]),
            ),
            (
                "hallq_tickets_issued_today",
                "Tickets issued today, by service.",
                lambda s: hall.issued_today.get(s, 0),
            ),
        )
        for name, help_text, value in per_service:
            metric(name, "gauge", help_text)
            for service in hall.config.services:
                lines.append(f'{name}{{service="{_escape(service.id)}"}} {value(service.id)}')
        metric("hallq_windows", "gauge", "Windows by state.")
        states = collections.Counter(str(w.state) for w in hall.windows.values())
        for state in ("closed", "idle", "calling", "serving", "paused"):
            lines.append(f'hallq_windows{{state="{state}"}} {states[state]}')
    metric("hallq_calls_total", "counter", "Tickets called (and called back) since start.")
    lines.append(f"hallq_calls_total {ctx.service.calls}")
    metric("hallq_devices", "gauge", "Registered, unrevoked devices by role.")
    devices = collections.Counter(
        str(d.role) for d in await ctx.accounts.list_devices() if d.revoked_at is None
    )
    for role, count in sorted(devices.items()):
        lines.append(f'hallq_devices{{role="{role}"}} {count}')
    metric("hallq_stream_clients", "gauge", "Event stream clients connected.")
    lines.append(f"hallq_stream_clients {ctx.hub.clients}")
    metric("hallq_stream_cut_offs_total", "counter", "Stream clients cut off for being slow.")
    lines.append(f"hallq_stream_cut_offs_total {ctx.hub.cut_offs}")
    metric("hallq_journal_seq", "gauge", "Position of the newest journalled change.")
    lines.append(f"hallq_journal_seq {ctx.service.last_seq}")
    times = ctx.journal.commit_seconds
    metric("hallq_journal_commit_seconds", "histogram", "Journal commit (fsync) time.")
    for bound, count in times.cumulative():
        le = "+Inf" if bound == float("inf") else repr(bound)
        lines.append(f'hallq_journal_commit_seconds_bucket{{le="{le}"}} {count}')
    lines.append(f"hallq_journal_commit_seconds_sum {times.total}")
    lines.append(f"hallq_journal_commit_seconds_count {times.count}")
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain", charset="utf-8")
