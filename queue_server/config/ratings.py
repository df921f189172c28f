"""The hall file's [ratings] and [alerts] sections: 好差评 settings and 效能监察 thresholds."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from queue_server.config.holiday_files import HolidayFileError, load_calendar
from queue_server.config.reader import Table
from queue_server.domain.hall import AlertSettings, RatingSettings, UpstreamSettings
from queue_server.domain.ratings import Level

ADAPTERS = ("provincial",)


def read_ratings(t: Table, base: Path | None) -> RatingSettings:
    """Read [ratings]; `base` is the hall file's folder, for a relative `holidays` folder."""
    d = RatingSettings()
    default_level = t.integer("default_level", d.default_level, 1, 5)
    if default_level <= Level.DISSATISFIED:
        t.problem("default_level", "a default rating is never a 差评: use 3, 4 or 5")
    holidays = t.optional_text("holidays")
    calendar = d.calendar
    try:
        folder = None if holidays is None else (base or Path.cwd()) / holidays
        calendar = load_calendar(folder)
    except HolidayFileError as exc:
        for problem in exc.problems:
            t.problem("holidays", problem)
    settings = RatingSettings(
        key_pad_seconds=t.integer("key_pad_seconds", d.key_pad_seconds, 3, 120),
        touch_pad_seconds=t.integer("touch_pad_seconds", d.touch_pad_seconds, 10, 600),
        phone_days=t.integer("phone_days", d.phone_days, 0, 30),
        default_after_days=t.integer("default_after_days", d.default_after_days, 0, 30),
        default_level=default_level,
        verify_days=t.integer("verify_days", d.verify_days, 0, 30),
        rectify_days=t.integer("rectify_days", d.rectify_days, 0, 60),
        callback_days=t.integer("callback_days", d.callback_days, 0, 30),
        calendar=calendar,
        upstream=_upstream(t.table("upstream")),
    )
    t.close()
    return settings


def _upstream(t: Table) -> UpstreamSettings | None:
    adapter = t.optional_text("adapter")
    if adapter is None:
        t.close()
        return None
    if adapter not in ADAPTERS:
        t.problem("adapter", f"unknown adapter {adapter!r}; use {', '.join(ADAPTERS)}")
    url = t.text("url")
    if url and not url.startswith(("http://", "https://")):
        t.problem("url", "must be an http:// or https:// address")
    settings = UpstreamSettings(
        adapter=adapter,
        url=url,
        token=t.text("token"),
        batch=t.integer("batch", 50, 1, 500),
        timeout=float(t.integer("timeout", 15, 1, 120)),
    )
    t.close()
    return settings


def read_alerts(t: Table, windows: Collection[str]) -> AlertSettings:
    d = AlertSettings()
    yellow = t.integer("wait_yellow_minutes", d.wait_yellow_minutes, 1, 240)
    red = t.integer("wait_red_minutes", d.wait_red_minutes, 1, 480)
    if red <= yellow:
        t.problem("wait_red_minutes", f"must be more than wait_yellow_minutes ({yellow})")
    staffed = tuple(t.strings("staffed"))
    for i, window in enumerate(staffed):
        if window not in windows:
            t.problem(f"staffed[{i}]", f"there is no window {window!r}")
    webhook = t.optional_text("webhook")
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        t.problem("webhook", "must be an http:// or https:// address")
    factor = t.integer("service_factor", int(d.service_factor), 2, 20)
    settings = AlertSettings(
        wait_yellow_minutes=yellow,
        wait_red_minutes=red,
        queue_length=t.integer("queue_length", d.queue_length, 1, 999),
        pause_minutes=t.integer("pause_minutes", d.pause_minutes, 1, 480),
        service_factor=float(factor),
        staffed=staffed,
        webhook=webhook,
    )
    t.close()
    return settings
