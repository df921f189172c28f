"""Reports on the wire, for supervisors: JSON for pages, CSV and xlsx files for Excel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from queue_server import reports as r
from queue_server.domain.hall import HallConfig
from queue_server.web import requests as rq
from queue_server.web.auth import SUPERVISORS, require_principal, require_role
from queue_server.web.context import Context, context
from queue_server.web.replies import reply

routes = web.RouteTableDef()

Answer = Callable[[web.Request, str], Awaitable[web.Response]]
Handler = Callable[[web.Request], Awaitable[web.Response]]

REPORTS = "/api/v1/reports"
LOAD = "/api/v1/reports/load"
ASSESSMENT = "/api/v1/reports/assessment"
ALL = "all"  # by=all: every grouping, one sheet each (xlsx only)
_LONGEST_QUERY = 40


async def _supervisor(request: web.Request) -> tuple[Context, HallConfig, dt.datetime]:
    """The context, the hall's config and now in the hall's time zone, for a supervisor."""
    ctx = context(request)
    principal = await require_principal(request, ctx.accounts)
    require_role(principal, SUPERVISORS)
    # Only the config is taken under the lock; the journal is read outside it, so a month's
    # report never holds up the hall's writer (each journal commit is read whole or not).
    async with ctx.service.consistent() as hall:
        config, tz = hall.config, hall.tz
    return ctx, config, ctx.service.clock().astimezone(tz)


def _check_names(request: web.Request, allowed: tuple[str, ...]) -> None:
    """Each of the report's parameters at most once, and no other: `?from=2026-11-01` on
    the period report, or a second `date`, would otherwise give another report than asked
    for without a word."""
    for name in request.query:
        if name not in allowed:
            short = name.isprintable() and len(name) <= _LONGEST_QUERY
            shown = name if short else repr(name[:_LONGEST_QUERY])
            raise rq.InvalidRequest(shown, f"unknown parameter; use {', '.join(allowed)}")
        if len(request.query.getall(name)) > 1:
            raise rq.InvalidRequest(name, "given more than once")


def _query(request: web.Request, name: str, default: str) -> str:
    value = request.query.get(name, default)
    if len(value) > _LONGEST_QUERY:
        raise rq.InvalidRequest(name, "too long")
    return value


def _invalid(exc: r.ReportError) -> rq.InvalidRequest:
    return rq.InvalidRequest(exc.field, exc.message)


def _file(body: bytes, media: str, name: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=media,
        charset="utf-8" if media == "text/csv" else None,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _tables(tables: Sequence[r.Table], fmt: str, name: str) -> web.Response:
    if fmt == "csv":
        (table,) = tables
        return _file(r.table_csv(table).encode("utf-8"), "text/csv", f"{name}.csv")
    return _file(r.tables_xlsx(tables), r.XLSX_TYPE, f"{name}.xlsx")


# -- the period report: by service, window, clerk or hour ---------------------------------------


async def _report(request: web.Request, fmt: str) -> web.Response:
    ctx, config, now = await _supervisor(request)
    _check_names(request, ("period", "date", "by"))
    by = _query(request, "by", r.By.SERVICE.value)
    try:
        day = r.parse_date(_query(request, "date", now.date().isoformat()))
        period = r.period_of(_query(request, "period", r.PeriodKind.DAY.value), day)
        every = by == ALL and fmt == "xlsx"
        chosen = None if every else r.parse_by(by)
    except r.ReportError as exc:
        raise _invalid(exc) from None
    if chosen is None:
        found = await r.period_reports(ctx.journal, config, period, now=now)
    else:
        found = [await r.period_report(ctx.journal, config, period, chosen, now=now)]
    if fmt == "json":
        return reply(found[0].to_dict())
    return _tables([r.report_table(x) for x in found], fmt, f"report-{period.label}-{by}")


# -- the hourly load of a day ---------------------------------------------------------------------


async def _load(request: web.Request, fmt: str) -> web.Response:
    ctx, config, now = await _supervisor(request)
    _check_names(request, ("date",))
    try:
        day = r.parse_date(_query(request, "date", now.date().isoformat()))
    except r.ReportError as exc:
        raise _invalid(exc) from None
    found = await r.day_load(ctx.journal, config, day, now=now)
    if fmt == "json":
        return reply(found.to_dict())
    return _tables([r.load_table(found)], fmt, f"load-{day.isoformat()}")


# -- the monthly clerk assessment sheet ---------------------------------------------------------


async def _assessment(request: web.Request, fmt: str) -> web.Response:
    ctx, config, now = await _supervisor(request)
    _check_names(request, ("month",))
    try:
        month = r.parse_month(_query(request, "month", now.strftime("%Y-%m")))
    except r.ReportError as exc:
        raise _invalid(exc) from None
    found = await r.month_assessment(ctx.journal, config, month, now=now)
    if fmt == "json":
        return reply(found.to_dict())
    return _tables([r.assessment_table(found)], fmt, f"assessment-{month.label}")


def _handler(answer: Answer, fmt: str) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        return await answer(request, fmt)

    return handle


# Each report as JSON at its path, and the same table as a file at path.csv and path.xlsx.
for _path, _answer in ((REPORTS, _report), (LOAD, _load), (ASSESSMENT, _assessment)):
    for _suffix, _fmt in (("", "json"), (".csv", "csv"), (".xlsx", "xlsx")):
        routes.get(_path + _suffix)(_handler(_answer, _fmt))
