"""One change window as instants: which of its intervals cover a time, where they end.

A schedule window is the union of [start, start + length) over its starts; a calling-hours
window the union over local days D of [first instant at D+start, first instant at D+end)
(`first_instant_from`: a skipped boundary is the clock change itself, a repeated one its
first pass, so a fall-back inside the calling hours lengthens that day's interval).

`cover_end` walks chained intervals (the next start falls inside the current one) a run at
a time: within one wall day without an offset change, a precomputed table says where the
run ends, so `* * * * *` for 1m costs a step per day, not per minute.

`day_mask` gives the covered minutes of one UTC day as the bits of an int, for searches
that would otherwise step through many short intervals (allow and deny windows that
alternate minute by minute). Every interval boundary is a whole UTC minute (starts are whole
wall minutes, durations whole minutes, offsets and their changes whole minutes), so a
minute is covered all through or not at all; a span that cannot promise it answers None.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from reconciler.guardrails.cron import CronSchedule
from reconciler.guardrails.localtime import first_instant_from, same_offset, wall

_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)
DAY_MINUTES = 24 * 60
FULL_DAY = (1 << DAY_MINUTES) - 1
_REMEMBERED_DAYS = 2048  # a plan's resources share spans (windows.py caches them): a memo


@dataclass(frozen=True)
class ScheduleSpan:
    """A window `schedule` + `duration`, read in `zone`."""

    schedule: CronSchedule
    length: timedelta
    zone: ZoneInfo
    run_ends: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "run_ends", run_ends(self.schedule.day_minutes, self.length))

    def next_start(self, at: datetime, until: datetime) -> datetime | None:
        """The first start at or after `at` (None after `until`)."""
        return self.schedule.next_fire(at, self.zone, until)

    def cover_end(self, at: datetime, until: datetime) -> datetime | None:
        """None if no interval covers `at`; else the first uncovered instant after it.

        The walk stops once past `until`, returning where it got to.
        """
        fire = self.schedule.prev_fire(at, self.zone, at - self.length)
        if fire is None:
            return None
        end = fire + self.length
        while end <= until:
            later = self.schedule.prev_fire(end, self.zone, end - self.length)
            if later is None:
                return end
            end = self._run_end(later)
        return end

    def day_mask(self, day: datetime) -> int | None:
        """The minutes of the UTC day starting at `day` that an interval covers, as bits."""
        offset = day.astimezone(self.zone).utcoffset() or timedelta(0)
        plain = same_offset(day - 2 * _ONE_DAY, day + 3 * _ONE_DAY, self.zone)
        if not plain or self.length > _ONE_DAY or offset % _ONE_MINUTE:
            return walked_mask(self, day)
        # One offset from two days before to two after: each local day's starts cover the
        # same wall minutes, shifted into this UTC day by the day's distance and the offset.
        mask = 0
        local_day = wall(day, self.zone).date()
        for back in range(-2, 3):
            other = local_day + _ONE_DAY * back
            shift = (datetime.combine(other, time()) - wall(day, self.zone)) // _ONE_MINUTE
            if not self.schedule.matches(other):
                continue
            mask |= (
                self._day_starts_mask << shift if shift >= 0 else self._day_starts_mask >> -shift
            )
        return mask & FULL_DAY

    @cached_property
    def _day_starts_mask(self) -> int:
        """The wall minutes a day's starts cover, counted from that day's midnight."""
        interval = (1 << (self.length // _ONE_MINUTE)) - 1
        mask = 0
        for minute in self.schedule.day_minutes:
            mask |= interval << minute
        return mask

    def _run_end(self, fire: datetime) -> datetime:
        """Where the run of chained starts that `fire` belongs to ends, within its day."""
        plain = fire + self.length
        if self.length >= _ONE_DAY:
            return plain  # long intervals chain a few times a year at most
        local = wall(fire, self.zone)
        minute = local.hour * 60 + local.minute
        reach = self.run_ends[bisect_left(self.schedule.day_minutes, minute)]
        end = fire + _ONE_MINUTE * (reach - minute)
        # Wall minutes are absolute minutes only between two equal offsets.
        return end if same_offset(fire, end, self.zone) else plain


def run_ends(day_minutes: tuple[int, ...], length: timedelta) -> tuple[int, ...]:
    """For each start of a day, the wall minute where its chain of starts ends that day."""
    step = length // _ONE_MINUTE
    ends = [0] * len(day_minutes)
    for i in reversed(range(len(day_minutes))):
        own = day_minutes[i] + step
        chained = i + 1 < len(day_minutes) and day_minutes[i + 1] <= own
        ends[i] = ends[i + 1] if chained else own
    return tuple(ends)


@dataclass(frozen=True)
class DailySpan:
    """The calling hours [start, end) of every local day in `zone` (minutes of the day)."""

    start: int
    end: int  # 1440 for "24:00"
    zone: ZoneInfo
    _days: dict[date, tuple[datetime, datetime]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def interval(self, day: date) -> tuple[datetime, datetime]:
        """Day `day`'s interval as instants."""
        found = self._days.get(day)
        if found is None:
            if len(self._days) >= _REMEMBERED_DAYS:
                self._days.clear()
            midnight = datetime.combine(day, time())
            found = (
                first_instant_from(midnight + _ONE_MINUTE * self.start, self.zone),
                first_instant_from(midnight + _ONE_MINUTE * self.end, self.zone),
            )
            self._days[day] = found
        return found

    def day_mask(self, day: datetime) -> int | None:
        """The minutes of the UTC day starting at `day` that an interval covers, as bits."""
        mask = 0
        local_day = wall(day, self.zone).date()
        for back in range(-1, 3):
            start, end = self.interval(local_day + _ONE_DAY * back)
            bits = interval_bits(start, end, day)
            if bits is None:
                return None
            mask |= bits
        return mask

    def cover_end(self, at: datetime, until: datetime) -> datetime | None:
        """None if no day's interval covers `at`; else the first uncovered instant after it."""
        today = wall(at, self.zone).date()
        # A fold across midnight can put `at` in the interval of the day after its wall date.
        for day in (today, today - _ONE_DAY, today + _ONE_DAY):
            start, end = self.interval(day)
            if start <= at < end:
                break
        else:
            return None
        while end <= until:  # 00:00-24:00 touches the next day's interval
            day += _ONE_DAY
            start, next_end = self.interval(day)
            if start > end:
                break
            end = next_end
        return end


