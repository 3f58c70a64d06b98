"""Cross-document, regulatory, capacity and pacing rules (all offline).

Each rule reads the validated documents and appends located diagnostics; none stops the
others, so one run reports every problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from reconciler.desired.desired_state import merge_verify
from reconciler.desired.diagnostics import Diagnostic, Location
from reconciler.desired.documents import ParsedDocument
from reconciler.desired.jurisdictions import (
    DEFAULT_JURISDICTION,
    JURISDICTIONS,
    Jurisdiction,
    Window,
)
from reconciler.desired.models import (
    CampaignDocument,
    Carrier,
    HoursWindow,
    SettingsDocument,
    TenantDocument,
)
from reconciler.dialer_v1.bodies import Algorithm, CampaignBody, Concurrency, minutes_of_day

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


def check_all(docs: Sequence[ParsedDocument], sink: list[Diagnostic], spec_dir: str) -> None:
    """Run every rule over the documents of one spec directory."""
    unique = check_unique(docs, sink)
    tenant = next((d for d in unique if d.kind == "Tenant"), None)
    tenant_model = tenant.model if tenant is not None else None
    assert tenant_model is None or isinstance(tenant_model, TenantDocument)
    jurisdiction = JURISDICTIONS[
        tenant_model.spec.compliance.jurisdiction if tenant_model else DEFAULT_JURISDICTION
    ]
    if tenant is not None and tenant_model is not None:
        check_tenant_policy(tenant, tenant_model, jurisdiction, sink)
    for doc in unique:
        if isinstance(doc.model, SettingsDocument | CampaignDocument):
            check_regulatory(doc, tenant_model, jurisdiction, sink)
            check_pacing(doc, sink)
        if isinstance(doc.model, CampaignDocument):
            check_verify(doc, tenant_model, sink)
    check_capacity(unique, tenant, tenant_model, sink, spec_dir)


def check_unique(docs: Sequence[ParsedDocument], sink: list[Diagnostic]) -> list[ParsedDocument]:
    """Unique names per kind, one Tenant, one DialerSettings; the first of each is kept."""
    seen: dict[tuple[str, str], ParsedDocument] = {}
    kept: list[ParsedDocument] = []
    for doc in docs:
        singleton = doc.kind in ("Tenant", "DialerSettings")
        key = (doc.kind, "" if singleton else doc.name)
        first = seen.get(key)
        if first is None:
            seen[key] = doc
            kept.append(doc)
            continue
        where = doc.key(("metadata", "name"))
        if singleton:
            message = (
                f"a second {doc.kind} document (the first is at {first.yaml.start.render()}):"
                f" at most one {doc.kind} per directory"
            )
            sink.append(Diagnostic.at(doc.yaml.start, "error", "duplicate-singleton", message))
        else:
            message = (
                f"duplicate {doc.kind} name {doc.name!r} (first at"
                f" {first.key(('metadata', 'name')).render()})"
            )
            hint = "names are the identity on the API: rename or remove one"
            sink.append(Diagnostic.at(where, "error", "duplicate-name", message, hint))
    return kept


def check_tenant_policy(
    tenant: ParsedDocument, model: TenantDocument, rules: Jurisdiction, sink: list[Diagnostic]
) -> None:
    """The tenant's own policy may narrow the law, never widen it."""
    compliance = model.spec.compliance
    cap = compliance.max_abandonment_rate
    if cap is not None and cap > rules.abandonment_cap:
        where = tenant.at(("spec", "compliance", "max_abandonment_rate"))
        sink.append(
            Diagnostic.at(
                where,
                "error",
                f"{rules.code.lower()}-abandonment-cap",
                f"max_abandonment_rate {cap:g} is above the {rules.code} cap of"
                f" {rules.abandonment_cap:g} ({rules.abandonment_source})",
                f"lower it to at most {rules.abandonment_cap:g}",
            )
        )
    window = compliance.calling_hours
    if window is not None and rules.calling_window is not None:
        legal = rules.calling_window
        if not _inside(window.start, window.end, legal.start, legal.end):
            sink.append(
                Diagnostic.at(
                    tenant.key(("spec", "compliance", "calling_hours")),
                    "error",
                    f"{rules.code.lower()}-calling-hours",
                    f"calling_hours {window.start}-{window.end} reach outside"
                    f" {legal.render()} ({rules.calling_hours_source})",
                    f"keep the window inside {legal.render()}",
                )
            )


