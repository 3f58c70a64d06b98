"""Cross-document, regulatory, pacing and verify rules (all offline); capacity: trunks.py.

Each rule reads the validated documents and appends located diagnostics; none stops the
others, so one run reports every problem. Every rule runs through `judged`: on a document
with errors (rebuilt by salvage.py) a rule that needs an invalid value is skipped, never
guessed, and the others still run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from reconciler.desired.catalog import api_of
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
    HoursWindow,
    SettingsDocument,
    TenantDocument,
    VerifyBlock,
)
from reconciler.desired.salvage import UNKNOWN, given, judged, known
from reconciler.desired.skill_rules import SKILL_RULES
from reconciler.desired.trunks import check_capacity
from reconciler.desired.window_rules import check_windows_open
from reconciler.dialer_v1.bodies import CampaignBody, SettingsBody, minutes_of_day

SINGLETON_KINDS = ("Tenant", "DialerSettings")

# A rule about one document: (document, the Tenant's model if any, sink).
DocumentRule = Callable[[ParsedDocument, TenantDocument | None, list[Diagnostic]], None]


def check_all(
    docs: Sequence[ParsedDocument],
    sink: list[Diagnostic],
    spec_dir: str,
    *,
    all_read: bool,
    now: datetime | None = None,
) -> None:
    """Run every rule over the documents of one spec directory.

    `all_read` is false when a file or document could not be read as one of the kinds:
    without a Tenant among the rest, that one may have been the Tenant, so the rules that
    depend on it (the jurisdiction, the carrier...) are skipped rather than judged by the
    defaults.
    """
    unique = check_unique(docs, sink)
    tenant = next((d for d in unique if d.kind == "Tenant"), None)
    tenant_model = tenant.model if tenant is not None else None if all_read else UNKNOWN
    assert (
        tenant_model is None or tenant_model is UNKNOWN or isinstance(tenant_model, TenantDocument)
    )
    if tenant is not None:
        for tenant_rule in (check_tenant_abandonment_cap, check_tenant_calling_hours):
            judged(tenant_rule, tenant, tenant_model, sink=sink)
    judged(check_api_kinds, unique, tenant_model, sink=sink)
    for doc in unique:
        for rule in DOCUMENT_RULES.get(doc.kind, ()):
            judged(rule, doc, tenant_model, sink=sink)
    check_capacity(unique, tenant, tenant_model, sink, spec_dir)
    if tenant_model is not UNKNOWN:  # windows inherited from an unread Tenant: not judged
        check_windows_open(unique, tenant, sink, now=now or datetime.now(timezone.utc))


def check_api_kinds(
    docs: Sequence[ParsedDocument], tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """Each resource kind belongs to the API the Tenant chooses (`spec.api`)."""
    if tenant is UNKNOWN:
        return  # the Tenant could not be read: its API is unknown, nothing is judged
    api = given(tenant.spec.api) if tenant is not None else "dialer-v1"
    for doc in docs:
        owner = api_of(doc.kind)
        if owner is None or owner == api:
            continue
        sink.append(
            Diagnostic.at(
                doc.at(("kind",)),
                "error",
                "kind-of-another-api",
                f"kind {doc.kind} belongs to `api: {owner}`, but this environment's Tenant "
                f"chooses `api: {api}`",
                f"set the Tenant's spec.api to {owner}, or move this document to an "
                "environment of that API",
            )
        )


def check_unique(docs: Sequence[ParsedDocument], sink: list[Diagnostic]) -> list[ParsedDocument]:
    """Unique names per kind, one Tenant, one DialerSettings; the first of each is kept."""
    seen: dict[tuple[str, str], ParsedDocument] = {}
    kept: list[ParsedDocument] = []
    for doc in docs:
        if not known(_identity, doc):
            kept.append(doc)  # its name is in error (reported): nothing to compare
            continue
        first = seen.setdefault(_identity(doc), doc)
        if first is doc:
            kept.append(doc)
            continue
        if doc.kind in SINGLETON_KINDS:
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
            where = doc.key(("metadata", "name"))
            sink.append(Diagnostic.at(where, "error", "duplicate-name", message, hint))
    return kept


def _identity(doc: ParsedDocument) -> tuple[str, str]:
    return (doc.kind, "" if doc.kind in SINGLETON_KINDS else doc.name)


def _jurisdiction(tenant: TenantDocument | None) -> Jurisdiction:
    return JURISDICTIONS[tenant.spec.compliance.jurisdiction if tenant else DEFAULT_JURISDICTION]


def _body(doc: ParsedDocument) -> SettingsBody:
    model = doc.model
    assert isinstance(model, SettingsDocument | CampaignDocument)
    return given(model.spec)


def check_tenant_abandonment_cap(
    tenant: ParsedDocument, model: TenantDocument, sink: list[Diagnostic]
) -> None:
    """The tenant's own abandonment cap may narrow the law's, never widen it."""
    rules = _jurisdiction(model)
    cap = model.spec.compliance.max_abandonment_rate
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


def check_tenant_calling_hours(
    tenant: ParsedDocument, model: TenantDocument, sink: list[Diagnostic]
) -> None:
    """The tenant's own calling window must lie inside the law's."""
    rules = _jurisdiction(model)
    window = model.spec.compliance.calling_hours
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


def check_abandonment(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """The abandonment target within the law's cap and the tenant's own."""
    rules = _jurisdiction(tenant)
    body = _body(doc)
    target = body.algorithm.abandonment_rate_target
    where = doc.at(("spec", "algorithm", "abandonment_rate_target"))
    code = rules.code.lower()
    own_cap = tenant.spec.compliance.max_abandonment_rate if tenant else None
    cap = min(rules.abandonment_cap, own_cap) if own_cap is not None else rules.abandonment_cap
    if target > cap:
        whose = (
            f"the tenant's max_abandonment_rate {cap:g}"
            if cap < rules.abandonment_cap
            else f"the {rules.code} cap of {cap:g} ({rules.abandonment_source})"
        )
        sink.append(
            Diagnostic.at(
                where,
                "error",
                f"{code}-abandonment-cap",
                f"abandonment_rate_target {target:g} is above {whose}",
                f"set abandonment_rate_target to at most {cap:g}",
            )
        )
    elif rules.abandonment_always_warn and body.type == "predictive":
        sink.append(
            Diagnostic.at(
                where,
                "warning",
                f"{code}-abandonment-not-safe-harbour",
                f"predictive dialing: {rules.abandonment_source}; Ofcom may act on"
                " abandoned calls even below the cap",
            )
        )


def check_warm_line(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """A warm line held past the connect window still counts as an abandoned call."""
    rules = _jurisdiction(tenant)
    body = _body(doc)
    algorithm = body.algorithm
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


def check_calling_hours(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """Each end of the campaign's window inside the law's window and the tenant's.

    One error per end: where both windows are broken the message names both (the tenant's
    window repeating the law's is named once), so a user reads each problem once.
    """
    rules = _jurisdiction(tenant)
    body = _body(doc)
    assert isinstance(body, CampaignBody)
    hours = body.calling_hours
    code = rules.code.lower()
    limits: list[tuple[Window | HoursWindow, str, str]] = []
    if rules.calling_window is not None:
        limits.append((rules.calling_window, rules.calling_hours_source, f"{code}-calling-hours"))
    own = tenant.spec.compliance.calling_hours if tenant else None
    if own is not None:
        limits.append((own, "the tenant's compliance.calling_hours", "tenant-calling-hours"))
    for edge in ("start", "end"):
        value = getattr(hours, edge)
        broken: dict[tuple[str, str], tuple[Window | HoursWindow, str, str]] = {}
        for window, source, rule_code in limits:
            inside = (
                minutes_of_day(value) >= minutes_of_day(window.start)
                if edge == "start"
                else minutes_of_day(value) <= minutes_of_day(window.end)
            )
            if not inside:
                broken.setdefault((window.start, window.end), (window, source, rule_code))
        if not broken:
            continue
        outside = " and ".join(f"{w.start}-{w.end} ({source})" for w, source, _ in broken.values())
        bounds = [getattr(w, edge) for w, _, _ in broken.values()]
        tightest = (
            max(bounds, key=minutes_of_day) if edge == "start" else min(bounds, key=minutes_of_day)
        )
        first_code = next(iter(broken.values()))[2]
        sink.append(
            Diagnostic.at(
                doc.at(("spec", "calling_hours", edge)),
                "error",
                first_code,
                f"calling_hours {edge} {value} ({hours.timezone}) is outside {outside}",
                f"set {edge} to {tightest} or " + ("later" if edge == "start" else "earlier"),
            )
        )


def check_weekend_hours(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """Where weekends have a narrower window, a longer daily window is worth a warning."""
    rules = _jurisdiction(tenant)
    body = _body(doc)
    assert isinstance(body, CampaignBody)
    hours = body.calling_hours
    weekend = rules.weekend_window
    if weekend is not None and not _inside(hours.start, hours.end, weekend.start, weekend.end):
        sink.append(
            Diagnostic.at(
                doc.key(("spec", "calling_hours")),
                "warning",
                f"{rules.code.lower()}-weekend-calling-hours",
                f"calling_hours {hours.start}-{hours.end} exceed the weekend window"
                f" {weekend.render()} ({rules.calling_hours_source})",
                "pause the campaign on weekends or narrow its window",
            )
        )


def check_dnc(doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]) -> None:
    """The jurisdiction's required do-not-call lists, and a company list advised."""
    rules = _jurisdiction(tenant)
    body = _body(doc)
    assert isinstance(body, CampaignBody)
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


def check_line_cap(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """Peak line demand (max_agents x dial_ratio) against the line cap."""
    body = _body(doc)
    concurrency, algorithm = body.concurrency, body.algorithm
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


def check_predictive_ratio(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """A predictive dialer at ratio 1.0 is a progressive one in disguise."""
    body = _body(doc)
    ratio = body.algorithm.dial_ratio
    if body.type == "predictive" and (ratio if ratio is not None else 1.0) == 1.0:
        sink.append(
            Diagnostic.at(
                doc.at(("spec", "algorithm", "dial_ratio")),
                "warning",
                "pacing-predictive-ratio",
                "a predictive dialer with dial_ratio 1.0 dials like a progressive one",
                "use type: progressive, or a dial_ratio above 1.0",
            )
        )


def _merged_verify(doc: ParsedDocument, tenant: TenantDocument | None) -> VerifyBlock | None:
    model = doc.model
    assert isinstance(model, CampaignDocument)
    return merge_verify(tenant.spec.verify if tenant else None, model.verify)


def _verify_location(doc: ParsedDocument) -> Location:
    model = doc.model
    assert isinstance(model, CampaignDocument)
    return doc.key(("verify",)) if model.verify is not None else doc.yaml.start


def check_verify_metrics(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """The merged post-apply guard must watch something."""
    merged = _merged_verify(doc, tenant)
    if merged is not None and not merged.metrics:
        sink.append(
            Diagnostic.at(
                _verify_location(doc),
                "error",
                "verify-no-metrics",
                "verify has no metrics to watch (here or in the Tenant's defaults)",
                "add e.g. `metrics: {abandonmentRate: {max: 0.03}}`",
            )
        )


def check_verify_interval(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """The merged post-apply guard must read its metrics at least once."""
    merged = _merged_verify(doc, tenant)
    if merged is not None and merged.interval_seconds > merged.watch_seconds:
        sink.append(
            Diagnostic.at(
                _verify_location(doc),
                "error",
                "verify-interval",
                f"verify interval_seconds {merged.interval_seconds:g} exceeds watch_seconds"
                f" {merged.watch_seconds:g} (after merging the Tenant's defaults)",
            )
        )


BODY_RULES: tuple[DocumentRule, ...] = (
    check_abandonment,
    check_warm_line,
    check_line_cap,
    check_predictive_ratio,
)
DOCUMENT_RULES: dict[str, tuple[DocumentRule, ...]] = {
    "OutboundSkill": SKILL_RULES,
    "DialerSettings": BODY_RULES,
    "Campaign": (
        *BODY_RULES,
        check_calling_hours,
        check_weekend_hours,
        check_dnc,
        check_verify_metrics,
        check_verify_interval,
    ),
}
