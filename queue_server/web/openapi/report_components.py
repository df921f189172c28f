"""The answer schemas of the reports: a period's report, the hourly load, the clerk sheet."""

from __future__ import annotations

from queue_server.reports import By, PeriodKind
from queue_server.web.openapi.schema import (
    Json,
    _array,
    _enum,
    _map,
    _nullable,
    _object,
    _ref,
    _string,
)

_COUNT = {"type": "integer", "minimum": 0}
_MAYBE_COUNT = {"type": ["integer", "null"], "minimum": 0}
_MINUTES = {"type": ["number", "null"], "minimum": 0}
_RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
_ISSUED_BY_STATE = _nullable(
    _object(
        {
            "done": {**_COUNT, "description": "Finished at the last step of their route."},
            "no_show": {**_COUNT, "description": "Missed and not put back in the queue."},
            "cancelled": {**_COUNT, "description": "Voided (作废)."},
            "abandoned": {**_COUNT, "description": "Closed out at a clearing (清号)."},
            "open": {**_COUNT, "description": "Waiting, called, being served or held."},
        },
        description=(
            "The tickets issued, by their state at the end of the period (or now): they add"
            " up to `issued`. Null by window and by clerk."
        ),
    )
)
_RATINGS = {
    "ratings": _COUNT,
    "levels": _map(_COUNT),
    "good": _COUNT,
    "bad": _COUNT,
    "default": _COUNT,
    "follow_ups": _COUNT,
    "good_rate": _RATE,
}


def report_schemas() -> dict[str, Json]:
    return {
        "ReportPeriod": _object(
            {
                "kind": _enum(PeriodKind),
                "label": _string(description="2026-11-23, 2026-W48 or 2026-11."),
                "first": _string(format="date"),
                "last": _string(format="date"),
            },
            description="The local days a report covers, both included.",
        ),
        "ReportRow": _object(
            {
                "key": _string(description="Service or window id, user name, or hour (09)."),
                "label": _string(),
                "issued": {
                    **_MAYBE_COUNT,
                    "description": "Tickets issued; null by window and by clerk.",
                },
                "issued_by_state": _ISSUED_BY_STATE,
                "called": {**_COUNT, "description": "Tickets called for the first time."},
                "served": {**_COUNT, "description": "Services finished."},
                "missed": _COUNT,
                "held": _COUNT,
                "transferred": _COUNT,
                "wait_minutes": _object({"mean": _MINUTES, "p90": _MINUTES, "max": _MINUTES}),
                "handling_minutes": _object({"mean": _MINUTES}),
                "pause_minutes": {**_MINUTES, "description": "Null by service."},
                **_RATINGS,
            },
            description="One group's figures; see docs/reports.md for each definition.",
        ),
        "Report": _object(
            {
                "period": _ref("ReportPeriod"),
                "by": _enum(By),
                "rows": _array(_ref("ReportRow")),
                "total": _ref("ReportRow"),
            }
        ),
        "HourlyLoad": _object(
            {
                "period": _ref("ReportPeriod"),
                "rows": _array(
                    _object(
                        {
                            "hour": {"type": "integer", "minimum": 0, "maximum": 23},
                            "label": _string(),
                            "issued": _COUNT,
                            "served": _COUNT,
                            "open_windows": {"type": "number", "minimum": 0},
                            "serving_windows": {"type": "number"},
                            "issued_per_window": _MINUTES,
                        }
                    )
                ),
            },
            description="Per clock hour: tickets issued against the mean windows open.",
        ),
        "AssessmentSheet": _object(
            {
                "period": _ref("ReportPeriod"),
                "rows": _array(
                    _object(
                        {
                            "clerk": _string(),
                            "name": _string(nullable=True),
                            "staff_no": _string(nullable=True),
                            "days_present": _COUNT,
                            "working_days": _MAYBE_COUNT,
                            "attendance_rate": _RATE,
                            "served": _COUNT,
                            "missed": _COUNT,
                            "handling_minutes": _object({"mean": _MINUTES}),
                            "pause_minutes": {"type": "number", "minimum": 0},
                            **_RATINGS,
                        }
                    )
                ),
            },
            description="The monthly clerk assessment sheet (月度考核).",
        ),
    }
