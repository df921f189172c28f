"""The reports of one hall: its config names things, its journal says what happened."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from queue_server.domain.hall import HallConfig
from queue_server.reports.assessment import AssessmentSheet, assessment_sheet
from queue_server.reports.facts import Facts
from queue_server.reports.load import HourlyLoad, hourly_load
from queue_server.reports.periods import Period, PeriodKind, period_of
from queue_server.reports.reader import first_day, read_facts
from queue_server.reports.report import By, Report, build_report
from queue_server.store.eventlog import EventLog


async def _facts(
    journal: EventLog, config: HallConfig, period: Period, now: dt.datetime | None
) -> Facts:
    return await read_facts(
        journal,
        period,
        tz=ZoneInfo(config.timezone),
        now=now,
        grace_days=config.ratings.keep_days,
    )


def _labels(config: HallConfig, by: By) -> dict[str, str]:
    if by is By.SERVICE:
        return {s.id: s.name for s in config.services}
    if by is By.WINDOW:
        return {w.id: w.label for w in config.windows}
    return {}


async def period_report(
    journal: EventLog,
    config: HallConfig,
    period: Period,
    by: By | str,
    *,
    now: dt.datetime | None = None,
) -> Report:
    """The report of `period` grouped `by`; a period still running is counted up to `now`."""
    by = By(by)
    facts = await _facts(journal, config, period, now)
    return build_report(facts, period, by, tz=ZoneInfo(config.timezone), labels=_labels(config, by))


async def period_reports(
    journal: EventLog, config: HallConfig, period: Period, *, now: dt.datetime | None = None
) -> list[Report]:
    """The report of `period` under every grouping, from one read of the journal."""
    facts = await _facts(journal, config, period, now)
    tz = ZoneInfo(config.timezone)
    return [build_report(facts, period, by, tz=tz, labels=_labels(config, by)) for by in By]


async def day_load(
    journal: EventLog, config: HallConfig, day: dt.date, *, now: dt.datetime | None = None
) -> HourlyLoad:
    period = period_of(PeriodKind.DAY, day)
    facts = await _facts(journal, config, period, now)
    return hourly_load(facts, period, tz=ZoneInfo(config.timezone))


async def month_assessment(
    journal: EventLog, config: HallConfig, month: Period, *, now: dt.datetime | None = None
) -> AssessmentSheet:
    """The clerk assessment sheet of `month`; working days by the hall's holiday calendar,
    those gone by `now` since the hall's first day; attendance in its opening hours."""
    tz = ZoneInfo(config.timezone)
    facts = await _facts(journal, config, month, now)
    return assessment_sheet(
        facts,
        month,
        tz=tz,
        hours=config.hours,
        is_working_day=config.ratings.calendar.is_working_day,
        hall_since=await first_day(journal, tz),
    )
