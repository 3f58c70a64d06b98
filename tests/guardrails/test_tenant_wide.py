"""`during: calling_hours` for a tenant-wide resource: denied while ANY campaign is calling.

Judged by the minute-walking oracle: a tenant-wide resource's calling-hours deny covers an
instant when one campaign's own hours (in its own zone) cover it. Zones are drawn so that
hours overlap, abut across midnight and meet clock changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from reconciler.guardrails import AnyCallingHours, ChangeWindow, next_opening, window_state
from reconciler.guardrails.windows import _first_open, _spans
from tests.guardrails.oracle import MINUTE, UTC, Hours, covers, is_open
from tests.guardrails.test_window_properties import (
    HORIZON_DAYS,
    PROPERTIES,
    ZONES,
    calling_hours,
    instants,
    windows,
)

CALLING = ChangeWindow(kind="deny", during="calling_hours")


def any_calling_open(
    window_list: list[ChangeWindow],
    instant: datetime,
    campaigns: list[tuple[str, Hours]],
) -> bool:
    """The oracle for a tenant-wide resource (read in UTC)."""
    others = [w for w in window_list if w.during is None]
    calling = any(w.during is not None for w in window_list) and any(
        covers(CALLING, instant, ZoneInfo(zone), hours) for zone, hours in campaigns
    )
    return not calling and is_open(others, instant, ZoneInfo("UTC"), None)


@st.composite
def tenant_cases(
    draw: st.DrawFn,
) -> tuple[list[ChangeWindow], list[tuple[str, Hours]], datetime]:
    zone_list = draw(st.lists(st.sampled_from(ZONES), min_size=0, max_size=3))
    campaigns = [(zone, draw(calling_hours())) for zone in zone_list]
    window_list = [*draw(st.lists(windows(), min_size=0, max_size=2)), CALLING]
    zone = draw(st.sampled_from(zone_list)) if zone_list else "UTC"
    return window_list, campaigns, draw(instants(zone))


def _any(campaigns: list[tuple[str, Hours]]) -> AnyCallingHours:
    return AnyCallingHours(tuple((zone, h.start, h.end) for zone, h in campaigns))


@PROPERTIES
@given(tenant_cases())
def test_open_exactly_when_no_campaign_calls_and_the_other_windows_allow(
    case: tuple[list[ChangeWindow], list[tuple[str, Hours]], datetime],
) -> None:
    window_list, campaigns, at = case
    verdict = window_state(window_list, at, "UTC", _any(campaigns))
    assert verdict.open == any_calling_open(window_list, at, campaigns)


@PROPERTIES
@given(tenant_cases(), st.lists(st.floats(0, 1), min_size=6, max_size=6))
def test_next_opening_for_a_tenant_wide_resource(
    case: tuple[list[ChangeWindow], list[tuple[str, Hours]], datetime], fractions: list[float]
) -> None:
    window_list, campaigns, at = case
    hours = _any(campaigns)
    opening = next_opening(window_list, at, "UTC", hours, horizon_days=HORIZON_DAYS)
    end = at + timedelta(days=HORIZON_DAYS) if opening is None else opening
    if opening is not None:
        assert any_calling_open(window_list, opening, campaigns)
    samples = [at + (end - at) * f for f in fractions]
    if end > at:
        samples += [at, end - timedelta(microseconds=1), max(at, end - MINUTE)]
    for sample in samples:
        if sample < end or opening is None:
            assert not any_calling_open(window_list, sample, campaigns), sample
    # Reading whole days as minute masks finds the same opening.
    spans = _spans(window_list, "UTC", hours)
    limit = at + timedelta(days=HORIZON_DAYS)
    assert _first_open(spans, at, limit, steps=0) == _first_open(spans, at, limit)


def test_no_campaign_means_calling_hours_deny_nothing() -> None:
    at = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    verdict = window_state([CALLING], at, "UTC", AnyCallingHours(()))
    assert verdict.open and verdict.decision == "not-denied"


def test_hours_in_two_zones_chain_into_one_closed_stretch() -> None:
    """New York 08:00-21:00 and Los Angeles 08:00-21:00: closed from 13:00 to 05:00 UTC
    (winter), the two days' hours overlapping in absolute time."""
    hours = AnyCallingHours(
        (("America/New_York", "08:00", "21:00"), ("America/Los_Angeles", "08:00", "21:00"))
    )
    at = datetime(2026, 1, 14, 14, 0, tzinfo=UTC)  # 09:00 in New York
    assert not window_state([CALLING], at, "UTC", hours).open
    assert next_opening([CALLING], at, "UTC", hours) == datetime(2026, 1, 15, 5, 0, tzinfo=UTC)
