"""Offline rules for a real CXone tenant's outbound skills, from the jurisdiction table.

- abandonment: `generalSettings.abandonRateThreshold` is a percent; above the law's cap
  (or the tenant's stricter one) it is an error, unless the spec turns the skill's own rate
  off (`overrideBusinessUnitAbandonRate: false`: the business unit's rate applies), then a
  warning;
- calling hours: every active day of `scheduleSettings` and every called zone of
  `timeZoneSettings` inside the calling window (the law's, narrowed by the tenant's);
- DNC: every group of `compliance.dnc_groups_required` scrubs the skill;
- the 2-second rule: `cpaSettings.abandonTimeout` above the connect window is a warning
  (the law counts the call abandoned after 2 s whatever the dialer holds);
- `maximumAttempts` and `minimumRetryMinutes` are one setting shown in two blocks: a spec
  may manage each in one block only.

Ranges (`maximumRatio` 1-3 and every other documented one) are the models' own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.cxone_admin.blocks import SHARED_FIELDS
from reconciler.cxone_admin.kinds import business_unit_of
from reconciler.desired.desired_state import DesiredState, SkillDoc
from reconciler.desired.diagnostics import Diagnostic
from reconciler.desired.documents import ParsedDocument
from reconciler.desired.jurisdictions import DEFAULT_JURISDICTION, JURISDICTIONS, Jurisdiction
from reconciler.desired.models import TenantDocument
from reconciler.desired.skills import OutboundSkillDocument
from reconciler.dialer_v1.bodies import minutes_of_day
from reconciler.kinds import LiveState, ResourceAddress

DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


def _rules(tenant: TenantDocument | None) -> Jurisdiction:
    code = tenant.spec.compliance.jurisdiction if tenant is not None else DEFAULT_JURISDICTION
    return JURISDICTIONS[code]


def _skill(doc: ParsedDocument) -> OutboundSkillDocument:
    assert isinstance(doc.model, OutboundSkillDocument)
    return doc.model


def check_abandon_threshold(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """abandonRateThreshold (a percent) within the law's cap and the tenant's own."""
    general = _skill(doc).spec.generalSettings
    threshold = getattr(general, "abandonRateThreshold", None)
    if threshold is None:
        return
    rules = _rules(tenant)
    own = tenant.spec.compliance.max_abandonment_rate if tenant is not None else None
    cap = min(rules.abandonment_cap, own) if own is not None else rules.abandonment_cap
    percent = round(cap * 100, 6)
    if threshold <= percent:
        return
    where = doc.at(("spec", "generalSettings", "abandonRateThreshold"))
    whose = (
        f"the tenant's max_abandonment_rate ({percent:g} %)"
        if own is not None and own < rules.abandonment_cap
        else f"the {rules.code} cap of {percent:g} % ({rules.abandonment_source})"
    )
    override = getattr(general, "overrideBusinessUnitAbandonRate", None)
    if override is False:
        sink.append(
            Diagnostic.at(
                where,
                "warning",
                "skill-abandon-threshold-unused",
                f"abandonRateThreshold {threshold:g} is above {whose}; it is not applied "
                "(overrideBusinessUnitAbandonRate is false: the business unit's rate applies)",
                f"set it to at most {percent:g}, in case the override is turned on",
            )
        )
        return
    sink.append(
        Diagnostic.at(
            where,
            "error",
            f"{rules.code.lower()}-skill-abandon-threshold",
            f"abandonRateThreshold {threshold:g} (a percent) is above {whose}",
            f"set abandonRateThreshold to at most {percent:g}",
        )
    )


def _windows(tenant: TenantDocument | None) -> list[tuple[str, str, str, str]]:
    """(start, end, source, code) of every calling window that applies."""
    rules = _rules(tenant)
    out = []
    if rules.calling_window is not None:
        w = rules.calling_window
        out.append(
            (w.start, w.end, rules.calling_hours_source, f"{rules.code.lower()}-calling-hours")
        )
    own = tenant.spec.compliance.calling_hours if tenant is not None else None
    if own is not None:
        out.append(
            (own.start, own.end, "the tenant's compliance.calling_hours", "tenant-calling-hours")
        )
    return out


def _check_window(
    doc: ParsedDocument,
    tenant: TenantDocument | None,
    sink: list[Diagnostic],
    what: str,
    start: str | None,
    end: str | None,
    loc: tuple[str | int, ...],
) -> None:
    for low, high, source, code in _windows(tenant):
        outside = (start is not None and minutes_of_day(start) < minutes_of_day(low)) or (
            end is not None and minutes_of_day(end) > minutes_of_day(high)
        )
        if outside:
            sink.append(
                Diagnostic.at(
                    doc.at(loc),
                    "error",
                    code,
                    f"{what} {start or '?'}-{end or '?'} is outside the calling window "
                    f"{low}-{high} ({source})",
                    f"keep it within {low}-{high}",
                )
            )
            return


def check_skill_hours(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """Active schedule days and called zones inside the calling window."""
    spec = _skill(doc).spec
    schedule = spec.scheduleSettings
    if schedule is not None:
        for day in DAYS:
            if getattr(schedule, f"{day}IsActive", None) is not True:
                continue  # only days the skill runs are checked
            start = getattr(schedule, f"{day}StartTime", None)
            end = getattr(schedule, f"{day}EndTime", None)
            loc = ("spec", "scheduleSettings", f"{day}StartTime" if start else f"{day}IsActive")
            _check_window(doc, tenant, sink, f"the {day} schedule", start, end, loc)
    for index, zone in enumerate(spec.timeZoneSettings or []):
        if getattr(zone, "timeZoneActiveToCall", None) is False:
            continue
        name = getattr(zone, "standardName", "?")
        zone_loc: tuple[str | int, ...] = ("spec", "timeZoneSettings", index)
        start, end = getattr(zone, "startTime", None), getattr(zone, "endTime", None)
        what = f"the calling window of zone {name!r}"
        _check_window(doc, tenant, sink, what, start, end, zone_loc)


def check_required_groups(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """Every group of `compliance.dnc_groups_required` scrubs the skill."""
    required = tenant.spec.compliance.dnc_groups_required if tenant is not None else []
    listed = _skill(doc).spec.dncGroups
    missing = [g for g in required if g not in (listed or [])]
    if not missing:
        return
    where = doc.at(("spec", "dncGroups")) if listed is not None else doc.key(("spec",))
    sink.append(
        Diagnostic.at(
            where,
            "error",
            "skill-dnc-required",
            f"the skill is not scrubbed by {', '.join(missing)}, which the Tenant's "
            "compliance.dnc_groups_required lists",
            f"add {', '.join(missing)} to spec.dncGroups",
        )
    )


def check_abandon_timeout(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """The 2-second rule on cpaSettings.abandonTimeout."""
    timeout = getattr(_skill(doc).spec.cpaSettings, "abandonTimeout", None)
    rules = _rules(tenant)
    if timeout is None or timeout <= rules.connect_window_sec:
        return
    sink.append(
        Diagnostic.at(
            doc.at(("spec", "cpaSettings", "abandonTimeout")),
            "warning",
            "skill-two-second-rule",
            f"abandonTimeout {timeout:g} s is above {rules.connect_window_sec:g} s: a call "
            f"not connected within {rules.connect_window_sec:g} s is abandoned whatever the "
            f"dialer holds ({rules.connect_source})",
            f"set abandonTimeout to at most {rules.connect_window_sec:g}",
        )
    )


def check_shared_fields(
    doc: ParsedDocument, tenant: TenantDocument | None, sink: list[Diagnostic]
) -> None:
    """maximumAttempts / minimumRetryMinutes managed in one of their two blocks only."""
    spec = _skill(doc).spec
    for name in SHARED_FIELDS:
        general = getattr(spec.generalSettings, name, None)
        retry = getattr(spec.retrySettings, name, None)
        if general is not None and retry is not None:
            sink.append(
                Diagnostic.at(
                    doc.key(("spec", "retrySettings", name)),
                    "error",
                    "skill-shared-field",
                    f"`{name}` is one setting shown in generalSettings and retrySettings: "
                    "manage it in one of the two blocks only",
                    f"remove `{name}` from one of the two blocks",
                )
            )


SkillRule = Callable[[ParsedDocument, TenantDocument | None, list[Diagnostic]], None]
SKILL_RULES: tuple[SkillRule, ...] = (
    check_abandon_threshold,
    check_skill_hours,
    check_required_groups,
    check_abandon_timeout,
    check_shared_fields,
)


# -- rules that need what the tenant holds (run at plan time, after the read) --------------
def check_against_tenant(state: DesiredState, live: LiveState) -> list[Diagnostic]:
    """The skills against the business unit and the tenant's DNC groups.

    - a ratio above 1 while the unit forbids predictive dialing;
    - `overrideBusinessUnitAbandonRate` true while the unit's skill abandon rate is off;
    - a DNC group that neither exists nor has a document;
    - a time zone the business unit does not enable;
    - with `staffing` declared, the skills' line needs (agents x maximumRatio) together above
      the unit's `outboundPortLimit`.
    """
    unit = business_unit_of(live)
    found: list[Diagnostic] = []
    groups = {r.name for r in live.of_kind("DncGroup")} | {g.name for g in state.dnc_groups}
    needs: list[tuple[SkillDoc, int]] = []
    for skill in state.skills:
        ratio, override = (
            _effective(skill, live, "maximumRatio"),
            _effective(skill, live, "overrideBusinessUnitAbandonRate"),
        )
        if unit is not None and unit.allowPredictiveDialing is False and (ratio or 1) > 1:
            found.append(
                Diagnostic.at(
                    skill.source,
                    "error",
                    "unit-no-predictive",
                    f"{skill.name}: maximumRatio {ratio} dials more than one line per agent, "
                    "but the business unit does not allow predictive dialing",
                    "set generalSettings.maximumRatio to 1 (or enable predictive dialing for "
                    "the business unit)",
                )
            )
        if unit is not None and override is True and unit.enableSkillAbandonRate is False:
            found.append(
                Diagnostic.at(
                    skill.source,
                    "error",
                    "unit-skill-abandon-rate-off",
                    f"{skill.name}: overrideBusinessUnitAbandonRate is on, but the business "
                    "unit's skill abandon rate is off, so the skill's threshold is not applied",
                    "turn enableSkillAbandonRate on for the business unit, or set "
                    "overrideBusinessUnitAbandonRate: false",
                )
            )
        unit_zones = sorted(z.standardName or "" for z in (unit.timeZones or [])) if unit else []
        enabled = {z.casefold() for z in unit_zones}
        zones = skill.body.blocks.get("timeZoneSettings")
        listed = [z.standardName or "" for z in getattr(zones, "zones", None) or []]
        foreign = [z for z in listed if enabled and z.casefold() not in enabled]
        if foreign:
            found.append(
                Diagnostic.at(
                    skill.source,
                    "error",
                    "unit-zone-unknown",
                    f"{skill.name}: time zone {', '.join(foreign)} is not one the business unit "
                    "enables, so the API would refuse the block",
                    "use one of: " + ", ".join(unit_zones),
                )
            )
        unknown = [g for g in skill.body.dncGroups or () if g not in groups]
        if unknown:
            found.append(
                Diagnostic.at(
                    skill.source,
                    "error",
                    "dnc-group-unknown",
                    f"{skill.name}: no DNC group named {', '.join(unknown)} in the tenant "
                    "or the specs",
                    "fix the name, or declare the group with a DncGroup document",
                )
            )
        if skill.staffing is not None:
            needs.append((skill, skill.staffing.agents * int(ratio or 1)))
    limit = unit.outboundPortLimit if unit is not None else None
    total = sum(need for _, need in needs)
    if needs and limit is not None and total > limit:
        parts = ", ".join(f"{s.name} {n}" for s, n in needs)
        found.append(
            Diagnostic.at(
                needs[0][0].source,
                "error",
                "unit-port-limit",
                f"the skills with staffing need {total} lines together ({parts}: agents x "
                f"maximumRatio), above the business unit's outboundPortLimit of {limit}",
                "lower staffing.agents or maximumRatio, or raise the unit's port limit",
            )
        )
    return found


def _effective(skill: SkillDoc, live: LiveState, name: str) -> Any:
    """A generalSettings field as it will be: the spec's value, else the live one."""
    desired = skill.body.blocks.get("generalSettings")
    value = getattr(desired, name, None) if desired is not None else None
    if value is not None:
        return value
    current = live.get(ResourceAddress("OutboundSkill", skill.name))
    body = current.body if current is not None else None
    blocks = getattr(body, "blocks", {})
    general = blocks.get("generalSettings") if isinstance(blocks, dict) else None
    return getattr(general, name, None) if general is not None else None


LiveRule = Callable[[DesiredState, LiveState], list[Diagnostic]]
LIVE_RULES: dict[str, tuple[LiveRule, ...]] = {"cxone-admin": (check_against_tenant,)}
