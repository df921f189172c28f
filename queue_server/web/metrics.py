"""GET /metrics: the hall and the server in Prometheus text format.

Labels carry only service, window, device and component ids, states and kinds: never a
ticket number, a ticket id or a person. `HALLQ_METRICS_ALLOW` (comma-separated networks,
e.g. "127.0.0.0/8,10.20.0.0/16") limits who may read it; unset, anyone who reaches the port may.
"""

from __future__ import annotations

import collections
import functools
import ipaddress
import math
import os
import platform
import time
from collections.abc import Iterable, Sequence
from importlib import metadata

from aiohttp import web

from queue_server.domain.state import Hall
from queue_server.web.auth import Forbidden
from queue_server.web.context import Context, context

routes = web.RouteTableDef()

ALLOW_ENV = "HALLQ_METRICS_ALLOW"
# Waits from issue to call, in seconds: one minute up to an hour and a half.
WAIT_BUCKETS = (60.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0, 5400.0)
STARTED_AT = time.time()  # when this server process loaded; uptime is now minus this
WINDOW_STATES = ("closed", "idle", "calling", "serving", "paused")


def _version() -> str:
    try:
        return metadata.version("hallq")
    except metadata.PackageNotFoundError:
        return "unknown"


VERSION = _version()


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


@functools.lru_cache(maxsize=4)
def allowed_networks(setting: str | None) -> Networks | None:
    """The networks of the setting, or None when it is unset (everyone may read).

    Raises ValueError naming the part that is not a network.
    """
    if setting is None or not setting.strip():
        return None
    networks = []
    for part in filter(None, (p.strip() for p in setting.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{ALLOW_ENV}: {part!r} is not a network such as 10.0.0.0/8") from None
    return tuple(networks)


def may_read(remote: str | None, setting: str | None) -> bool:
    """Whether a client at `remote` may read the metrics; a bad setting lets nobody in."""
    try:
        networks = allowed_networks(setting)
    except ValueError:
        return False
    if networks is None:
        return True
    if remote is None:
        return False
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:  # a Unix socket or a proxy's odd value: not on any allowed network
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # an IPv4 client of a dual-stack socket
    return any(address in network for network in networks)


class Exposition:
    """Metric families written one after another in the text exposition format."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, value: float, **labels: str) -> None:
        if labels:
            inner = ",".join(f'{key}="{_escape(text)}"' for key, text in labels.items())
            name = f"{name}{{{inner}}}"
        self.lines.append(f"{name} {_number(value)}")

    def histogram(
        self, name: str, cumulative: Iterable[tuple[float, int]], total: float, **labels: str
    ) -> None:
        count = 0
        for bound, count in cumulative:
            le = "+Inf" if bound == math.inf else repr(bound)
            self.sample(f"{name}_bucket", count, **labels, le=le)
        self.sample(f"{name}_sum", total, **labels)
        self.sample(f"{name}_count", count, **labels)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else repr(round(value, 6))


def _cumulative(values: Sequence[float], bounds: Sequence[float]) -> list[tuple[float, int]]:
    return [(b, sum(1 for v in values if v <= b)) for b in (*bounds, math.inf)]


def _queues(out: Exposition, hall: Hall, now_seconds: float) -> None:
    services = [s.id for s in hall.config.services]
    eta = hall.new_ticket_etas()
    longest: dict[str, float] = collections.defaultdict(float)
    for t in hall.waiting_tickets():
        # In the line it waits in now, as 实时大厅 and the wait alerts count it: a ticket
        # transferred, sent on to its route's next step or missed and put back waits anew.
        wait = now_seconds - t.in_line_since.timestamp()
        longest[t.service] = max(longest[t.service], wait)
    per_service = (
        ("hallq_waiting_tickets", "Tickets waiting, by service.", hall.waiting_count),
        ("hallq_longest_wait_seconds", "Longest current wait, by service.", longest.__getitem__),
        (
            "hallq_estimated_wait_seconds",
            "Expected wait of a ticket issued now, by service.",
            lambda s: eta[s] * 60,
        ),
        (
            "hallq_tickets_issued_today",
            "Tickets issued today, by service.",
            lambda s: hall.issued_today.get(s, 0),
        ),
    )
    for name, help_text, value in per_service:
        out.family(name, "gauge", help_text)
        for service in services:
            out.sample(name, round(value(service)), service=service)


def _calls_today(out: Exposition, hall: Hall) -> None:
    """Tickets of today called so far: their waits by service, and who called them."""
    called = [t for t in hall.tickets.values() if t.day == hall.day and t.called_at is not None]
    waits: dict[str, list[float]] = {s.id: [] for s in hall.config.services}
    by_window: collections.Counter[tuple[str, str]] = collections.Counter()
    for t in called:
        assert t.called_at is not None
        waits.setdefault(t.service, []).append((t.called_at - t.issued_at).total_seconds())
        by_window[(t.service, t.window or "")] += 1
    name = "hallq_wait_seconds"
    out.family(name, "histogram", "Wait from issue to the latest call of today's called tickets.")
    for service, values in waits.items():
        out.histogram(name, _cumulative(values, WAIT_BUCKETS), sum(values), service=service)
    out.family(
        "hallq_tickets_called_today", "gauge", "Today's called tickets, by service and window."
    )
    for (service, window), count in sorted(by_window.items()):
        out.sample("hallq_tickets_called_today", count, service=service, window=window)


def _hall_records(out: Exposition, hall: Hall) -> None:
    out.family("hallq_windows", "gauge", "Windows by state.")
    states = collections.Counter(str(w.state) for w in hall.windows.values())
    for state in WINDOW_STATES:
        out.sample("hallq_windows", states[state], state=state)
    out.family("hallq_device_healthy", "gauge", "1 when a device part last reported ok, else 0.")
    for (device, component), health in sorted(hall.devices.items()):
        out.sample("hallq_device_healthy", int(health.healthy), device=device, component=component)
    out.family("hallq_alerts_open", "gauge", "Alerts not yet acknowledged, by kind.")
    kinds = collections.Counter(
        a.kind for a in hall.book.alerts.values() if a.acknowledged_at is None
    )
    for kind, count in sorted(kinds.items()):
        out.sample("hallq_alerts_open", count, kind=kind)


async def _server(out: Exposition, ctx: Context) -> None:
    out.family("hallq_calls_total", "counter", "Tickets called (and called back) since start.")
    out.sample("hallq_calls_total", ctx.service.calls)
    out.family("hallq_devices", "gauge", "Registered, unrevoked devices by role.")
    devices = collections.Counter(
        str(d.role) for d in await ctx.accounts.list_devices() if d.revoked_at is None
    )
    for role, count in sorted(devices.items()):
        out.sample("hallq_devices", count, role=role)
    out.family("hallq_stream_clients", "gauge", "Event stream clients connected.")
    out.sample("hallq_stream_clients", ctx.hub.clients)
    out.family(
        "hallq_stream_cut_offs_total",
        "counter",
        "Stream clients cut off: too slow, or gone mid-send.",
    )
    out.sample("hallq_stream_cut_offs_total", ctx.hub.cut_offs)
    out.family("hallq_journal_seq", "gauge", "Position of the newest journalled change.")
    out.sample("hallq_journal_seq", ctx.service.last_seq)
    times = ctx.journal.commit_seconds
    out.family(
        "hallq_journal_commit_seconds",
        "histogram",
        "Journal write time of a batch, its commit and fsync included.",
    )
    out.histogram("hallq_journal_commit_seconds", times.cumulative(), times.total)
    out.family("hallq_start_time_seconds", "gauge", "When the server process started (Unix time).")
    out.sample("hallq_start_time_seconds", STARTED_AT)
    out.family("hallq_uptime_seconds", "gauge", "Seconds since the server process started.")
    out.sample("hallq_uptime_seconds", time.time() - STARTED_AT)
    out.family("hallq_build_info", "gauge", "The hallq version and Python running this server.")
    out.sample("hallq_build_info", 1, version=VERSION, python=platform.python_version())


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    if not may_read(request.remote, os.environ.get(ALLOW_ENV)):
        raise Forbidden(f"metrics are open only to the networks in {ALLOW_ENV}")
    ctx = context(request)
    out = Exposition()
    now = ctx.service.clock().timestamp()
    async with ctx.service.consistent() as hall:
        _queues(out, hall, now)
        _calls_today(out, hall)
        _hall_records(out, hall)
    await _server(out, ctx)
    return web.Response(text=out.text(), content_type="text/plain", charset="utf-8")
