"""Change windows: the model, window_state, next_opening and never_opens, by example."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from reconciler.guardrails import (
    ChangeWindow,
    never_opens,
    next_opening,
    start_of_closed_year,
    window_state,
)
from tests.guardrails.oracle import Hours

UTC = timezone.utc
NY = "America/New_York"
BUSINESS = Hours("08:00", "21:00")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int) -> datetime:
    """A wall time in `zone` (first pass) as a UTC instant."""
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def allow(schedule: str, duration: str, **more: Any) -> ChangeWindow:
    return ChangeWindow(kind="allow", schedule=schedule, duration=duration, **more)


def deny(schedule: str, duration: str, **more: Any) -> ChangeWindow:
    return ChangeWindow(kind="deny", schedule=schedule, duration=duration, **more)


DENY_CALLING_HOURS = ChangeWindow(kind="deny", during="calling_hours")
NIGHTS = allow("0 22 * * mon-fri", "8h")


# --- the model -------------------------------------------------------------------------


def test_a_window_parses_from_its_yaml_shape() -> None:
    window = ChangeWindow.model_validate(
        {"kind": "allow", "schedule": "0 22 * * 1-5", "duration": "90m"}
    )
    assert window.length == timedelta(minutes=90)
    assert window.time_zone == "campaign"
    assert window.cron is not None and window.cron.hours == {22}
    assert window.describe() == '"0 22 * * 1-5" for 90m (campaign time zone)'
    zoned = allow("0 22 * * *", "8h", time_zone="Europe/London")
    assert zoned.describe() == '"0 22 * * *" for 8h (Europe/London)'
    assert DENY_CALLING_HOURS.describe() == "during calling_hours"
    assert window.zone_for(NY) == NY and zoned.zone_for(NY) == "Europe/London"
    assert DENY_CALLING_HOURS.zone_for(NY) == NY
    assert DENY_CALLING_HOURS.length == timedelta(0)


def test_the_longest_window_is_a_year() -> None:
    assert allow("0 0 1 1 *", "8784h").length == timedelta(days=366)
    assert allow("0 0 1 1 *", "527040m").length == timedelta(days=366)


def test_windows_are_hashable_and_compare_by_value() -> None:
    assert allow("0 1 * * *", "1h") == allow("0 1 * * *", "1h")
    assert len({allow("0 1 * * *", "1h"), allow("0 1 * * *", "1h"), NIGHTS}) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "allow", "schedule": "0 22 * *", "duration": "8h"}, "has 4 fields, not five"),
        ({"kind": "allow", "schedule": "0 22 * * *", "duration": "0h"}, "must be at least 1h"),
        ({"kind": "allow", "schedule": "0 22 * * *", "duration": "1.5h"}, 'not "<N>h" or "<N>m"'),
        ({"kind": "allow", "schedule": "0 22 * * *", "duration": "8 h"}, 'not "<N>h" or "<N>m"'),
        ({"kind": "allow", "schedule": "0 22 * * *", "duration": "2d"}, 'not "<N>h" or "<N>m"'),
        ({"kind": "allow", "schedule": "0 22 * * *", "duration": 90}, 'write "90m" or "90h"'),
        (
            {"kind": "allow", "schedule": "0 22 * * *", "duration": "9000h"},
            "longer than 366 days (8784h)",
        ),
        (
            {"kind": "allow", "schedule": "0 22 * * *", "duration": "527041m"},
            "longer than 366 days (8784h)",
        ),
        (
            {"kind": "allow", "schedule": "0 22 * * *", "duration": "9" * 30 + "h"},
            "longer than 366 days (8784h)",
        ),
        (
            {"kind": "allow", "schedule": "0 22 * * *", "duration": "8h", "time_zone": "Mars/Base"},
            "'Mars/Base' is not an IANA time zone",
        ),
        (
            {"kind": "allow", "schedule": "0 22 * * *", "duration": "8h", "time_zone": "America"},
            "not an IANA time zone",
        ),
        ({"kind": "allow", "duration": "8h"}, "a window needs schedule (e.g. schedule:"),
        ({"kind": "deny"}, "a window needs schedule and duration"),
        ({"kind": "allow", "during": "calling_hours"}, "can only deny: use `kind: deny`"),
        (
            {"kind": "deny", "during": "calling_hours", "schedule": "0 1 * * *"},
            "`during: calling_hours` takes no schedule",
        ),
        (
            {"kind": "deny", "during": "calling_hours", "time_zone": "UTC"},
            "takes no time_zone",
        ),
        ({"kind": "deny", "during": "office_hours"}, "'calling_hours'"),
        ({"kind": "block", "schedule": "0 1 * * *", "duration": "1h"}, "'allow' or 'deny'"),
        ({"kind": "allow", "schedule": "0 1 * * *", "duration": "1h", "zone": "UTC"}, "zone"),
    ],
)
def test_bad_windows_are_refused_with_a_fix(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ChangeWindow.model_validate(data)
    assert message in str(caught.value)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        ChangeWindow.model_validate(
            {"kind": "allow", "schedule": "0 1 * * *", "duration": "1h", "timezone": "UTC"}
        )
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_the_schema_can_be_generated_for_editors() -> None:
    schema = ChangeWindow.model_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"kind", "schedule", "duration", "time_zone", "during"}


# --- window_state ----------------------------------------------------------------------


def test_no_windows_is_always_open() -> None:
    verdict = window_state([], utc(2024, 1, 1), NY)
    assert verdict.open and verdict.decision == "no-windows" and verdict.window is None
    assert next_opening([], utc(2024, 1, 1, 3, 7, 9), NY) == utc(2024, 1, 1, 3, 7, 9)


def test_the_deciding_window_and_its_position_are_named() -> None:
    windows = [NIGHTS, deny("0 0 24 12 *", "48h"), DENY_CALLING_HOURS]
    christmas_night = local(NY, 2024, 12, 24, 23)  # a Tuesday: inside NIGHTS too
    verdict = window_state(windows, christmas_night, NY, BUSINESS)
    assert (verdict.open, verdict.decision, verdict.index) == (False, "denied", 1)
    assert verdict.reason == 'deny window "0 0 24 12 *" for 48h (campaign time zone) covers now'

    noon = local(NY, 2024, 6, 4, 12)
    verdict = window_state(windows, noon, NY, BUSINESS)
    assert (verdict.open, verdict.index) == (False, 2)
    assert verdict.reason == "deny window during calling_hours covers now"

    late = local(NY, 2024, 6, 4, 23)
    verdict = window_state(windows, late, NY, BUSINESS)
    assert (verdict.open, verdict.decision, verdict.index) == (True, "allowed", 0)
    assert verdict.reason.startswith('inside allow window "0 22 * * mon-fri" for 8h')

    evening = local(NY, 2024, 6, 4, 21, 30)  # after calling hours, before 22:00
    verdict = window_state(windows, evening, NY, BUSINESS)
    assert (verdict.open, verdict.decision, verdict.window) == (False, "outside-allow", None)
    assert verdict.reason == "no allow window covers now"


def test_with_only_deny_windows_the_rest_is_open() -> None:
    verdict = window_state([DENY_CALLING_HOURS], local(NY, 2024, 6, 4, 22), NY, BUSINESS)
    assert verdict.open and verdict.reason == "no deny window covers now"


def test_windows_across_midnight() -> None:
    zone = "Asia/Kolkata"  # no clock changes: only the midnight crossing is tested here
    assert window_state([NIGHTS], local(zone, 2024, 6, 4, 3), zone).open  # Tue, from Mon
    assert window_state([NIGHTS], local(zone, 2024, 6, 8, 5, 59), zone).open  # Sat, from Fri
    assert not window_state([NIGHTS], local(zone, 2024, 6, 8, 6), zone).open  # half-open
    assert not window_state([NIGHTS], local(zone, 2024, 6, 9, 3), zone).open  # Sun
    assert not window_state([NIGHTS], local(zone, 2024, 6, 3, 3), zone).open  # Mon: Sun none
    assert next_opening([NIGHTS], local(zone, 2024, 6, 8, 6), zone) == local(zone, 2024, 6, 10, 22)


def test_a_window_in_another_zone_is_read_there() -> None:
    london_night = allow("0 1 * * *", "2h", time_zone="Europe/London")
    at = utc(2024, 1, 10, 1, 30)  # 01:30 in London (GMT), 20:30 the day before in New York
    assert window_state([london_night], at, NY).open
    assert not window_state([allow("0 1 * * *", "2h")], at, NY).open


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone: pass an aware datetime"):
        window_state([NIGHTS], datetime(2024, 1, 1), NY)


def test_calling_hours_windows_need_calling_hours() -> None:
    with pytest.raises(ValueError, match="needs calling hours, and this resource has none"):
        window_state([DENY_CALLING_HOURS], utc(2024, 1, 1), "UTC")
    with pytest.raises(ValueError, match="start is not before end"):
        window_state([DENY_CALLING_HOURS], utc(2024, 1, 1), "UTC", Hours("21:00", "08:00"))
    with pytest.raises(ValueError, match="is not an IANA time zone"):
        window_state([NIGHTS], utc(2024, 1, 1), "Nowhere/Special")


# --- daylight saving -------------------------------------------------------------------


def test_new_york_fall_back_window_lasts_its_absolute_duration() -> None:
    window = [allow("0 1 * * *", "2h")]
    # 3 Nov 2024: 01:00 EDT (05:00Z) + 2h = 07:00Z, which is 02:00 EST.
    assert window_state(window, utc(2024, 11, 3, 6, 30), NY).open  # 01:30 EST, second pass
    assert not window_state(window, utc(2024, 11, 3, 7, 0), NY).open
    assert next_opening(window, utc(2024, 11, 3, 7, 0), NY) == local(NY, 2024, 11, 4, 1)


def test_a_window_started_on_the_first_pass_covers_the_second_pass() -> None:
    window = [allow("30 1 * * *", "1h")]
    # 01:30 EDT (05:30Z) + 1h = 06:30Z: at 06:10Z the wall clock shows 01:10 EST, before
    # the start's wall time, yet the window started 40 minutes ago.
    assert window_state(window, utc(2024, 11, 3, 6, 10), NY).open
    assert not window_state(window, utc(2024, 11, 3, 6, 30), NY).open
    # From inside the repeated hour the next start is the next day's, not a second 01:30.
    assert next_opening(window, utc(2024, 11, 3, 6, 30), NY) == local(NY, 2024, 11, 4, 1, 30)


def test_new_york_spring_forward_skips_the_window_of_that_night() -> None:
    window = [allow("30 2 * * *", "1h")]
    assert next_opening(window, local(NY, 2024, 3, 10, 0), NY) == local(NY, 2024, 3, 11, 2, 30)


def test_calling_hours_follow_the_clock_change() -> None:
    # Deny 08:00-21:00 New York: on 10 Mar 2024 that is 12:00Z-01:00Z (EDT), the day
    # before 13:00Z-02:00Z (EST).
    windows = [DENY_CALLING_HOURS]
    assert not window_state(windows, utc(2024, 3, 10, 12, 0), NY, BUSINESS).open
    assert window_state(windows, utc(2024, 3, 9, 12, 30), NY, BUSINESS).open
    assert next_opening(windows, utc(2024, 3, 10, 12, 0), NY, BUSINESS) == utc(2024, 3, 11, 1)
    assert next_opening(windows, utc(2024, 3, 9, 14, 0), NY, BUSINESS) == utc(2024, 3, 10, 2)


def test_calling_hours_starting_in_the_skipped_hour_start_at_the_change() -> None:
    hours = Hours("02:30", "05:00")
    windows = [DENY_CALLING_HOURS]
    # 02:30 does not exist on 10 Mar 2024: the interval starts at 03:00 EDT (07:00Z).
    assert window_state(windows, utc(2024, 3, 10, 6, 59), NY, hours).open
    assert not window_state(windows, utc(2024, 3, 10, 7, 0), NY, hours).open
    assert next_opening(windows, utc(2024, 3, 10, 7, 0), NY, hours) == utc(2024, 3, 10, 9)


def test_london_sydney_and_chatham_windows_around_their_changes() -> None:
    london = "Europe/London"  # 31 Mar 2024 01:00 GMT -> 02:00 BST
    assert next_opening([allow("30 1 * * *", "30m")], utc(2024, 3, 30, 2), london) == utc(
        2024, 4, 1, 0, 30
    )
    sydney = "Australia/Sydney"  # 7 Apr 2024 03:00 AEDT -> 02:00 AEST
    windows = [allow("30 2 * * *", "1h")]
    first_pass = utc(2024, 4, 6, 15, 30)  # 02:30 AEDT
    assert next_opening(windows, utc(2024, 4, 6, 12), sydney) == first_pass
    # The window is an absolute hour: it ends at 03:30 AEDT = 02:30 AEST, and the
    # repeated 02:30 AEST does not open it again.
    assert not window_state(windows, utc(2024, 4, 6, 16, 30), sydney).open
    assert next_opening(windows, utc(2024, 4, 6, 16, 30), sydney) == utc(2024, 4, 7, 16, 30)
    chatham = "Pacific/Chatham"  # 29 Sep 2024 02:45 -> 03:45 (+12:45 -> +13:45)
    windows = [allow("0 3 * * *", "1h")]
    assert next_opening(windows, utc(2024, 9, 28, 12), chatham) == local(chatham, 2024, 9, 30, 3)


# --- next_opening ----------------------------------------------------------------------


def test_next_opening_jumps_over_deny_windows() -> None:
    windows = [allow("0 * * * *", "30m"), deny("0 9 * * *", "10h")]
    at = local(NY, 2024, 6, 4, 9, 10)
    assert next_opening(windows, at, NY) == local(NY, 2024, 6, 4, 19)


def test_chained_deny_intervals_are_walked_to_their_end() -> None:
    # Every minute for one minute from 00:00 to 11:59 is one closed stretch.
    windows = [deny("* 0-11 * * *", "1m")]
    assert next_opening(windows, local(NY, 2024, 6, 4, 0, 0, 30), NY) == local(NY, 2024, 6, 4, 12)
    always = [deny("* * * * *", "1m")]
    assert next_opening(always, utc(2024, 6, 4), "UTC") is None


def test_windows_alternating_minute_by_minute() -> None:
    # Allowed on even minutes, denied on multiples of four: the first opening is :02.
    windows = [allow("*/2 * * * *", "1m"), deny("*/4 * * * *", "1m")]
    assert next_opening(windows, local(NY, 2024, 6, 4, 15), NY) == local(NY, 2024, 6, 4, 15, 2)
    # Denied on every allowed minute: closed all year (a long search reads whole days).
    windows = [allow("*/2 * * * *", "1m"), deny("*/2 * * * *", "1m")]
    assert next_opening(windows, utc(2024, 6, 4), NY) is None
    assert never_opens(windows, NY, now=NOW)


def test_a_deny_every_minute_leaves_the_repeated_hour_open() -> None:
    # A repeated wall time starts once, so its second pass (01:00-02:00 EST on 3 Nov 2024)
    # is outside every interval; the next one is 371 days later.
    every_minute = [deny("* * * * *", "1m")]
    assert next_opening(every_minute, utc(2024, 6, 4), NY) == utc(2024, 11, 3, 6)
    assert not window_state(every_minute, utc(2024, 11, 3, 5, 59), NY).open
    assert window_state(every_minute, utc(2024, 11, 3, 6, 59), NY).open
    assert start_of_closed_year(every_minute, NY, now=NOW) == utc(2026, 11, 1, 7)


def test_next_opening_none_within_the_horizon() -> None:
    windows = [allow("0 12 29 2 *", "1h")]
    assert next_opening(windows, utc(2024, 3, 1), "UTC") is None
    assert next_opening(windows, utc(2024, 3, 1), "UTC", horizon_days=1500) == utc(2028, 2, 29, 12)


# --- never_opens -----------------------------------------------------------------------

NOW = utc(2026, 3, 7, 15)


@pytest.mark.parametrize(
    ("windows", "hours"),
    [
        ([], None),
        ([NIGHTS, DENY_CALLING_HOURS], BUSINESS),
        ([deny("0 0 1 12 *", "744h")], None),  # a December freeze
        ([allow("0 10 1 1 *", "1m")], None),  # one minute a year: at most 366 days apart
        ([deny("0 0 1 1 *", "8736h")], None),  # 364 days closed, then a day or two open
    ],
)
def test_windows_that_open_often_enough(windows: list[ChangeWindow], hours: Hours | None) -> None:
    assert not never_opens(windows, NY, hours, now=NOW)


@pytest.mark.parametrize(
    ("windows", "hours", "zone"),
    [
        ([allow("0 9 * * *", "1h"), DENY_CALLING_HOURS], BUSINESS, NY),  # allow inside deny
        ([DENY_CALLING_HOURS], Hours("00:00", "24:00"), NY),
        ([deny("* * * * *", "1m")], None, "UTC"),
        ([allow("0 0 30 1 *", "1h"), deny("0 0 1 1 *", "744h")], None, NY),
        ([allow("0 9 * * *", "1h"), deny("0 9 * * *", "1h")], None, NY),
        ([deny("0 0 1 1 *", "8760h")], None, NY),  # 365 days: only leap years leave a day
    ],
)
def test_windows_that_never_open(
    windows: list[ChangeWindow], hours: Hours | None, zone: str
) -> None:
    assert start_of_closed_year(windows, zone, hours, now=NOW) == NOW


def test_a_leap_day_window_is_closed_for_years() -> None:
    windows = [allow("0 0 29 2 *", "1h")]
    # From 2026 the next 29 February is in 2028, more than 366 days away.
    assert start_of_closed_year(windows, "UTC", now=NOW) == NOW
    # From June 2027 it opens in time, but the year from then holds 1 Mar 2028.
    assert start_of_closed_year(windows, "UTC", now=utc(2027, 6, 1)) == utc(2028, 2, 29, 1)


def test_a_stretch_longer_than_a_year_is_found_exactly() -> None:
    # New Year's Day 10:00 for an hour, unless a Monday; 1 Jan 2029 is a Monday, so from
    # the end of the 2028 window nothing opens until 1 Jan 2030.
    windows = [allow("0 10 1 1 *", "1h"), deny("0 0 * * mon", "24h")]
    assert start_of_closed_year(windows, "UTC", now=utc(2027, 6, 1)) == utc(2028, 1, 1, 11)
    assert start_of_closed_year(windows, "UTC", now=utc(2025, 1, 2)) is None
