"""Properties over dates, zones and window lists, judged by the minute-walking oracle.

Instants are drawn near the zones' clock changes as often as anywhere else, and window
times near the hours those changes happen, so the properties meet skipped and repeated
wall times, windows across midnight and chains of intervals.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reconciler.guardrails import ChangeWindow, next_opening, start_of_closed_year, window_state
from reconciler.guardrails.cron import CronSchedule
from reconciler.guardrails.windows import _first_open, _spans
from tests.guardrails.oracle import (
    MINUTE,
    UTC,
    Hours,
    covers,
    is_open,
    offset_changes,
    starts_between,
)

ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "UTC",
)
DST_ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Pacific/Chatham")
HORIZON_DAYS = 3
PROPERTIES = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Hours where clock changes happen in these zones, drawn as often as the rest of the day.
HOURS = st.one_of(st.integers(0, 23), st.sampled_from([0, 1, 2, 3, 4, 23]))
MINUTES = st.one_of(st.sampled_from([0, 15, 30, 45]), st.integers(0, 59))


@st.composite
def schedules(draw: st.DrawFn) -> str:
    minute = draw(st.one_of(MINUTES.map(str), st.sampled_from(["*/15", "*/20", "0,30", "*"])))
    hour = draw(
        st.one_of(
            HOURS.map(str),
            st.tuples(HOURS, HOURS).map(lambda h: f"{min(h)}-{max(h)}"),
            st.tuples(HOURS, HOURS).map(lambda h: f"{h[0]},{h[1]}"),
            st.just("*"),
        )
    )
    weekday = draw(st.sampled_from(["*", "*", "mon-fri", "sat,sun", "0", "3"]))
    day = draw(st.sampled_from(["*", "*", "*", "1-7", "15"]))
    return f"{minute} {hour} {day} * {weekday}"


DURATIONS = st.one_of(
    st.integers(1, 180).map(lambda m: f"{m}m"),
    st.integers(1, 30).map(lambda h: f"{h}h"),
)


@st.composite
def windows(draw: st.DrawFn) -> ChangeWindow:
    if draw(st.integers(0, 5)) == 0:
        return ChangeWindow(kind="deny", during="calling_hours")
    kind = draw(st.sampled_from(["allow", "deny"]))
    zone = draw(st.sampled_from(["campaign", "campaign", *ZONES]))
    return ChangeWindow(
        kind=kind, schedule=draw(schedules()), duration=draw(DURATIONS), time_zone=zone
    )


@st.composite
def calling_hours(draw: st.DrawFn) -> Hours:
    start = draw(st.one_of(st.integers(0, 1439), st.sampled_from([0, 90, 120, 150, 165, 480])))
    end = draw(st.integers(start + 1, 1440))
    return Hours(f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}")


@st.composite
def instants(draw: st.DrawFn, zone: str) -> datetime:
    """Any instant of 2020-2035, or one within a day and a half of a clock change."""
    changes = offset_changes(zone, draw(st.integers(2020, 2035)))
    if changes and draw(st.booleans()):
        base = draw(st.sampled_from(changes))
        return base + timedelta(seconds=draw(st.integers(-36 * 3600, 36 * 3600)))
    seconds = draw(st.integers(0, 16 * 365 * 86400))
    whole = draw(st.booleans())
    return datetime(2020, 1, 1, tzinfo=UTC) + timedelta(
        seconds=seconds - seconds % 60 if whole else seconds
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[ChangeWindow], str, Hours, datetime]:
    zone = draw(st.sampled_from(ZONES))
    return (
        draw(st.lists(windows(), min_size=1, max_size=3)),
        zone,
        draw(calling_hours()),
        draw(instants(zone)),
    )


@PROPERTIES
@given(cases())
def test_window_state_agrees_with_the_oracle(
    case: tuple[list[ChangeWindow], str, Hours, datetime],
) -> None:
    window_list, zone, hours, at = case
    verdict = window_state(window_list, at, zone, hours)
    assert verdict.open == is_open(window_list, at, ZoneInfo(zone), hours)
    if verdict.window is not None:
        assert covers(verdict.window, at, ZoneInfo(zone), hours)
        assert verdict.window is window_list[verdict.index or 0]


@PROPERTIES
@given(cases(), st.lists(st.floats(0, 1), min_size=8, max_size=8))
def test_next_opening_is_open_and_nothing_before_it_is(
    case: tuple[list[ChangeWindow], str, Hours, datetime], fractions: list[float]
) -> None:
    window_list, zone, hours, at = case
    tz = ZoneInfo(zone)
    opening = next_opening(window_list, at, zone, hours, horizon_days=HORIZON_DAYS)
    end = at + timedelta(days=HORIZON_DAYS) if opening is None else opening
    if opening is not None:
        assert at <= opening <= at + timedelta(days=HORIZON_DAYS)
        assert is_open(window_list, opening, tz, hours)
    # Closed instants before it: the start, just before the answer, and a sample between.
    samples = [at + (end - at) * f for f in fractions]
    if end > at:
        samples += [at, end - timedelta(microseconds=1), max(at, end - MINUTE)]
    for sample in samples:
        if sample < end or opening is None:
            assert not is_open(window_list, sample, tz, hours), sample


@PROPERTIES
@given(cases(), windows())
def test_a_deny_window_always_wins(
    case: tuple[list[ChangeWindow], str, Hours, datetime], extra: ChangeWindow
) -> None:
    window_list, zone, hours, at = case
    denial = extra
    if extra.during is None:
        denial = ChangeWindow(
            kind="deny", schedule=extra.schedule, duration=extra.duration, time_zone=extra.time_zone
        )
    with_deny = window_state([*window_list, denial], at, zone, hours)
    without = window_state(window_list, at, zone, hours)
    denied_now = covers(denial, at, ZoneInfo(zone), hours)
    assert with_deny.open == (without.open and not denied_now)
    if denied_now:
        assert with_deny.decision == "denied"


@PROPERTIES
@given(
    st.sampled_from(DST_ZONES),
    st.integers(1990, 2100),
    st.integers(0, 1),
    st.integers(-90, 90),
    st.sampled_from(["*", "mon-fri"]),
)
def test_skipped_times_never_fire_and_repeated_ones_fire_once(
    zone: str, year: int, which: int, shift: int, weekday: str
) -> None:
    changes = offset_changes(zone, year)
    assume(len(changes) == 2)
    tz = ZoneInfo(zone)
    change = changes[which]
    # The wall time the old offset reaches at the change (02:00 for New York both ways),
    # then a wall time near it: skipped just after it in spring, repeated just before it
    # in autumn, an ordinary time further away.
    reached = (change - MINUTE).astimezone(tz).replace(tzinfo=None) + MINUTE
    local = reached + timedelta(minutes=shift)
    schedule = CronSchedule.parse(f"{local.minute} {local.hour} * * {weekday}")
    low = change - timedelta(days=1)
    high = change + timedelta(days=1)
    expected = starts_between(schedule, low, high, tz)  # the oracle: first passes only
    found = []
    cursor = low
    while (fire := schedule.next_fire(cursor, tz, high - timedelta(microseconds=1))) is not None:
        found.append(fire)
        cursor = fire + timedelta(microseconds=1)
    assert found == expected
    walls = [f.astimezone(tz).replace(tzinfo=None) for f in found]
    assert len(walls) == len(set(walls))  # a repeated wall time fired once


@st.composite
def rare_windows(draw: st.DrawFn) -> ChangeWindow:
    """Windows with yearly or rarer starts and long durations: gaps of a year happen."""
    month, day = draw(
        st.one_of(
            st.just(("2", "29")),  # every four years
            st.tuples(
                st.sampled_from(["*", "1", "2", "6,12", "*/5"]),
                st.sampled_from(["*", "1", "13", "30"]),
            ),
        )
    )
    assume(not (month == "2" and day == "30"))
    weekday = draw(st.sampled_from(["*", "*", "mon", "5"]))
    return ChangeWindow(
        kind=draw(st.sampled_from(["allow", "allow", "deny"])),
        schedule=f"0 {draw(st.integers(0, 23))} {day} {month} {weekday}",
        duration=f"{draw(st.one_of(st.integers(1, 48), st.integers(1, 8784)))}h",
    )


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.one_of(rare_windows(), windows()), min_size=1, max_size=3),
    st.sampled_from(ZONES),
    calling_hours(),
    instants("UTC"),
    st.lists(st.floats(0, 1), min_size=4, max_size=4),
)
def test_the_first_closed_year_is_where_next_opening_gives_up(
    window_list: list[ChangeWindow],
    zone: str,
    hours: Hours,
    now: datetime,
    fractions: list[float],
) -> None:
    year = timedelta(days=366)
    stuck = start_of_closed_year(window_list, zone, hours, now=now)
    if stuck is not None:
        assert now <= stuck < now + year
        assert next_opening(window_list, stuck, zone, hours) is None
    # Every start before it (or in the whole year) reaches an opening within 366 days.
    end = now + year if stuck is None else stuck
    for fraction in fractions:
        sample = now + (end - now) * fraction
        if sample < end:
            assert next_opening(window_list, sample, zone, hours) is not None, sample


@PROPERTIES
@given(cases())
def test_reading_whole_days_as_minutes_finds_the_same_opening(
    case: tuple[list[ChangeWindow], str, Hours, datetime],
) -> None:
    """The minute masks a long search switches to agree with stepping between intervals."""
    window_list, zone, hours, at = case
    spans = _spans(window_list, zone, hours)
    limit = at + timedelta(days=HORIZON_DAYS)
    by_days = _first_open(spans, at, limit, steps=0)
    assert by_days == _first_open(spans, at, limit, steps=10**9)
    if by_days is not None:
        assert is_open(window_list, by_days, ZoneInfo(zone), hours)
