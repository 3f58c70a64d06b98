"""The guardrails over a plan: each change's window now, and the blast-radius gate.

`assess` judges a plan at an instant against the specs' windows, the Tenant's share and the
protections remembered from the last successful apply; `annotate` writes the verdicts into
the plan for review (`plan` shows them); `refusals` says what `apply` must refuse unless
overridden. The engine never branches on a kind: a resource's calling time zone and hours
come from its descriptor (`KindDescriptor.calling_clock`), and a resource without them is
tenant-wide: its windows are read in UTC, and `during: calling_hours` means "while any
managed resource with calling hours is inside them".

Which body gives a change its zone: the desired body for a create or an update (where the
resource will call), the live body for a delete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from reconciler import registry
from reconciler.desired import DesiredState
from reconciler.desired.guards import PlacedWindows
from reconciler.engine.from_specs import desired_resources
from reconciler.engine.plan import Action, Change, Plan
from reconciler.engine.records import Records
from reconciler.errors import GuardrailRefused, StateError
from reconciler.guardrails import (
    AnyCallingHours,
    CallingHours,
    GateVerdict,
    blast_radius,
    next_opening,
    window_state,
)
from reconciler.guardrails.localtime import UTC
from reconciler.kinds import CallingClock, LiveState, ResourceAddress
from reconciler.state.layout import StateDir
from reconciler.state.protected import load_protected, save_protected
from reconciler.timezones import zone_named

TENANT_WIDE_ZONE = "UTC"
WINDOW_OVERRIDE_FLAG = "--override-window"


def iso_utc(instant: datetime) -> str:
    """`2026-03-10T03:00:00Z`."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def iso_local(instant: datetime, zone: str) -> str:
    """`2026-03-09T23:00:00-04:00 America/New_York`."""
    return f"{instant.astimezone(zone_named(zone)).isoformat()} {zone}"


@dataclass(frozen=True)
class WindowCheck:
    """Whether one change may be applied at `checked_at`, and when it next may."""

    address: ResourceAddress
    open: bool
    reason: str
    zone: str  # the resource's calling zone; UTC for a tenant-wide resource
    checked_at: datetime
    next_opening: datetime | None  # closed: the first allowed instant (None: not in 366 days)
    windows: PlacedWindows
    deciding: int | None  # the window that decided, by position in `windows`

    def _named(self) -> list[int]:
        """The windows a refusal names: the deciding one, else every allow window."""
        if self.deciding is not None:
            return [self.deciding]
        return [i for i, w in enumerate(self.windows.windows) if w.kind == "allow"]

    def named(self) -> list[str]:
        """Each named window: kind, schedule, zone and where it is written."""
        return [self._describe(i) for i in self._named()]

    def _zones(self) -> list[str]:
        """The resource's zone, then the named windows' own zones (UTC is always shown)."""
        zones = [self.zone]
        for i in self._named():
            zone = self.windows.windows[i].zone_for(self.zone)
            if zone not in zones and zone != "UTC":
                zones.append(zone)
        return zones

    def _describe(self, index: int) -> str:
        window = self.windows.windows[index]
        source = self.windows.sources[index] if index < len(self.windows.sources) else "?"
        return f"{window.kind} {window.describe()} at {source}"

    @property
    def next_allowed(self) -> str:
        """When the change is next allowed, in UTC and in the resource's zone."""
        if self.open:
            return "now"
        if self.next_opening is None:
            return "none within 366 days"
        opening = self.next_opening
        local = [iso_local(opening, z) for z in self._zones() if z != "UTC"]
        return iso_utc(opening) + (f" ({'; '.join(local)})" if local else "")

    def sentence(self) -> str:
        """`open now (inside allow window ...)` or `closed now (...); next allowed ...`."""
        if self.open:
            return f"open now ({self.reason})"
        windows = "; ".join(self.named())
        why = (
            f"{windows} covers now"
            if self.deciding is not None
            else f"outside every allow window: {windows}"
        )
        return f"closed now ({why}); next allowed {self.next_allowed}"

    def to_json(self) -> dict[str, Any]:
        return {
            "open": self.open,
            "summary": self.sentence(),
            "checked_at": iso_utc(self.checked_at),
            "reason": self.reason,
            "zone": self.zone,
            "next_opening": iso_utc(self.next_opening) if self.next_opening else None,
            "next_opening_local": (
                iso_local(self.next_opening, self.zone) if self.next_opening else None
            ),
            "windows": [
                {
                    "source": source,
                    "window": f"{w.kind} {w.describe()}",
                    **({"deciding": True} if i == self.deciding else {}),
                }
                for i, (w, source) in enumerate(
                    zip(self.windows.windows, self.windows.sources, strict=True)
                )
            ],
        }


