"""The default clock and the one timestamp format used in state files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

WallClock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time in UTC (the default clock; tests inject their own)."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 UTC with microseconds, e.g. '2026-11-24T05:15:00.000000Z'."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
