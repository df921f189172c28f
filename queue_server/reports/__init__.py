"""Hall reports read from the journal: per period and grouping, hourly load, clerk assessment."""

from queue_server.reports.assessment import AssessmentSheet, ClerkAssessment, assessment_sheet
from queue_server.reports.errors import ReportError
from queue_server.reports.export import (
    XLSX_TYPE,
    Table,
    assessment_table,
    csv_cell,
    load_table,
    report_table,
    table_csv,
    tables_xlsx,
)
from queue_server.reports.facts import Facts, walk
from queue_server.reports.hall import day_load, month_assessment, period_report, period_reports
from queue_server.reports.load import HourlyLoad, LoadRow, hourly_load
from queue_server.reports.periods import Period, PeriodKind, parse_date, parse_month, period_of
from queue_server.reports.reader import read_facts
from queue_server.reports.report import By, Report, ReportRow, build_report, parse_by
from queue_server.reports.tally import RatingCounts

__all__ = [
    "XLSX_TYPE",
    "AssessmentSheet",
    "By",
    "ClerkAssessment",
    "Facts",
    "HourlyLoad",
    "LoadRow",
    "Period",
    "PeriodKind",
    "RatingCounts",
    "Report",
    "ReportError",
    "ReportRow",
    "Table",
    "assessment_sheet",
    "assessment_table",
    "build_report",
    "csv_cell",
    "day_load",
    "hourly_load",
    "load_table",
    "month_assessment",
    "parse_by",
    "parse_date",
    "parse_month",
    "period_of",
    "period_report",
    "period_reports",
    "read_facts",
    "report_table",
    "table_csv",
    "tables_xlsx",
    "walk",
]
