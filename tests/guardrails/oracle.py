"""A slow, obviously right judge of change windows: it walks whole UTC minutes.

It shares only the parsed cron fields with the code under test (the parser has its own
tests). A start is a whole UTC minute whose wall time matches and that zoneinfo marks as the
first pass (fold 0); a skipped wall time is never shown by any instant, so it never starts.
The first instant at or after a wall time is found by walking minutes between the two
offsets the zone has around it, not by the bisection the code uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from reconciler.guardrails import ChangeWindow
from reconciler.guardrails.cron import CronSchedule

UTC = timezone.utc
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Hours:
    """Calling hours as a campaign has them."""

    start: str
    end: str


def floor_minute(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0)


def starts_at(schedule: CronSchedule, instant: datetime, zone: ZoneInfo) -> bool:
    """Whether `instant` (a whole UTC minute) is a start of `schedule` in `zone`."""
    local = instant.astimezone(zone)
    return (
        local.fold == 0
        and local.minute in schedule.minutes
        and local.hour in schedule.hours
        and schedule.matches(local.date())
    )


def starts_between(
    schedule: CronSchedule, low: datetime, high: datetime, zone: ZoneInfo
) -> list[datetime]:
    """Every start in [low, high)."""
    found = []
    instant = floor_minute(low)
    if instant < low:
        instant += MINUTE
    while instant < high:
        if starts_at(schedule, instant, zone):
            found.append(instant)
        instant += MINUTE
    return found


def first_from(local: datetime, zone: ZoneInfo) -> datetime:
    """The first instant whose wall time is `local` or later, by walking minutes."""
    as_utc = local.replace(tzinfo=UTC)
    offsets = [
        (as_utc + shift).astimezone(zone).utcoffset() or timedelta(0)
        for shift in (-2 * DAY, -DAY, timedelta(0), DAY, 2 * DAY)
    ]
    instant = as_utc - max(offsets) - MINUTE
    while instant.astimezone(zone).replace(tzinfo=None) < local:
        instant += MINUTE
    return instant


@lru_cache(maxsize=100_000)
def calling_interval(start: int, end: int, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    midnight = datetime.combine(day, time())
    return (
        first_from(midnight + MINUTE * start, zone),
        first_from(midnight + MINUTE * end, zone),
    )


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def covers(window: ChangeWindow, instant: datetime, zone: ZoneInfo, hours: Hours | None) -> bool:
    """Whether one of `window`'s intervals holds `instant`."""
    if window.during is not None:
        assert hours is not None
        start, end = minutes(hours.start), minutes(hours.end)
        today = instant.astimezone(zone).date()
        return any(
            low <= instant < high
            for day in (today - DAY, today, today + DAY)
            for low, high in [calling_interval(start, end, day, zone)]
        )
    assert window.cron is not None
    window_zone = zone if window.time_zone == "campaign" else ZoneInfo(window.time_zone)
    # A start s covers the instant when instant - length < s <= instant.
    candidate = floor_minute(instant)
    while candidate > instant - window.length:
        if starts_at(window.cron, candidate, window_zone):
            return True
        candidate -= MINUTE
    return False


def is_open(
    windows: Sequence[ChangeWindow], instant: datetime, zone: ZoneInfo, hours: Hours | None
) -> bool:
    """The rules of issue 14, applied literally."""
    if any(w.kind == "deny" and covers(w, instant, zone, hours) for w in windows):
        return False
    allows = [w for w in windows if w.kind == "allow"]
    return not allows or any(covers(w, instant, zone, hours) for w in allows)


@lru_cache(maxsize=256)
def offset_changes(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The instants in `year` where the zone's offset changes (to the minute)."""
    zone = ZoneInfo(zone_name)
    found = []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=1)
    before = instant.astimezone(zone).utcoffset()
    while instant < end:
        after = (instant + step).astimezone(zone).utcoffset()
        if after != before:
            probe = instant
            while probe.astimezone(zone).utcoffset() == before:
                probe += MINUTE
            found.append(probe)
            before = after
        instant += step
    return tuple(found)
