"""Validate's check of change windows: every resource can be changed within 366 days.

A window list that leaves a resource closed for a whole year from some instant of the
coming year is an error at the list (the document's `change_windows`, or the Tenant's when
the document inherits it), naming the resources it shuts and the instant the closed year
starts. Each resource is judged in its own calling time zone and hours, as apply judges it
(`KindDescriptor.calling_clock`); tenant-wide resources, and deletes, in UTC with "inside
the calling hours" meaning while any campaign calls. Bad cron, durations, zones and shapes
are the window model's own errors, located at the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from reconciler import registry
from reconciler.desired.diagnostics import Diagnostic, Location
from reconciler.desired.documents import ParsedDocument
from reconciler.desired.models import GuardedDocument, TenantDocument
from reconciler.desired.salvage import given, known
from reconciler.guardrails import AnyCallingHours, CallingHours, ChangeWindow, start_of_closed_year
from reconciler.kinds import CallingClock

TENANT_WIDE = "tenant-wide resources and deletes"
SHOWN = 3


def _clock(doc: ParsedDocument) -> CallingClock | None:
    """The document's calling clock (UnknownValue when its body is in error).

    The descriptor is asked with the document's `spec`, which is the API body for every
    kind that declares calling hours (a campaign's)."""
    descriptor = registry.KINDS.get(doc.kind)
    model = doc.model
    if descriptor is None or not isinstance(model, GuardedDocument):
        return None
    spec = given(getattr(model, "spec", None))  # every resource document has one
    return descriptor.clock(spec) if isinstance(spec, BaseModel) else None


def _own(doc: ParsedDocument) -> list[ChangeWindow] | None:
    """The document's own `change_windows` (None: it inherits the Tenant's)."""
    model = doc.model
    if not isinstance(model, GuardedDocument):
        return None
    own = given(model.change_windows)
    return None if own is None else list(own)


def _closed_from(
    windows: Sequence[ChangeWindow],
    clock: CallingClock | None,
    others: AnyCallingHours,
    now: datetime,
) -> datetime | None:
    zone = clock.zone if clock is not None else "UTC"
    hours: CallingHours = clock if clock is not None else others
    return start_of_closed_year(windows, zone, hours, now=now)


def check_windows_open(
    docs: Sequence[ParsedDocument],
    tenant: ParsedDocument | None,
    sink: list[Diagnostic],
    *,
    now: datetime,
) -> None:
    """An error per window list that shuts some resource for 366 days.

    Parts in error (a window list, a body, a name) are skipped until fixed, never guessed.
    """
    inherited = _tenant_windows(tenant)
    resources = [d for d in docs if isinstance(d.model, GuardedDocument)]
    clocks: dict[int, CallingClock | None] = {}
    for doc in resources:
        if known(_clock, doc):
            clocks[id(doc)] = _clock(doc)
    others = AnyCallingHours(
        tuple((c.zone, c.start, c.end) for c in clocks.values() if c is not None)
    )
    shut: dict[Location, list[tuple[str, datetime]]] = {}
    if inherited:
        stuck = _closed_from(inherited[1], None, others, now)
        if stuck is not None:
            shut.setdefault(inherited[0], []).append((TENANT_WIDE, stuck))
    for doc in resources:
        if id(doc) not in clocks or not known(_address, doc) or not known(_own, doc):
            continue
        own = _own(doc)
        if own is None and inherited:
            where, listed = inherited
        elif own:
            where, listed = doc.key(("change_windows",)), own
        else:
            continue
        stuck = _closed_from(listed, clocks[id(doc)], others, now)
        if stuck is not None:
            shut.setdefault(where, []).append((_address(doc), stuck))
    for where, found in sorted(shut.items()):
        sink.append(_never_opens(where, found))
    if not others.hours:
        _warn_calling_hours_deny_nothing(resources, inherited, clocks, sink)


def _warn_calling_hours_deny_nothing(
    resources: Sequence[ParsedDocument],
    inherited: tuple[Location, list[ChangeWindow]] | None,
    clocks: dict[int, CallingClock | None],
    sink: list[Diagnostic],
) -> None:
    """`during: calling_hours` for a tenant-wide resource when no resource calls at all."""
    lists = [inherited] if inherited else []
    for doc in resources:
        tenant_wide = id(doc) in clocks and clocks[id(doc)] is None
        if tenant_wide and known(_own, doc) and _own(doc):
            lists.append((doc.key(("change_windows",)), _own(doc) or []))
    for where, listed in lists:
        if any(w.during is not None for w in listed):
            sink.append(
                Diagnostic.at(
                    where,
                    "warning",
                    "calling-hours-deny-nothing",
                    "`during: calling_hours` denies nothing here: for a resource without calling"
                    " hours of its own it means while any campaign calls, and no managed"
                    " resource declares calling hours",
                    "use a schedule window (e.g. deny weekdays 08:00-21:00 in your zone)",
                )
            )


def _tenant_windows(tenant: ParsedDocument | None) -> tuple[Location, list[ChangeWindow]] | None:
    """Where the Tenant's windows are written and what they are; None: none, or in error."""
    if tenant is None or not isinstance(tenant.model, TenantDocument):
        return None
    model = tenant.model
    if not known(lambda: list(given(model.spec).change_windows)):
        return None
    listed = list(model.spec.change_windows)
    return (tenant.key(("spec", "change_windows")), listed) if listed else None


def _address(doc: ParsedDocument) -> str:
    return f"{doc.kind}.{given(doc.name)}"


def _never_opens(where: Location, found: list[tuple[str, datetime]]) -> Diagnostic:
    names = [name for name, _ in found]
    shown = ", ".join(names[:SHOWN]) + (
        f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    )
    first = min(stuck for _, stuck in found).replace(microsecond=0)
    when = first.isoformat().replace("+00:00", "Z")
    return Diagnostic.at(
        where,
        "error",
        "change-windows-never-open",
        f"change_windows never allow a change to {shown} for 366 days from {when}",
        "add or widen an allow window, or narrow a deny window (a deny window wins where they "
        "overlap)",
    )
