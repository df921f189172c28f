"""Operations of the reports: per period and grouping, the hourly load, the clerk sheet."""

from __future__ import annotations

from collections.abc import Mapping

from queue_server.reports import By, PeriodKind
from queue_server.reports.export import XLSX_TYPE
from queue_server.web.auth import SUPERVISORS
from queue_server.web.openapi.operations import Op
from queue_server.web.openapi.schema import Json, _ref
from queue_server.web.reports import ALL, ASSESSMENT, LOAD, REPORTS

_DATE: Json = {
    "name": "date",
    "in": "query",
    "description": "A day of the period, YYYY-MM-DD (default: today in the hall).",
    "schema": {"type": "string", "format": "date"},
}
_PERIOD: Json = {
    "name": "period",
    "in": "query",
    "description": "The day, ISO week (Monday to Sunday) or month holding `date`.",
    "schema": {"type": "string", "enum": [k.value for k in PeriodKind], "default": "day"},
}
_MONTH: Json = {
    "name": "month",
    "in": "query",
    "description": "YYYY-MM (default: this month).",
    "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
}


def _by(*, every: bool = False) -> Json:
    values = [*(b.value for b in By), *([ALL] if every else [])]
    about = "; `all`: one sheet per grouping" if every else ""
    return {
        "name": "by",
        "in": "query",
        "description": f"What a row is about{about}.",
        "schema": {"type": "string", "enum": values, "default": "service"},
    }


def _ops(
    path: str, summary: str, about: str, answer: str, *parameters: Json
) -> dict[tuple[str, str], Op]:
    """The JSON answer and its CSV and xlsx files (the same rows) at `path`."""
    files = "Attachment (Content-Disposition), the rows of the JSON answer with Chinese headers"
    every = tuple(_by(every=True) if p.get("name") == "by" else p for p in parameters)
    return {
        ("get", path): Op(
            summary,
            about,
            tag="reports",
            roles=SUPERVISORS,
            answer=_ref(answer),
            parameters=parameters,
            extension=True,
        ),
        ("get", path + ".csv"): Op(
            f"{summary} (CSV)",
            f"{files}, UTF-8 with a BOM for Excel; text Excel would take for a number or a "
            'date written as ="007", text that would start a formula after a \' '
            "(docs/reports.md).",
            tag="reports",
            roles=SUPERVISORS,
            media="text/csv",
            answer={"type": "string"},
            parameters=parameters,
            extension=True,
        ),
        ("get", path + ".xlsx"): Op(
            f"{summary} (Excel)",
            f"{files}: one sheet per table, a bold header row, numbers as numbers.",
            tag="reports",
            roles=SUPERVISORS,
            media=XLSX_TYPE,
            answer={"type": "string", "format": "binary"},
            parameters=every,
            extension=True,
        ),
    }


REPORT_OPERATIONS: Mapping[tuple[str, str], Op] = {
    **_ops(
        REPORTS,
        "Report of a day, week or month",
        "Tickets issued, called, served, missed, held and transferred; waiting (issue to first "
        "call: mean, p90, max) and handling minutes; pause minutes; ratings by level with 好评 "
        "and 差评 (struck ones left out, defaults and 追评 counted apart); per service, window, "
        "clerk or hour, and the total. A running period counts up to now.",
        "Report",
        _PERIOD,
        _DATE,
        _by(),
    ),
    **_ops(
        LOAD,
        "Hourly load of a day",
        "Per clock hour: tickets issued and services finished against the mean number of "
        "windows open (and open, not paused).",
        "HourlyLoad",
        _DATE,
    ),
    **_ops(
        ASSESSMENT,
        "Monthly clerk assessment sheet (月度考核)",
        "Per clerk: days present (a sign-in) against the working days of the hall's calendar "
        "gone so far since the hall's first day, services, missed calls, mean handling, pause "
        "minutes, ratings and 好评率.",
        "AssessmentSheet",
        _MONTH,
    ),
}
