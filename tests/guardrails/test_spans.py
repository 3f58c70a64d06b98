"""Minute masks of a day: the shortcut for days without a clock change agrees with the walk."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reconciler.guardrails.cron import CronSchedule
from reconciler.guardrails.spans import DailySpan, ScheduleSpan, walked_mask
from tests.guardrails.oracle import calling_interval, offset_changes

ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Pacific/Chatham")
SCHEDULES = (
    ("0 12 * * *", timedelta(hours=1)),
    ("*/15 * * * *", timedelta(minutes=5)),
    ("30 1 * * mon-fri", timedelta(hours=2)),
    ("45 2 * * *", timedelta(minutes=30)),
    ("0 22 * * *", timedelta(hours=24)),
)


def days_around_changes(zone: str) -> list[datetime]:
    """Every UTC midnight from four days before to four after each 2024 clock change."""
    days = []
    for change in offset_changes(zone, 2024):
        midnight = change.replace(hour=0, minute=0)
        days += [midnight + timedelta(days=d) for d in range(-4, 5)]
    return days


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("text", "length"), SCHEDULES)
def test_schedule_masks_match_the_walk_near_clock_changes(
    zone: str, text: str, length: timedelta
) -> None:
    span = ScheduleSpan(CronSchedule.parse(text), length, ZoneInfo(zone))
    for day in days_around_changes(zone):
        assert span.day_mask(day) == walked_mask(span, day), day


@pytest.mark.parametrize("zone", ZONES)
def test_calling_hours_masks_hold_each_minute_of_the_intervals(zone: str) -> None:
    tz = ZoneInfo(zone)
    span = DailySpan(150, 20 * 60, tz)  # 02:30-20:00: starts in a skipped hour somewhere
    for day in days_around_changes(zone):
        mask = span.day_mask(day)
        assert mask is not None
        local = day.astimezone(tz).date()
        intervals = [calling_interval(150, 1200, local + timedelta(days=d), tz) for d in (-1, 0, 1)]
        for minute in range(0, 24 * 60, 7):
            at = day + timedelta(minutes=minute)
            expected = any(low <= at < high for low, high in intervals)
            assert bool(mask >> minute & 1) == expected, at
