"""Why a saved plan is stale: per resource that moved, each field the plan saw and its value now.

What a plan saw of each live resource is rebuilt, not stored: a resource it planned no
change for looked like the specs (the spec digest must still match, so the specs are the
same ones); a resource it updates looked like the specs but for the diff's `before` values;
a delete's diff holds every field it saw. Only what cannot be rebuilt is stored in the plan
(`Plan.seen`): the live bodies of resources a targeted plan leaves unreconciled. Live
resources the specs do not manage (and `prune: false` leaves alone) are not recorded: the
explanation names them and their tags only. This keeps a 2,000-campaign plan file as small
as before (README, Guardrails).

Compared as the plan compares (the specs' normalizer): a resource whose tag moved while
every compared field stayed is explained as such (an ignored or server-managed field
moved, or the same values were written again).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from reconciler import registry
from reconciler.desired import DesiredState
from reconciler.engine.diff import diff_bodies
from reconciler.engine.from_specs import desired_resources, normalizer_for
from reconciler.engine.normalize import Normalizer, _pop_path, _set_path
from reconciler.engine.plan import Action, Change, FieldChange, Plan
from reconciler.errors import StalePlan
from reconciler.kinds import LiveState, ResourceAddress

Json = dict[str, Any]
NOT_RECORDED = (
    "not managed by the specs (prune is off): the plan did not record its fields, only its tag"
)
SAME_FIELDS = (
    "no compared field differs: a field the specs ignore (ignore_differences) or the server "
    "manages moved, or the same values were written again"
)


@dataclass(frozen=True)
class MovedResource:
    """One live resource that is not as the plan saw it."""

    address: ResourceAddress
    tag_then: str | None  # None: it did not exist when the plan was made
    tag_now: str | None  # None: it is gone
    fields: tuple[FieldChange, ...] = ()  # before: what the plan saw; after: live now
    note: str | None = None

    @property
    def headline(self) -> str:
        """`Campaign.X: versionTag v1 -> v2`, or created / deleted since the plan."""
        if self.tag_then is None:
            return f"{self.address}: created since the plan was made (versionTag {self.tag_now})"
        if self.tag_now is None:
            return f"{self.address}: deleted since the plan was made (was {self.tag_then})"
        return f"{self.address}: versionTag {self.tag_then} -> {self.tag_now}"

    def to_json(self) -> Json:
        return {
            "kind": self.address.kind,
            "name": self.address.name,
            "version_tag_then": self.tag_then,
            "version_tag_now": self.tag_now,
            "fields": [{"path": f.path, "then": f.before, "now": f.after} for f in self.fields],
            "note": self.note,
        }


@dataclass(frozen=True)
class Staleness:
    """Every resource that moved between a saved plan and the live tenant now."""

    environment: str
    plan_digest: str
    plan_created_at: str | None
    resources: tuple[MovedResource, ...]

    @property
    def stale(self) -> bool:
        return bool(self.resources)

    def to_json(self) -> Json:
        return {
            "format_version": 1,
            "environment": self.environment,
            "plan_digest": self.plan_digest,
            "plan_created_at": self.plan_created_at,
            "stale": self.stale,
            "resources": [r.to_json() for r in self.resources],
        }


def _key(address: ResourceAddress) -> tuple[str, str]:
    return registry.kind(address.kind).pair_key(address.name)


def _seen_by_update(desired: Json, change: Change) -> Json:
    """The live body an update was planned against: desired but for the diff's befores."""
    seen = copy.deepcopy(desired)
    for field in change.diff:
        if field.sensitive:
            continue
        if field.before is None:
            _pop_path(seen, field.path)
        else:
            _set_path(seen, field.path, copy.deepcopy(field.before))
    return seen


def _seen_by_delete(change: Change) -> Json:
    seen: Json = {}
    for field in change.diff:
        if not field.sensitive and field.before is not None:
            _set_path(seen, field.path, copy.deepcopy(field.before))
    return seen


