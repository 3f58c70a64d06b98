"""The cron evaluator: syntax, the day-of-month/day-of-week rule, starts across clock changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from reconciler.guardrails.cron import CronSchedule

UTC = timezone.utc
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")
CHATHAM = ZoneInfo("Pacific/Chatham")


def starts(text: str, zone: ZoneInfo, low: datetime, high: datetime) -> list[datetime]:
    """Every start of `text` in [low, high], by repeated next_fire."""
    schedule = CronSchedule.parse(text)
    found: list[datetime] = []
    at = low
    while (fire := schedule.next_fire(at, zone, high)) is not None:
        found.append(fire)
        at = fire + timedelta(microseconds=1)
    return found


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("*/15 * * * *", "minutes", {0, 15, 30, 45}),
        ("5,10-12 * * * *", "minutes", {5, 10, 11, 12}),
        ("50/5 * * * *", "minutes", {50, 55}),
        ("0 8-20/4 * * *", "hours", {8, 12, 16, 20}),
        ("0 0 1,15 * *", "days", {1, 15}),
        ("0 0 * jan,JUL-sep *", "months", {1, 7, 8, 9}),
        ("0 0 * */3 *", "months", {1, 4, 7, 10}),
        ("0 0 * * mon-fri", "weekdays", {1, 2, 3, 4, 5}),
        ("0 0 * * 7", "weekdays", {0}),
        ("0 0 * * 5-7", "weekdays", {5, 6, 0}),
        ("0 0 * * */2", "weekdays", {0, 2, 4, 6}),
        ("0 0 * * Sat,sun", "weekdays", {6, 0}),
    ],
)
def test_fields_parse_to_their_values(text: str, field: str, expected: set[int]) -> None:
    assert getattr(CronSchedule.parse(text), field) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 22 * *", "has 4 fields, not five: minute hour day-of-month month day-of-week"),
        ("0 24 * * *", "hour 24 is out of range 0-23"),
        ("60 * * * *", "minute 60 is out of range 0-59"),
        ("0 0 0 * *", "day-of-month 0 is out of range 1-31"),
        ("0 0 * 13 *", "month 13 is out of range 1-12"),
        ("0 0 * * 8", "day-of-week 8 is out of range 0-7"),
        ("*/0 * * * *", "minute step '0' must be a whole number >= 1"),
        ("0 0 * * fri-mon", "runs backwards: write the low end first"),
        ("0 0 1,,2 * *", "has an empty list item"),
        ("mon * * * *", "minute 'mon' is not a number, a range or a step"),
        ("0 0 * * funday", "day-of-week 'funday' is not a number, a name (sun-sat)"),
        ("0 0 L * *", "day-of-month 'L' is not a number"),
        ("0 0 ? * *", "day-of-month '?' is not a number"),
        ("@daily", '@daily is not supported: write the five fields ("0 0 * * *")'),
        ("0 0 30 2 *", "never fires: none of its months has any of its days of the month"),
        ("0 0 31 4,6,9,11 *", "never fires"),
        ("0 ٣ * * *", "hour '٣' is not a number"),
    ],
)
def test_bad_schedules_say_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        CronSchedule.parse(text)
    assert message in str(caught.value)


def test_a_field_error_names_the_schedule_and_the_fields() -> None:
    with pytest.raises(ValueError) as caught:
        CronSchedule.parse("0 25 * * *")
    assert str(caught.value) == (
        "hour 25 is out of range 0-23 in '0 25 * * *'"
        ' (minute hour day-of-month month day-of-week, e.g. "0 22 * * mon-fri")'
    )


def test_restricted_day_of_month_and_day_of_week_match_either() -> None:
    schedule = CronSchedule.parse("0 9 1 * mon")
    assert schedule.either_day
    may_2024 = [date(2024, 5, d) for d in range(1, 32)]
    # 1 May 2024 is a Wednesday; the Mondays are 6, 13, 20, 27.
    assert [d.day for d in may_2024 if schedule.matches(d)] == [1, 6, 13, 20, 27]


def test_a_star_step_day_of_month_still_needs_both() -> None:
    # crontab(5): "restricted" means not starting with `*`; `*/2` starts with it.
    schedule = CronSchedule.parse("0 9 */2 * mon")
    assert not schedule.either_day
    may_2024 = [date(2024, 5, d) for d in range(1, 32)]
    assert [d.day for d in may_2024 if schedule.matches(d)] == [13, 27]


def test_february_29_fires_in_leap_years_only() -> None:
    found = starts("0 12 29 2 *", UTC_ZONE, utc(2023, 1, 1), utc(2029, 1, 1))
    assert found == [utc(2024, 2, 29, 12), utc(2028, 2, 29, 12)]


UTC_ZONE = ZoneInfo("UTC")


def test_starts_cross_month_and_year_ends() -> None:
    found = starts("30 23 28-31 * *", UTC_ZONE, utc(2024, 12, 30), utc(2025, 3, 1))
    assert [f.date() for f in found] == [
        date(2024, 12, 30),
        date(2024, 12, 31),
        date(2025, 1, 28),
        date(2025, 1, 29),
        date(2025, 1, 30),
        date(2025, 1, 31),
        date(2025, 2, 28),
    ]


def test_next_fire_is_inclusive_and_rounds_up_to_the_minute() -> None:
    schedule = CronSchedule.parse("0 * * * *")
    assert schedule.next_fire(utc(2024, 1, 1, 5), UTC_ZONE, utc(2024, 1, 2)) == utc(2024, 1, 1, 5)
    after = utc(2024, 1, 1, 5) + timedelta(seconds=1)
    assert schedule.next_fire(after, UTC_ZONE, utc(2024, 1, 2)) == utc(2024, 1, 1, 6)
    assert schedule.next_fire(after, UTC_ZONE, utc(2024, 1, 1, 5, 59)) is None


def test_prev_fire_is_inclusive_above_and_exclusive_below() -> None:
    schedule = CronSchedule.parse("0 * * * *")
    at = utc(2024, 1, 1, 5)
    assert schedule.prev_fire(at, UTC_ZONE, at - timedelta(hours=1)) == at
    assert schedule.prev_fire(at - timedelta(seconds=1), UTC_ZONE, utc(2024, 1, 1)) == utc(
        2024, 1, 1, 4
    )
    assert schedule.prev_fire(at - timedelta(seconds=1), UTC_ZONE, utc(2024, 1, 1, 4)) is None


# Each zone's clock changes in 2024, as (skipped local time, repeated local time, dates).
@pytest.mark.parametrize(
    ("zone", "skipped", "spring_day", "repeated", "autumn_day", "first_pass_utc"),
    [
        # 10 Mar 02:00 EST -> 03:00 EDT; 3 Nov 02:00 EDT -> 01:00 EST.
        (NEW_YORK, "30 2", date(2024, 3, 10), "30 1", date(2024, 11, 3), utc(2024, 11, 3, 5, 30)),
        # 31 Mar 01:00 GMT -> 02:00 BST; 27 Oct 02:00 BST -> 01:00 GMT.
        (LONDON, "30 1", date(2024, 3, 31), "30 1", date(2024, 10, 27), utc(2024, 10, 27, 0, 30)),
        # Southern hemisphere: 6 Oct 02:00 AEST -> 03:00 AEDT; 7 Apr 03:00 AEDT -> 02:00 AEST.
        (SYDNEY, "30 2", date(2024, 10, 6), "30 2", date(2024, 4, 7), utc(2024, 4, 6, 15, 30)),
        # 45-minute offset: 29 Sep 02:45 -> 03:45 (+13:45); 7 Apr 03:45 -> 02:45 (+12:45).
        (CHATHAM, "0 3", date(2024, 9, 29), "0 3", date(2024, 4, 7), utc(2024, 4, 6, 13, 15)),
    ],
)
def test_a_skipped_time_never_fires_and_a_repeated_one_fires_once(
    zone: ZoneInfo,
    skipped: str,
    spring_day: date,
    repeated: str,
    autumn_day: date,
    first_pass_utc: datetime,
) -> None:
    window = (utc(*(spring_day - timedelta(days=2)).timetuple()[:3]), timedelta(days=4))
    found = starts(f"{skipped} * * *", zone, window[0], window[0] + window[1])
    local_days = [f.astimezone(zone).date() for f in found]
    assert spring_day not in local_days
    assert len(found) == 3  # the days around it still fire

    autumn = utc(*(autumn_day - timedelta(days=1)).timetuple()[:3])
    found = starts(f"{repeated} * * *", zone, autumn, autumn + timedelta(days=3))
    on_the_day = [f for f in found if f.astimezone(zone).date() == autumn_day]
    assert on_the_day == [first_pass_utc]
    assert on_the_day[0].astimezone(zone).fold == 0


def test_every_half_hour_across_a_fall_back_fires_each_wall_time_once() -> None:
    found = starts("*/30 * * * *", NEW_YORK, utc(2024, 11, 3, 4, 0), utc(2024, 11, 3, 8, 0))
    walls = [f.astimezone(NEW_YORK).strftime("%H:%M") for f in found]
    # 01:00 and 01:30 happen twice; they fire on the first pass only.
    assert walls == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00"]
    assert found[4] - found[3] == timedelta(minutes=90)


def test_every_quarter_hour_across_a_spring_forward_skips_the_hour() -> None:
    found = starts("*/15 * * * *", NEW_YORK, utc(2024, 3, 10, 6, 30), utc(2024, 3, 10, 7, 30))
    walls = [f.astimezone(NEW_YORK).strftime("%H:%M") for f in found]
    assert walls == ["01:30", "01:45", "03:00", "03:15", "03:30"]


def test_kolkata_has_no_clock_change() -> None:
    found = starts("30 2 * * *", KOLKATA, utc(2024, 1, 1), utc(2025, 1, 1))
    assert len(found) == 366
    assert {f.strftime("%H:%M") for f in found} == {"21:00"}


def test_chatham_reads_the_schedule_at_its_45_minute_offset() -> None:
    found = starts("0 9 * * *", CHATHAM, utc(2024, 6, 1), utc(2024, 6, 2))
    assert found == [utc(2024, 6, 1, 20, 15)]  # 09:00 at +12:45


def test_searches_step_by_days_not_minutes() -> None:
    # A schedule with one start every four years is found without walking 2 million minutes;
    # the bound is the caller's `until`.
    schedule = CronSchedule.parse("0 0 29 2 *")
    assert schedule.next_fire(utc(2024, 3, 1), UTC_ZONE, utc(2028, 3, 1)) == utc(2028, 2, 29)
    assert schedule.prev_fire(utc(2028, 2, 28), UTC_ZONE, utc(2020, 1, 1)) == utc(2024, 2, 29)