@dataclass(frozen=True)
class UnionSpan:
    """Instants covered by any of several calling-hours spans (a tenant-wide resource's
    `during: calling_hours`: while any campaign calls); none covers nothing."""

    spans: tuple[DailySpan, ...]

    def cover_end(self, at: datetime, until: datetime) -> datetime | None:
        """None if no span covers `at`; else the first instant none covers after it."""
        end: datetime | None = None
        while end is None or end <= until:
            ends = [e for span in self.spans if (e := span.cover_end(end or at, until))]
            if not ends:
                break
            end = max(ends)
        return end

    def day_mask(self, day: datetime) -> int | None:
        """The minutes of the UTC day starting at `day` that any span covers, as bits."""
        mask = 0
        for span in self.spans:
            bits = span.day_mask(day)
            if bits is None:
                return None
            mask |= bits
        return mask


def interval_bits(start: datetime, end: datetime, day: datetime) -> int | None:
    """[start, end) as minute bits of the UTC day from `day`; None off whole minutes."""
    low = min(max(start, day), day + _ONE_DAY)
    high = min(max(end, day), day + _ONE_DAY)
    if high <= low:
        return 0
    if (low - day) % _ONE_MINUTE or (high - day) % _ONE_MINUTE:
        return None
    first, last = (low - day) // _ONE_MINUTE, (high - day) // _ONE_MINUTE
    return ((1 << (last - first)) - 1) << first


def walked_mask(span: ScheduleSpan, day: datetime) -> int | None:
    """The day's mask from the span's own interval search (days near a clock change)."""
    mask, at, end = 0, day, day + _ONE_DAY
    while at < end:
        covered_to = span.cover_end(at, end)
        if covered_to is not None:
            bits = interval_bits(at, covered_to, day)
            if bits is None:
                return None
            mask, at = mask | bits, covered_to
            continue
        start = span.next_start(at, end)
        if start is None:
            break
        at = start
    return mask
