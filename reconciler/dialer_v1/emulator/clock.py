"""Clocks: every time-based behaviour of the emulator reads one, so tests control time."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Protocol


class EmulatorClock(Protocol):
    """A source of the current time in seconds since the epoch."""

    def now(self) -> float: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        """Seconds since the epoch, now."""
        return time.time()


class ManualClock:
    """A clock that only moves when told to (tests): no sleeping, no flakiness."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """The current manual time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` (never backwards)."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds


def iso(timestamp: float) -> str:
    """ISO 8601 UTC with milliseconds, e.g. '2026-11-23T10:00:00.000Z'."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    """Seconds since the epoch for an ISO 8601 time; a time without offset is UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
