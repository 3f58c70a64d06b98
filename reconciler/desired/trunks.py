"""Carrier capacity: each body within the free trunks, overlapping campaigns together.

Compared in absolute time: calling windows repeat daily in each campaign's own zone, so
overlaps are found in UTC on one day of every combination of the zones' offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from reconciler.desired.diagnostics import Diagnostic, Location
from reconciler.desired.documents import ParsedDocument
from reconciler.desired.models import (
    CampaignDocument,
    Carrier,
    SettingsDocument,
    TenantDocument,
)
from reconciler.desired.salvage import judged, known
from reconciler.dialer_v1.bodies import minutes_of_day

# Calling windows repeat daily in local time but shift against UTC with daylight saving,
# and zones change on different dates (the US three weeks before the EU in March, a week
# after it in autumn; the southern hemisphere the other way). Overlaps are compared on one
# day of each distinct combination of the campaigns' UTC offsets over a reference year.
REFERENCE_YEAR = 2025
_DAY = 24 * 60


def reference_dates(zones: Sequence[str]) -> list[date]:
    """One day per distinct combination of the zones' UTC offsets in the reference year."""
    tzs = [ZoneInfo(z) for z in sorted(set(zones))]
    seen: dict[tuple[timedelta | None, ...], date] = {}
    day = date(REFERENCE_YEAR, 1, 1)
    while day.year == REFERENCE_YEAR:
        noon = datetime(day.year, day.month, day.day, 12)
        offsets = tuple(noon.replace(tzinfo=tz).utcoffset() for tz in tzs)
        seen.setdefault(offsets, day)
        day += timedelta(days=1)
    return sorted(seen.values())


def check_capacity(
    docs: Sequence[ParsedDocument],
    tenant: ParsedDocument | None,
    tenant_model: TenantDocument | None,
    sink: list[Diagnostic],
    spec_dir: str,
) -> None:
    """Each body fits the free trunks (error); overlapping campaigns together (warning)."""
    if tenant_model is not None and not known(_carrier, tenant_model):
        return  # the Tenant's carrier is in error: no capacity to compare with
    carrier = _carrier(tenant_model) if tenant_model is not None else None
    if not any(d.kind in ("DialerSettings", "Campaign") for d in docs):
        return  # nothing a carrier carries here (cxone-admin: the business unit's ports)
    if carrier is None:
        where = tenant.key(("spec",)) if tenant else Location(spec_dir, 1, 1)
        sink.append(
            Diagnostic.at(
                where,
                "warning",
                "no-carrier",
                "no carrier in the Tenant spec: carrier-capacity rules are skipped",
                "add `carrier: {max_trunks: N, current_utilization_percent: P}`",
            )
        )
        return
    campaigns: list[tuple[ParsedDocument, CampaignDocument]] = []
    for doc in docs:
        if not isinstance(doc.model, SettingsDocument | CampaignDocument):
            continue
        judged(_check_trunks, doc, carrier, sink=sink)
        # A campaign whose hours or line cap are in error is left out of the overlaps:
        # that can hide a warning until the error is fixed, never invent one.
        model = doc.model
        if isinstance(model, CampaignDocument) and known(_window_and_calls, model):
            campaigns.append((doc, model))
    assert tenant is not None
    judged(_check_overlap, campaigns, carrier, tenant, sink=sink)


def _carrier(tenant: TenantDocument) -> Carrier | None:
    return tenant.spec.carrier


def _window_and_calls(model: CampaignDocument) -> tuple[object, ...]:
    hours, calls = model.spec.calling_hours, model.spec.concurrency.max_simultaneous_calls
    return (model.metadata.name, hours.start, hours.end, hours.timezone, calls)


def _check_trunks(doc: ParsedDocument, carrier: Carrier, sink: list[Diagnostic]) -> None:
    model = doc.model
    assert isinstance(model, SettingsDocument | CampaignDocument)
    free = carrier.free_trunks
    calls = model.spec.concurrency.max_simultaneous_calls
    if calls > free:
        sink.append(
            Diagnostic.at(
                doc.at(("spec", "concurrency", "max_simultaneous_calls")),
                "error",
                "trunk-capacity",
                f"max_simultaneous_calls {calls} exceeds the {free:g} trunks still free"
                f" ({_free_formula(carrier)})",
                f"lower max_simultaneous_calls to at most {int(free)}, or free trunks",
            )
        )


def _free_formula(carrier: Carrier) -> str:
    return (
        f"max_trunks {carrier.max_trunks} x (1 - {carrier.current_utilization_percent:g}%"
        " utilisation)"
    )


def utc_interval(start: str, end: str, tz: str, day: date) -> tuple[int, int]:
    """A local [start, end) window on `day` as minutes from that day's 00:00 UTC."""
    zone = ZoneInfo(tz)
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    utc_midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)

    def minutes(hhmm: str) -> int:
        # Aware arithmetic is wall-clock; the subtraction applies the offset in force then.
        wall = midnight + timedelta(minutes=minutes_of_day(hhmm))
        return int((wall - utc_midnight).total_seconds() // 60)

    return minutes(start), minutes(end)


def _check_overlap(
    campaigns: Sequence[tuple[ParsedDocument, CampaignDocument]],
    carrier: Carrier,
    tenant: ParsedDocument,
    sink: list[Diagnostic],
) -> None:
    free = carrier.free_trunks
    if sum(m.spec.concurrency.max_simultaneous_calls for _, m in campaigns) <= free:
        return  # even all at once they fit
    worst: tuple[int, int, date, list[tuple[int, int, str]]] | None = None
    for day in reference_dates([m.spec.calling_hours.timezone for _, m in campaigns]):
        intervals: list[tuple[int, int, str]] = []
        events: list[tuple[int, int, int, int]] = []
        for _, model in campaigns:
            hours = model.spec.calling_hours
            start, end = utc_interval(hours.start, hours.end, hours.timezone, day)
            calls = model.spec.concurrency.max_simultaneous_calls
            for shift in (-_DAY, 0, _DAY):  # windows recur daily: catch wrap-around
                intervals.append((start + shift, end + shift, model.metadata.name))
                # Ends sort before starts at the same minute: windows are half-open.
                events.append((start + shift, 1, calls, 1))
                events.append((end + shift, 0, -calls, -1))
        events.sort()
        total = running = 0
        for minute, _, delta, count in events:
            total += delta
            running += count
            # One campaign alone over the free trunks is the trunk-capacity error already.
            if running > 1 and total > free and (worst is None or total > worst[0]):
                worst = (total, minute, day, intervals)
    if worst is None:
        return
    total, minute, day, intervals = worst
    names = sorted({name for start, end, name in intervals if start <= minute < end})
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    minute %= _DAY
    sink.append(
        Diagnostic.at(
            tenant.key(("spec", "carrier")),
            "warning",
            "trunk-overlap",
            f"campaigns whose calling windows overlap need {total} simultaneous calls at"
            f" {minute // 60:02d}:{minute % 60:02d} UTC (on {day.isoformat()}), above the"
            f" {free:g} trunks still free: {shown}",
            "stagger their calling hours or lower their max_simultaneous_calls",
        )
    )
