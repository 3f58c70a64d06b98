"""Change windows: when a change to a resource may be applied (issue 14).

A window is `{kind: allow|deny, schedule: "<cron>", duration: "<N>h"|"<N>m", time_zone:
campaign|<IANA zone>}`: intervals [start, start + duration) in absolute time from each start
of the schedule read in its zone (`campaign`, the default, is the resource's own calling
time zone, UTC for tenant-wide resources), or `{kind: deny, during: calling_hours}`: the
resource's calling window of each local day. With any allow window a change is allowed only
inside one; a deny window wins where they overlap; no windows at all means always allowed.

Pure functions of the window list, an instant and the resource's zone and calling hours:
`window_state` (open now, and which window decided), `next_opening` (the first instant a
change is allowed) and `never_opens` / `start_of_closed_year` (for validate).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from reconciler.dialer_v1.bodies import minutes_of_day
from reconciler.guardrails.cron import CronSchedule
from reconciler.guardrails.localtime import UTC
from reconciler.guardrails.spans import FULL_DAY, DailySpan, ScheduleSpan, UnionSpan
from reconciler.timezones import ZONE_NAME, zone_named

HORIZON_DAYS = 366
# After this many steps from interval to interval, a search reads whole days as minute masks.
STEPS_BEFORE_DAYS = 64
CAMPAIGN_ZONE = "campaign"
# A window lasts at most a year: this also bounds every search back for a covering start.
MAX_DURATION = timedelta(days=HORIZON_DAYS)
_DURATION = re.compile(r"^([0-9]+)([hm])$")


class DailyHours(Protocol):
    """Calling hours as `"HH:MM"` strings, start before end (a campaign's `calling_hours`)."""

    @property
    def start(self) -> str: ...

    @property
    def end(self) -> str: ...


# For the JSON Schemas (editors): what the validators below check that a schema can say.
_SHAPES: dict[str, Any] = {
    "oneOf": [
        {
            "required": ["schedule", "duration"],
            "not": {"required": ["during"]},
        },
        {
            "required": ["during"],
            "properties": {"kind": {"const": "deny"}},
            "not": {"anyOf": [{"required": [f]} for f in ("schedule", "duration", "time_zone")]},
        },
    ]
}
_SCHEDULE_SCHEMA = r"^\s*(@[a-z]+|\S+(\s+\S+){4})\s*$"


class ChangeWindow(BaseModel):
    """One allow or deny window, as written in a spec."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False, json_schema_extra=_SHAPES
    )

    kind: Literal["allow", "deny"]
    schedule: Annotated[str, Field(json_schema_extra={"pattern": _SCHEDULE_SCHEMA})] | None = None
    duration: Annotated[str, Field(json_schema_extra={"pattern": _DURATION.pattern})] | None = None
    time_zone: Annotated[
        str, Field(json_schema_extra={"pattern": f"^{CAMPAIGN_ZONE}$|{ZONE_NAME.pattern}"})
    ] = CAMPAIGN_ZONE
    during: Literal["calling_hours"] | None = None
    _cron: CronSchedule | None = PrivateAttr(default=None)

    @field_validator("schedule")
    @classmethod
    def _cron_syntax(cls, value: str | None) -> str | None:
        if value is not None:
            CronSchedule.parse(value)
        return value

    @field_validator("duration", mode="before")
    @classmethod
    def _duration_form(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(f'duration {value} needs a unit: write "{value}m" or "{value}h"')
        if isinstance(value, str):
            _parse_duration(value)
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone_known(cls, value: str) -> str:
        if value != CAMPAIGN_ZONE:
            zone_named(value)
        return value

    @model_validator(mode="after")
    def _one_shape(self) -> ChangeWindow:
        if self.during is not None:
            extra = [f for f in ("schedule", "duration", "time_zone") if f in self.model_fields_set]
            if extra:
                raise ValueError(
                    f"`during: calling_hours` takes no {', '.join(extra)}: the calling hours"
                    " are read in the resource's own time zone"
                )
            if self.kind != "deny":
                raise ValueError(
                    "`during: calling_hours` can only deny: use `kind: deny` (to allow changes"
                    " outside the calling hours only)"
                )
            return self
        if self.schedule is None or self.duration is None:
            missing = " and ".join(f for f in ("schedule", "duration") if getattr(self, f) is None)
            raise ValueError(
                f"a window needs {missing}"
                ' (e.g. schedule: "0 22 * * mon-fri", duration: 8h), or `during: calling_hours`'
            )
        self._cron = CronSchedule.parse(self.schedule)
        return self

    @property
    def cron(self) -> CronSchedule | None:
        """The parsed schedule (None for a calling-hours window)."""
        return self._cron

    @property
    def length(self) -> timedelta:
        """How long each interval lasts (zero for a calling-hours window)."""
        return _parse_duration(self.duration) if self.duration else timedelta(0)

    def zone_for(self, resource_zone: str) -> str:
        """The zone this window is read in, for a resource whose own zone is `resource_zone`."""
        return resource_zone if self.time_zone == CAMPAIGN_ZONE or self.during else self.time_zone

    def describe(self) -> str:
        """`"0 8 * * mon-fri" for 13h (campaign time zone)` or `during calling_hours`."""
        if self.during is not None:
            return f"during {self.during}"
        where = "campaign time zone" if self.time_zone == CAMPAIGN_ZONE else self.time_zone
        return f'"{self.schedule}" for {self.duration} ({where})'


def _parse_duration(text: str) -> timedelta:
    found = _DURATION.match(text)
    if found is None:
        raise ValueError(f'duration {text!r} is not "<N>h" or "<N>m" (e.g. "8h", "90m")')
    number, unit = int(found[1]), found[2]
    if number < 1:
        raise ValueError(f"duration {text!r} must be at least 1{unit}")
    unit_length = timedelta(hours=1) if unit == "h" else timedelta(minutes=1)
    if number > MAX_DURATION // unit_length:  # compared first: timedelta overflows
        raise ValueError(
            f"duration {text!r} is longer than {HORIZON_DAYS} days"
            f" ({HORIZON_DAYS * 24}h): a change window lasts at most a year"
        )
    return number * unit_length


Decision = Literal["no-windows", "allowed", "denied", "outside-allow", "not-denied"]


@dataclass(frozen=True)
class WindowVerdict:
    """Whether a change is allowed at an instant, and the window that decided it."""

    open: bool
    decision: Decision
    window: ChangeWindow | None = None  # the allow or deny window that covers the instant
    index: int | None = None  # its position in the list

    @property
    def reason(self) -> str:
        """One line for a person: why the change is allowed or not."""
        described = self.window.describe() if self.window is not None else ""
        return {
            "no-windows": "no change windows: changes are always allowed",
            "allowed": f"inside allow window {described}",
            "denied": f"deny window {described} covers now",
            "outside-allow": "no allow window covers now",
            "not-denied": "no deny window covers now",
        }[self.decision]


@dataclass(frozen=True)
class _Spans:
    allows: tuple[tuple[int, ScheduleSpan], ...]
    denies: tuple[tuple[int, ScheduleSpan | DailySpan | UnionSpan], ...]


@dataclass(frozen=True)
class AnyCallingHours:
    """For a tenant-wide resource: "inside the calling hours" means while ANY of these
    resources is inside its own hours, each read in its own zone (zone, start, end)."""

    hours: tuple[tuple[str, str, str], ...]


CallingHours = DailyHours | AnyCallingHours
# What the compiled spans are cached on: one resource's (start, end), or every resource's.
_HoursKey = tuple[str, str] | AnyCallingHours | None


def _spans(
    windows: Sequence[ChangeWindow], zone: str, calling_hours: CallingHours | None
) -> _Spans:
    return _compiled(tuple(windows), zone, _hours_key(calling_hours))


def _hours_key(calling_hours: CallingHours | None) -> _HoursKey:
    if calling_hours is None or isinstance(calling_hours, AnyCallingHours):
        return calling_hours
    return (calling_hours.start, calling_hours.end)


# A plan asks about many resources that share their windows, zone and calling hours.
@lru_cache(maxsize=4096)
def _compiled(windows: tuple[ChangeWindow, ...], zone: str, hours: _HoursKey) -> _Spans:
    resource_zone = zone_named(zone)
    allows: list[tuple[int, ScheduleSpan]] = []
    denies: list[tuple[int, ScheduleSpan | DailySpan | UnionSpan]] = []
    for index, window in enumerate(windows):
        if window.during is not None:
            denies.append((index, _calling_hours_span(hours, resource_zone)))
            continue
        assert window.cron is not None  # set by the model for every schedule window
        span = ScheduleSpan(window.cron, window.length, zone_named(window.zone_for(zone)))
        if window.kind == "allow":
            allows.append((index, span))
        else:
            denies.append((index, span))
    return _Spans(tuple(allows), tuple(denies))


def _calling_hours_span(hours: _HoursKey, zone: ZoneInfo) -> DailySpan | UnionSpan:
    if hours is None:
        raise ValueError(
            "a `during: calling_hours` window needs calling hours, and this resource has none"
        )
    if isinstance(hours, AnyCallingHours):
        return UnionSpan(tuple(_daily(s, e, zone_named(z)) for z, s, e in sorted(set(hours.hours))))
    return _daily(hours[0], hours[1], zone)


def _daily(start_hhmm: str, end_hhmm: str, zone: ZoneInfo) -> DailySpan:
    start, end = minutes_of_day(start_hhmm), minutes_of_day(end_hhmm)
    if start >= end:
        raise ValueError(f"calling hours {start_hhmm}-{end_hhmm}: start is not before end")
    return DailySpan(start, end, zone)


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant.isoformat()} has no time zone: pass an aware datetime")
    return instant.astimezone(UTC)


def window_state(
    windows: Sequence[ChangeWindow],
    at_utc: datetime,
    zone: str,
    calling_hours: CallingHours | None = None,
) -> WindowVerdict:
    """Whether a change is allowed at `at_utc` for a resource in `zone`, and why."""
    at = _utc(at_utc)
    spans = _spans(windows, zone, calling_hours)
    for index, deny in spans.denies:
        if deny.cover_end(at, at) is not None:
            return WindowVerdict(False, "denied", windows[index], index)
    for index, allow in spans.allows:
        if allow.cover_end(at, at) is not None:
            return WindowVerdict(True, "allowed", windows[index], index)
    if spans.allows:
        return WindowVerdict(False, "outside-allow")
    return WindowVerdict(True, "not-denied" if spans.denies else "no-windows")


def next_opening(
    windows: Sequence[ChangeWindow],
    after_utc: datetime,
    zone: str,
    calling_hours: CallingHours | None = None,
    horizon_days: float = HORIZON_DAYS,
) -> datetime | None:
    """The first instant (UTC) at or after `after_utc` when a change is allowed.

    None when there is none within `horizon_days`. The answer is exact: the open instants
    are a union of half-open intervals, so the first one is `after_utc`, the start of an
    allow interval or the end of a deny interval; the search jumps between those.
    """
    after = _utc(after_utc)
    limit = after + timedelta(days=horizon_days)
    return _first_open(_spans(windows, zone, calling_hours), after, limit)


def _first_open(
    spans: _Spans, at: datetime, limit: datetime, steps: int = STEPS_BEFORE_DAYS
) -> datetime | None:
    while at <= limit:
        if steps <= 0 and (by_day := _open_minutes(spans, at)) is not None:
            # Many short intervals: read the rest of this UTC day minute by minute at once.
            if by_day == _NEXT_DAY:
                at = _utc_midnight(at) + timedelta(days=1)
                continue
            return by_day if by_day <= limit else None
        steps -= 1
        # Every instant from `at` to a covering deny interval's end is closed.
        ends = [end for _, deny in spans.denies if (end := deny.cover_end(at, limit))]
        if ends:
            at = max(ends)
            continue
        if not spans.allows or any(allow.cover_end(at, at) for _, allow in spans.allows):
            return at
        # Outside every allow interval until the next start of one.
        starts = [start for _, allow in spans.allows if (start := allow.next_start(at, limit))]
        if not starts:
            return None
        at = min(starts)
    return None


_NEXT_DAY = datetime.max.replace(tzinfo=UTC)


def _utc_midnight(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def _open_minutes(spans: _Spans, at: datetime) -> datetime | None:
    """The first open instant from `at` in its UTC day; `_NEXT_DAY` when there is none,
    None when some window cannot answer minute by minute."""
    day = _utc_midnight(at)
    allowed = FULL_DAY if not spans.allows else 0
    for _, allow in spans.allows:
        if (mask := allow.day_mask(day)) is None:
            return None
        allowed |= mask
    for _, deny in spans.denies:
        if (mask := deny.day_mask(day)) is None:
            return None
        allowed &= ~mask
    minute = (at - day) // timedelta(minutes=1)
    later = allowed >> minute
    if not later:
        return _NEXT_DAY
    if later & 1:
        return at  # a minute is open all through: `at` is inside an open one
    return day + timedelta(minutes=minute + (later & -later).bit_length() - 1)


def start_of_closed_year(
    windows: Sequence[ChangeWindow],
    zone: str,
    calling_hours: CallingHours | None = None,
    *,
    now: datetime,
) -> datetime | None:
    """The first instant of the year from `now` after which no change is allowed for 366 days.

    None when from every instant of that year a change is allowed within 366 days. Why a
    year from now: schedules, leap days, weekdays and clock changes differ from year to
    year, so a stretch of 366 closed days can start in one year and not in another (an
    allow window on 1 January unless it is a Monday is closed from 2028 to 2030); the year
    from now holds every instant the next year's applies will ask about. Validate passes
    the current time, so an error that lies further ahead shows up within a year of it.

    The check is exact, not sampled. From an opening o, a jump to s = o + 183 days costs
    one search: if the next opening o2 from s is within 366 days of o, every instant from o
    to s reaches an opening in time (one after o reaches o2 by o + 366 days). Otherwise the
    closed stretch before o2 began at some c in (o, s]; c is found by bisection (no opening
    in [x, o + 366 days] holds exactly for x >= c), and whether the stretch from c reaches
    an opening within 366 days decides.
    """
    return _closed_year(tuple(windows), zone, _hours_key(calling_hours), _utc(now))


# Validate asks once per resource, with one `now`, and resources share their windows.
@lru_cache(maxsize=4096)
def _closed_year(
    windows: tuple[ChangeWindow, ...], zone: str, hours: _HoursKey, start: datetime
) -> datetime | None:
    spans = _compiled(windows, zone, hours)
    horizon = timedelta(days=HORIZON_DAYS)
    last_start = start + horizon
    opening = _first_open(spans, start, start + horizon)
    if opening is None:
        return start
    while opening < last_start:
        jump = opening + horizon / 2
        following = _first_open(spans, jump, opening + horizon)
        if following is not None:
            opening = following
            continue
        closed_from = _closing_before(spans, opening, jump)
        if closed_from >= last_start:
            return None
        following = _first_open(spans, closed_from, closed_from + horizon)
        if following is None:
            return closed_from
        opening = following
    return None


def _closing_before(spans: _Spans, opening: datetime, closed: datetime) -> datetime:
    """The start of the closed stretch that holds `closed` and has an opening before it."""
    budget_end = opening + timedelta(days=HORIZON_DAYS)
    low, high = opening, closed  # an opening from low on, none from high on (within budget)
    resolution = timedelta(microseconds=1)
    while high - low > resolution:
        middle = low + (high - low) / 2
        if _first_open(spans, middle, budget_end) is None:
            high = middle
        else:
            low = middle
    return high


def never_opens(
    windows: Sequence[ChangeWindow],
    zone: str,
    calling_hours: CallingHours | None = None,
    *,
    now: datetime,
) -> bool:
    """True when some instant of the year from `now` is followed by 366 closed days."""
    return start_of_closed_year(windows, zone, calling_hours, now=now) is not None
