"""Five-field cron schedules, and their start times in an IANA zone, exactly.

Syntax (crontab(5)): `minute hour day-of-month month day-of-week`; each field is `*` or a
comma list of values, ranges `a-b` and steps `*/n`, `a-b/n`, `a/n` (= `a-max/n`); months and
weekdays also by name (`jan`, `mon`, any case); weekday 0 and 7 are Sunday. When both
day-of-month and day-of-week are restricted (neither starts with `*`), a day matches when
either does: `0 9 1 * mon` fires on the 1st and on every Monday (crontab(5), Vixie cron and
cronie; a field such as `*/2` starts with `*`, so with it both fields must match).

Clock changes (issue 14): a wall time a spring-forward skips does not fire; one a fall-back
repeats fires once, at its first pass. Tried against both rules, cronsim 2.8 and croniter
7.0 fire a skipped start at the first minute after the jump (Debian cron's rule); croniter
fires a repeated time twice, and cronsim does when the hour field is `*`. Neither fits, so
this evaluator is ours. It steps by matching days and by the
day's sorted start minutes, never minute by minute.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reconciler.guardrails.localtime import instant_of, wall, wall_reached

SYNTAX = 'minute hour day-of-month month day-of-week, e.g. "0 22 * * mon-fri"'

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# The longest each month can be (February in a leap year), for "can this ever fire".
_LONGEST_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_NUMBER = re.compile(r"^[0-9]+$")
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class _FieldSpec:
    name: str
    low: int
    high: int  # the highest value written (7 for Sunday)
    names: tuple[str, ...] = ()
    first_name_value: int = 0
    star_high: int | None = None  # where `*` stops, when not at `high` (6 for weekdays)

    def value(self, text: str) -> int:
        if _NUMBER.match(text):
            number = int(text)
        elif text.lower() in self.names:
            number = self.names.index(text.lower()) + self.first_name_value
        else:
            named = f", a name ({self.names[0]}-{self.names[-1]})" if self.names else ""
            raise ValueError(f"{self.name} {text!r} is not a number{named}, a range or a step")
        if not self.low <= number <= self.high:
            raise ValueError(f"{self.name} {number} is out of range {self.low}-{self.high}")
        return number


_SPECS = (
    _FieldSpec("minute", 0, 59),
    _FieldSpec("hour", 0, 23),
    _FieldSpec("day-of-month", 1, 31),
    _FieldSpec("month", 1, 12, _MONTHS, 1),
    _FieldSpec("day-of-week", 0, 7, _WEEKDAYS, 0, star_high=6),
)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed schedule; `day_minutes` are the matching times of a day, as minutes."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    either_day: bool  # day-of-month and day-of-week both restricted: either matches
    day_minutes: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sorted_minutes = sorted(h * 60 + m for h in self.hours for m in self.minutes)
        object.__setattr__(self, "day_minutes", tuple(sorted_minutes))

    @classmethod
    def parse(cls, text: str) -> CronSchedule:
        """Parse `text`; ValueError saying what to fix."""
        stripped = text.strip()
        if stripped.lower() in _MACROS:
            raise ValueError(
                f"{stripped} is not supported: write the five fields"
                f' ("{_MACROS[stripped.lower()]}")'
            )
        parts = stripped.split()
        if len(parts) != 5:
            raise ValueError(f"{text!r} has {len(parts)} fields, not five: {SYNTAX}")
        try:
            values = [_parse_field(part, spec) for part, spec in zip(parts, _SPECS, strict=True)]
        except ValueError as exc:
            raise ValueError(f"{exc} in {text!r} ({SYNTAX})") from None
        minutes, hours, days, months, weekdays = values
        schedule = cls(
            text=stripped,
            minutes=minutes,
            hours=hours,
            days=days,
            months=months,
            weekdays=frozenset(d % 7 for d in weekdays),
            either_day=not parts[2].startswith("*") and not parts[4].startswith("*"),
        )
        if not schedule.can_fire():
            raise ValueError(
                f"{text!r} never fires: none of its months has any of its days of the month"
            )
        return schedule

    def can_fire(self) -> bool:
        """Whether some date ever matches (weekdays cycle through every date over years)."""
        if self.either_day:
            return True  # any restricted day-of-week matches some day of every month
        return any(d <= _LONGEST_MONTH[m - 1] for m in self.months for d in self.days)

    def matches(self, day: date) -> bool:
        """Whether the schedule fires on the local date `day`."""
        if day.month not in self.months:
            return False
        by_date = day.day in self.days
        by_weekday = day.isoweekday() % 7 in self.weekdays
        return (by_date or by_weekday) if self.either_day else (by_date and by_weekday)

    def next_fire(self, after: datetime, zone: ZoneInfo, until: datetime) -> datetime | None:
        """The first start (UTC) at or after `after` and not after `until`, read in `zone`."""
        # Every start at or after `after` has a wall time at or after wall(after): the first
        # pass of a wall time is increasing in it, and the repeat of a fall-back is later.
        local = wall(after, zone)
        if local.second or local.microsecond:
            local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day, first = local.date(), local.hour * 60 + local.minute
        last_day = wall_reached(until, zone).date()
        while day <= last_day:
            if self.matches(day):
                midnight = datetime.combine(day, time())
                for minute in self.day_minutes[bisect_left(self.day_minutes, first) :]:
                    found = instant_of(midnight + timedelta(minutes=minute), zone)
                    if found is not None and found >= after:
                        return found if found <= until else None
            day, first = self._next_month_day(day), 0
        return None

    def prev_fire(self, at: datetime, zone: ZoneInfo, floor: datetime) -> datetime | None:
        """The last start (UTC) after `floor` and at or before `at`, read in `zone`."""
        # On a fall-back's repeat, later wall times may have started (first pass) already.
        local = wall_reached(at, zone)
        day, last = local.date(), local.hour * 60 + local.minute
        first_day = wall(floor, zone).date()
        while day >= first_day:
            if self.matches(day):
                midnight = datetime.combine(day, time())
                for minute in reversed(self.day_minutes[: bisect_right(self.day_minutes, last)]):
                    found = instant_of(midnight + timedelta(minutes=minute), zone)
                    if found is None or found > at:
                        continue
                    return found if found > floor else None
            day, last = self._prev_month_day(day), 24 * 60
        return None

    def _next_month_day(self, day: date) -> date:
        """The day after `day`, skipping whole months the schedule does not list."""
        day += _ONE_DAY
        while day.month not in self.months:
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return day

    def _prev_month_day(self, day: date) -> date:
        """The day before `day`, skipping whole months the schedule does not list."""
        day -= _ONE_DAY
        while day.month not in self.months:
            day = date(day.year, day.month, 1) - _ONE_DAY
        return day


def _parse_field(text: str, spec: _FieldSpec) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise ValueError(f"{spec.name} {text!r} has an empty list item")
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not _NUMBER.match(step_text) or int(step_text) == 0:
                raise ValueError(f"{spec.name} step {step_text!r} must be a whole number >= 1")
            step = int(step_text)
        if base == "*":
            low, high = spec.low, spec.high if spec.star_high is None else spec.star_high
        elif "-" in base:
            start, _, end = base.partition("-")
            low, high = spec.value(start), spec.value(end)
            if low > high:
                raise ValueError(
                    f"{spec.name} range {base!r} runs backwards: write the low end first,"
                    " or list both parts (e.g. fri-sat,sun-mon)"
                )
        else:
            low = spec.value(base)
            high = spec.high if slash else low
        values.update(range(low, high + 1, step))
    return frozenset(values)