@dataclass(frozen=True)
class GateCheck:
    """The blast-radius gate over a plan, and the protected resources it would delete."""

    verdict: GateVerdict
    updates: int
    deletes: int
    protected_deletes: tuple[ResourceAddress, ...]
    protection_known: bool  # False: no record of the last successful apply here

    @property
    def trips(self) -> bool:
        """Whether apply refuses without `--allow-large-change`."""
        return not self.verdict.passes or bool(self.protected_deletes)

    @property
    def worth_showing(self) -> bool:
        """Whether the plan should say anything: it trips, or a delete's protection is unknown."""
        return self.trips or (self.deletes > 0 and not self.protection_known)

    def reasons(self) -> list[str]:
        """One line per reason the gate refuses."""
        out = []
        v = self.verdict
        if not v.passes and v.managed == 0:
            out.append(f"blast radius: {v.changes} update(s) or delete(s) and no managed resource")
        elif not v.passes:
            out.append(
                f"blast radius: the plan updates or deletes {v.changes} of the {v.managed}"
                f" managed resources, {v.share:.2%}, over max_change_share {v.max_share:.2%}"
            )
        out += [
            f"{a} was protected (`protect: true`) at the last successful apply"
            for a in self.protected_deletes
        ]
        return out

    def to_json(self) -> dict[str, Any]:
        v = self.verdict
        return {
            "trips": self.trips,
            "updates": self.updates,
            "deletes": self.deletes,
            "managed": v.managed,
            "max_share": v.max_share,
            "share": None if v.managed == 0 else v.changes / v.managed,
            "message": v.message,
            "protected_deletes": [str(a) for a in self.protected_deletes],
            "protection_known": self.protection_known,
            "summary": self.summary(),
        }

    def summary(self) -> list[str]:
        """What a reviewer reads: why apply will refuse, or what cannot be known here."""
        if self.trips:
            return [
                f"{reason}: apply refuses the plan without --allow-large-change"
                for reason in self.reasons()
            ]
        return [
            f"{self.deletes} delete(s): no record of the last successful apply here (no state "
            "directory), so whether one was protected (`protect: true`) is unknown; apply "
            "checks it against its state directory"
        ]


@dataclass(frozen=True)
class Assessment:
    """A plan judged by every guardrail at one instant."""

    windows: Mapping[ResourceAddress, WindowCheck]
    gate: GateCheck

    @property
    def closed(self) -> list[WindowCheck]:
        """The changes outside their windows, in plan order."""
        return [w for w in self.windows.values() if not w.open]

    def refusals(self, *, allow_large_change: bool, override_window: bool) -> list[str]:
        """What apply must refuse, given the overrides; empty: go ahead."""
        out = []
        if not override_window:
            out += [f"{w.address}: outside its change windows: {w.sentence()}" for w in self.closed]
        if not allow_large_change and self.gate.trips:
            out += self.gate.reasons()
        return out

    def overridden(self, *, allow_large_change: bool, override_window: bool) -> list[str]:
        """What the given overrides let through (for the audit log)."""
        out = []
        if override_window:
            out += [f"{w.address}: {w.sentence()}" for w in self.closed]
        if allow_large_change and self.gate.trips:
            out += self.gate.reasons()
        return out


def clocks_of(state: DesiredState) -> dict[ResourceAddress, CallingClock]:
    """Each desired resource's calling zone and hours (tenant-wide ones have none)."""
    out = {}
    for d in desired_resources(state):
        clock = registry.kind(d.kind).clock(d.body)
        if clock is not None:
            out[d.address] = clock
    return out


def _clock_of(
    change: Change, desired: Mapping[ResourceAddress, CallingClock], live: LiveState
) -> CallingClock | None:
    kind = registry.kind(change.kind)
    if change.action is not Action.DELETE:
        return desired.get(change.address)
    found = live.get(change.address, singleton=kind.singleton)
    return kind.clock(found.body) if found is not None else None


def check_window(
    address: ResourceAddress,
    windows: PlacedWindows,
    clock: CallingClock | None,
    any_calling: AnyCallingHours,
    now: datetime,
) -> WindowCheck:
    """The verdict of one resource's windows at `now`."""
    zone = clock.zone if clock is not None else TENANT_WIDE_ZONE
    hours: CallingHours = clock if clock is not None else any_calling
    verdict = window_state(windows.windows, now, zone, hours)
    opening = None if verdict.open else next_opening(windows.windows, now, zone, hours)
    return WindowCheck(
        address, verdict.open, verdict.reason, zone, now, opening, windows, verdict.index
    )


def check_windows(
    changes: Iterable[Change], state: DesiredState, live: LiveState, now: datetime
) -> dict[ResourceAddress, WindowCheck]:
    """Every change that has windows, judged at `now` (changes without any are always open)."""
    spec = state.guardrails
    if not spec.any_windows:
        return {}
    clocks = clocks_of(state)
    any_calling = AnyCallingHours(tuple((c.zone, c.start, c.end) for c in clocks.values()))
    out = {}
    for change in changes:
        windows = spec.windows_for(change.address)
        if windows:
            clock = _clock_of(change, clocks, live)
            out[change.address] = check_window(change.address, windows, clock, any_calling, now)
    return out