class _Sight:
    """What the plan saw of each resource, rebuilt from the plan and the specs."""

    def __init__(self, plan: Plan, state: DesiredState, normalizer: Normalizer) -> None:
        self.plan, self.normalizer = plan, normalizer
        self.changes = {_key(c.address): c for c in plan.changes}
        self.desired = {_key(d.address): d for d in desired_resources(state)}

    def desired_body(self, address: ResourceAddress) -> BaseModel | None:
        """The resource's desired body, if the specs declare it."""
        want = self.desired.get(_key(address))
        return want.body if want is not None else None

    def saw(self, address: ResourceAddress) -> Json | None:
        """The comparable body the plan saw; None when it did not record it."""
        recorded: Json | None = self.plan.seen.get(address.kind, {}).get(address.name)
        if recorded is not None:
            return recorded
        key = _key(address)
        change, want = self.changes.get(key), self.desired.get(key)
        if change is not None and change.action is Action.DELETE:
            return _seen_by_delete(change)
        if want is None:
            return None
        desired = self.normalizer.comparable(want.kind, want.name, want.body)
        return desired if change is None else _seen_by_update(desired, change)


def explain(
    plan: Plan, state: DesiredState, live: LiveState, normalizer: Normalizer | None = None
) -> Staleness:
    """Which live resources moved since the plan was made, and how (field by field)."""
    norm = normalizer or normalizer_for(state)
    sight = _Sight(plan, state, norm)
    now_tags = live.version_tags()
    moved: list[MovedResource] = []
    for kind, tags in sorted(plan.observed.items()):
        for name, tag in sorted(tags.items()):
            address = ResourceAddress(kind, name)
            current = now_tags.get(kind, {}).get(name)
            if current == tag:
                continue
            if current is None:
                moved.append(MovedResource(address, tag, None))
                continue
            seen, want = sight.saw(address), sight.desired_body(address)
            moved.append(_fields_moved(address, tag, current, seen, want, live, norm))
    for kind, tags in sorted(now_tags.items()):
        for name, tag in sorted(tags.items()):
            if name not in plan.observed.get(kind, {}):
                moved.append(MovedResource(ResourceAddress(kind, name), None, tag))
    return Staleness(plan.environment, plan.digest, plan.created_at, tuple(moved))


def _fields_moved(
    address: ResourceAddress,
    tag: str,
    current: str,
    seen: Json | None,
    want: BaseModel | None,
    live: LiveState,
    norm: Normalizer,
) -> MovedResource:
    if seen is None:
        return MovedResource(address, tag, current, note=NOT_RECORDED)
    resource = live.get(address)
    assert resource is not None  # its tag is in the live state
    # As the plan compared it: where a kind manages only the fields a spec writes (a
    # skill's blocks), the live body cut down to those.
    now, _ = norm.compare(address.kind, address.name, resource.body, want, exact=norm.prune)
    assert now is not None
    fields = diff_bodies(seen, now)
    return MovedResource(address, tag, current, fields, None if fields else SAME_FIELDS)


def refuse_stale(
    plan: Plan, state: DesiredState, live: LiveState, normalizer: Normalizer | None = None
) -> None:
    """Refuse a saved plan that no longer fits the specs or the tenant.

    A moved live resource is refused with the explanation (`StalePlan`); a plan for other
    specs or another environment with `Plan.check_fresh`'s own message.
    """
    same_specs = plan.environment == state.environment and plan.spec_digest == state.digest
    if same_specs:
        staleness = explain(plan, state, live, normalizer)
        if staleness.stale:
            raise StalePlanExplained(staleness)
    plan.check_fresh(state.environment, state.digest, live)


class StalePlanExplained(StalePlan):
    """A stale plan and what moved; the CLI prints the explanation (render/staleness.py)."""

    def __init__(self, staleness: Staleness) -> None:
        count = len(staleness.resources)
        super().__init__(
            f"the plan is stale: {count} live resource(s) changed since it was made; "
            "nothing was written",
            hint="run `reconciler plan --out` again and review the new plan",
        )
        self.staleness = staleness