def _inside(start: str, end: str, outer_start: str, outer_end: str) -> bool:
    # Half-open windows: [start, end) fits [outer_start, outer_end) when both ends fit.
    return minutes_of_day(start) >= minutes_of_day(outer_start) and minutes_of_day(
        end
    ) <= minutes_of_day(outer_end)


def check_regulatory(
    doc: ParsedDocument,
    tenant: TenantDocument | None,
    rules: Jurisdiction,
    sink: list[Diagnostic],
) -> None:
    """Abandonment cap, connect window, calling hours and DNC lists for one body."""
    model = doc.model
    assert isinstance(model, SettingsDocument | CampaignDocument)
    body = model.spec
    algorithm = body.algorithm
    code = rules.code.lower()
    target_loc = ("spec", "algorithm", "abandonment_rate_target")
    own_cap = tenant.spec.compliance.max_abandonment_rate if tenant else None
    cap = min(rules.abandonment_cap, own_cap) if own_cap is not None else rules.abandonment_cap
    if algorithm.abandonment_rate_target > cap:
        whose = (
            f"the tenant's max_abandonment_rate {cap:g}"
            if cap < rules.abandonment_cap
            else f"the {rules.code} cap of {cap:g} ({rules.abandonment_source})"
        )
        sink.append(
            Diagnostic.at(
                doc.at(target_loc),
                "error",
                f"{code}-abandonment-cap",
                f"abandonment_rate_target {algorithm.abandonment_rate_target:g} is above {whose}",
                f"set abandonment_rate_target to at most {cap:g}",
            )
        )
    elif rules.abandonment_always_warn and body.type == "predictive":
        sink.append(
            Diagnostic.at(
                doc.at(target_loc),
                "warning",
                f"{code}-abandonment-not-safe-harbour",
                f"predictive dialing: {rules.abandonment_source}; Ofcom may act on"
                " abandoned calls even below the cap",
            )
        )
    if body.type == "predictive" and algorithm.warm_line_timeout_sec > rules.connect_window_sec:
        sink.append(
            Diagnostic.at(
                doc.at(("spec", "algorithm", "warm_line_timeout_sec")),
                "warning",
                "warm-line-abandonment",
                f"warm_line_timeout_sec {algorithm.warm_line_timeout_sec:g} is longer than the"
                f" {rules.connect_window_sec:g} s connect window ({rules.connect_source}):"
                " calls held longer still count as abandoned",
            )
        )
    if isinstance(body, CampaignBody):
        window = tenant.spec.compliance.calling_hours if tenant else None
        _check_calling_hours(doc, body, rules, window, sink)
        _check_dnc(doc, body, rules, sink)


def _check_calling_hours(
    doc: ParsedDocument,
    body: CampaignBody,
    rules: Jurisdiction,
    tenant_window: HoursWindow | None,
    sink: list[Diagnostic],
) -> None:
    hours = body.calling_hours
    code = rules.code.lower()
    limits: list[tuple[Window | HoursWindow, str, str]] = []
    if rules.calling_window is not None:
        limits.append((rules.calling_window, rules.calling_hours_source, f"{code}-calling-hours"))
    if tenant_window is not None:
        limits.append(
            (tenant_window, "the tenant's compliance.calling_hours", "tenant-calling-hours")
        )
    for window, source, rule_code in limits:
        for edge, ok in (
            ("start", minutes_of_day(hours.start) >= minutes_of_day(window.start)),
            ("end", minutes_of_day(hours.end) <= minutes_of_day(window.end)),
        ):
            if not ok:
                value = getattr(hours, edge)
                sink.append(
                    Diagnostic.at(
                        doc.at(("spec", "calling_hours", edge)),
                        "error",
                        rule_code,
                        f"calling_hours {edge} {value} ({hours.timezone}) is outside"
                        f" {window.start}-{window.end} ({source})",
                        f"set {edge} to {getattr(window, edge)} or "
                        + ("later" if edge == "start" else "earlier"),
                    )
                )
    weekend = rules.weekend_window
    if weekend is not None and not _inside(hours.start, hours.end, weekend.start, weekend.end):
        sink.append(
            Diagnostic.at(
                doc.key(("spec", "calling_hours")),
                "warning",
                f"{code}-weekend-calling-hours",
                f"calling_hours {hours.start}-{hours.end} exceed the weekend window"
                f" {weekend.render()} ({rules.calling_hours_source})",
                "pause the campaign on weekends or narrow its window",
            )
        )