def check_gate(
    plan: Plan, state: DesiredState, protected: frozenset[ResourceAddress] | None
) -> GateCheck:
    """The gate over the plan's updates and deletes against every resource with a document.

    `protected` is what the last successful apply remembered; None when there is no record
    (no state directory, or no apply recorded in it), so protected deletes are unknown.
    """
    summary = plan.summary()
    managed = len(state.resource_docs())
    verdict = blast_radius(
        summary["update"], summary["delete"], managed, state.guardrails.max_change_share
    )
    deletes = [c.address for c in plan.changes if c.action is Action.DELETE]
    guarded = tuple(a for a in deletes if a in (protected or frozenset()))
    return GateCheck(verdict, summary["update"], summary["delete"], guarded, protected is not None)


def assess(
    plan: Plan,
    state: DesiredState,
    live: LiveState,
    now: datetime,
    protected: frozenset[ResourceAddress] | None,
) -> Assessment:
    """Every guardrail over `plan` at `now`."""
    return Assessment(
        check_windows(plan.changes, state, live, now), check_gate(plan, state, protected)
    )


def annotate(plan: Plan, assessment: Assessment) -> Plan:
    """The plan with each change's window verdict and, when worth saying, the gate's."""
    changes = tuple(
        replace(c, window=assessment.windows[c.address].to_json())
        if c.address in assessment.windows
        else c
        for c in plan.changes
    )
    gate = assessment.gate.to_json() if assessment.gate.worth_showing else None
    return replace(plan, changes=changes, gate=gate)


def protections_after(
    previous: frozenset[ResourceAddress],
    state: DesiredState,
    live_before: LiveState,
    deleted: Iterable[ResourceAddress],
) -> frozenset[ResourceAddress]:
    """What a successful apply remembers as protected.

    Every document saying `protect: true`, and every resource remembered before whose
    document is gone while the resource itself is still live (removing a document never
    lifts a protection; a document without `protect: true` does).
    """
    documented = {d.address for d in desired_resources(state)}
    gone = set(deleted)
    kept = {
        a
        for a in previous
        if a not in documented and a not in gone and live_before.get(a) is not None
    }
    return frozenset(state.guardrails.protected | kept)


@dataclass(frozen=True)
class Overrides:
    """The flags that let a refused plan through, each recorded in the audit log."""

    allow_large_change: bool = False
    window_reason: str | None = None  # --override-window REASON

    def refusals(self, assessment: Assessment) -> list[str]:
        return assessment.refusals(
            allow_large_change=self.allow_large_change,
            override_window=self.window_reason is not None,
        )


def enforce(assessment: Assessment, overrides: Overrides) -> None:
    """GuardrailRefused naming every change window and gate reason that refuses the plan."""
    refused = overrides.refusals(assessment)
    if not refused:
        return
    advice = []
    if assessment.closed and overrides.window_reason is None:
        advice.append(
            "apply when the windows open (or leave the closed changes out with --target); "
            f'for an emergency pass {WINDOW_OVERRIDE_FLAG} "REASON"'
        )
    if assessment.gate.trips and not overrides.allow_large_change:
        advice.append(
            "review the plan and split it (--target), or, knowingly, pass --allow-large-change"
        )
    raise GuardrailRefused(
        "the guardrails refuse this plan; nothing was written:\n  " + "\n  ".join(refused),
        hint="; ".join(advice) + " (an override is recorded in the audit log)",
    )


def audit_overrides(
    records: Records,
    assessment: Assessment,
    overrides: Overrides,
    *,
    actor: str,
    plan: Plan,
) -> None:
    """One audit entry per override flag given; StateError when it cannot be recorded."""
    entries: list[tuple[dict[str, Any], list[str]]] = []
    if overrides.window_reason is not None:
        closed = [f"{w.address}: {w.sentence()}" for w in assessment.closed]
        entries.append(({"window_reason": overrides.window_reason}, closed))
    if overrides.allow_large_change:
        gate = assessment.gate.reasons() if assessment.gate.trips else []
        entries.append(({"allow_large_change": True}, gate))
    for override, overridden in entries:
        recorded = records.audit_entry(
            "override",
            actor=actor,
            environment=plan.environment,
            plan_digest=plan.digest,
            override=override,
            overridden=overridden,
        )
        if not recorded:  # an override must be on the record before anything is written
            raise StateError(
                "cannot record the override in the audit log, so nothing was written: "
                + "; ".join(records.unrecorded),
                hint="free space in the state directory (RECONCILER_STATE_DIR), then run again",
            )


def remember_protections(
    state: StateDir, desired: DesiredState, live_before: LiveState, plan: Plan
) -> str | None:
    """After a successful apply: record what is protected; a message when it could not be."""
    deleted = [c.address for c in plan.changes if c.action is Action.DELETE]
    try:
        previous = load_protected(state) or frozenset()
        protected = protections_after(previous, desired, live_before, deleted)
        save_protected(state, protected, plan_digest=plan.digest)
    except StateError as exc:
        return f"the protection record ({state.protected_path}): {exc.message}"
    return None