def _check_dnc(
    doc: ParsedDocument, body: CampaignBody, rules: Jurisdiction, sink: list[Diagnostic]
) -> None:
    code = rules.code.lower()
    lists = body.dnc_lists
    for required in rules.required_dnc_lists:
        if required not in lists:
            sink.append(
                Diagnostic.at(
                    doc.at(("spec", "dnc_lists")),
                    "error",
                    f"{code}-dnc-{required}",
                    f"dnc_lists must include {required!r} ({rules.dnc_source})",
                    f"add {required!r} to dnc_lists",
                )
            )
    if rules.advise_company_dnc_list and lists and set(lists) <= set(rules.required_dnc_lists):
        sink.append(
            Diagnostic.at(
                doc.at(("spec", "dnc_lists")),
                "warning",
                f"{code}-dnc-company-list",
                "dnc_lists has no company-specific list: people who asked this company not to"
                " call must be suppressed too",
                "add the company's own list (e.g. 'internal')",
            )
        )


def check_pacing(doc: ParsedDocument, sink: list[Diagnostic]) -> None:
    """Peak line demand (max_agents x dial_ratio) against the line cap; ratio by type."""
    model = doc.model
    assert isinstance(model, SettingsDocument | CampaignDocument)
    concurrency: Concurrency = model.spec.concurrency
    algorithm: Algorithm = model.spec.algorithm
    ratio = algorithm.dial_ratio if algorithm.dial_ratio is not None else 1.0
    demand = concurrency.max_agents * ratio
    if demand > concurrency.max_simultaneous_calls:
        sink.append(
            Diagnostic.at(
                doc.at(("spec", "concurrency", "max_simultaneous_calls")),
                "warning",
                "pacing-line-cap",
                f"peak line demand max_agents x dial_ratio = {concurrency.max_agents} x"
                f" {ratio:g} = {demand:g} exceeds max_simultaneous_calls"
                f" {concurrency.max_simultaneous_calls}: the dialer is capped at an effective"
                f" dial ratio of {concurrency.max_simultaneous_calls / concurrency.max_agents:.2f}",
                "lower dial_ratio or max_agents, or raise max_simultaneous_calls if trunks allow",
            )
        )
    if model.spec.type == "predictive" and ratio == 1.0:
        sink.append(
            Diagnostic.at(
                doc.at(("spec", "algorithm", "dial_ratio")),
                "warning",
                "pacing-predictive-ratio",
                "a predictive dialer with dial_ratio 1.0 dials like a progressive one",
                "use type: progressive, or a dial_ratio above 1.0",
            )
        )


def check_verify(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """The merged post-apply guard must watch something and read it at least once."""
    model = doc.model
    assert isinstance(model, CampaignDocument)
    merged = merge_verify(tenant.spec.verify if tenant else None, model.verify)
    if merged is None:
        return
    where = doc.key(("verify",)) if model.verify is not None else doc.yaml.start
    if not merged.metrics:
        sink.append(
            Diagnostic.at(
                where,
                "error",
                "verify-no-metrics",
                "verify has no metrics to watch (here or in the Tenant's defaults)",
                "add e.g. `metrics: {abandonmentRate: {max: 0.03}}`",
            )
        )
    if merged.interval_seconds > merged.watch_seconds:
        sink.append(
            Diagnostic.at(
                where,
                "error",
                "verify-interval",
                f"verify interval_seconds {merged.interval_seconds:g} exceeds watch_seconds"
                f" {merged.watch_seconds:g} (after merging the Tenant's defaults)",
            )
        )


def check_capacity(
    docs: Sequence[ParsedDocument],
    tenant: ParsedDocument | None,
    tenant_model: TenantDocument | None,
    sink: list[Diagnostic],
    spec_dir: str,
) -> None:
    """Each body fits the free trunks (error); overlapping campaigns together (warning)."""
    carrier = tenant_model.spec.carrier if tenant_model else None
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
    free = carrier.free_trunks
    campaigns: list[tuple[ParsedDocument, CampaignDocument]] = []
    for doc in docs:
        if not isinstance(doc.model, SettingsDocument | CampaignDocument):
            continue
        calls = doc.model.spec.concurrency.max_simultaneous_calls
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
        if isinstance(doc.model, CampaignDocument):
            campaigns.append((doc, doc.model))
    assert tenant is not None
    _check_overlap(campaigns, carrier, tenant, sink)


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
