"""What a rollback will do, before it does it: its scope, and a plan of its changes.

By default a rollback restores what the repo manages (a resource with a document) and what
the reverted apply touched (every resource of a pre-apply snapshot); a resource the repo
does not manage keeps its live content (an edit made there on purpose is not undone), and
the preview names it. `whole_tenant` restores everything the snapshot holds.

The preview is a `Plan` (so every renderer of `plan` shows it): one change per resource
whose live content differs from the snapshot, the diff going from live to the snapshot.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from reconciler import registry
from reconciler.engine.apply import resource_key
from reconciler.engine.diff import diff_bodies
from reconciler.engine.normalize import Normalizer
from reconciler.engine.plan import Action, Change, Plan, change_sort_key
from reconciler.engine.planner import with_secret
from reconciler.kinds import LiveState, ResourceAddress
from reconciler.state.snapshots import Snapshot

# Snapshots of the whole tenant (taken after a verified apply or a guard restore); the
# others hold only what one apply touched.
WHOLE_TENANT_REASONS = ("applied", "guard-restored")


@dataclass(frozen=True)
class RollbackScope:
    """Which of a snapshot's resources a rollback restores, and which it leaves alone."""

    restore: frozenset[ResourceAddress]
    not_managed: tuple[ResourceAddress, ...]  # in the snapshot, left alone (no document)
    created_since: tuple[ResourceAddress, ...]  # live, not in a whole-tenant snapshot


def rollback_scope(
    snapshot: Snapshot,
    live: LiveState,
    managed: Collection[ResourceAddress],
    *,
    whole_tenant: bool = False,
) -> RollbackScope:
    """The default scope: managed resources, plus everything a pre-apply snapshot holds."""
    managed_keys = {resource_key(a) for a in managed}
    held = [ResourceAddress(r.kind, r.name) for r in snapshot.resources]
    touched_by_reverted_apply = snapshot.reason not in WHOLE_TENANT_REASONS
    restore = frozenset(
        a
        for a in held
        if whole_tenant or touched_by_reverted_apply or resource_key(a) in managed_keys
    )
    held_keys = {resource_key(a) for a in held}
    created: tuple[ResourceAddress, ...] = ()
    if snapshot.reason in WHOLE_TENANT_REASONS:
        created = tuple(
            a
            for a in sorted(live.resources)
            if not registry.kind(a.kind).singleton and resource_key(a) not in held_keys
        )
    return RollbackScope(restore, tuple(sorted(a for a in held if a not in restore)), created)


def rollback_plan(
    snapshot: Snapshot,
    live: LiveState,
    scope: RollbackScope,
    *,
    spec_digest: str,
    created_at: str | None = None,
    tool_version: str = "",
) -> Plan:
    """The changes that bring the scope back to the snapshot, as a plan to show."""
    norm = Normalizer()
    changes = []
    for r in snapshot.resources:
        address = ResourceAddress(r.kind, r.name)
        if address not in scope.restore:
            continue
        kind = registry.kind(r.kind)
        cur = live.get(address, singleton=kind.singleton)
        now, want = norm.compare(
            r.kind,
            r.name,
            cur.body if cur is not None else None,
            kind.model(r.body) if r.body else None,
            exact=True,
        )
        if want == now:
            continue
        action = Action.DELETE if want is None else Action.CREATE if now is None else Action.UPDATE
        diff = diff_bodies(now, want)
        if kind.secret is not None and action is not Action.DELETE:
            diff = with_secret(diff, kind.secret, action)  # re-sent from the environment
        changes.append(
            Change(
                r.kind,
                r.name,
                action,
                diff,
                live_version_tag=cur.version_tag if cur is not None else None,
                resource_id=cur.id if cur is not None else r.id,
                desired=r.body,
            )
        )
    changes.sort(key=lambda c: change_sort_key(c.kind, c.name, c.action))
    notes = [f"rolling back to snapshot {snapshot.id} ({snapshot.reason}, {snapshot.created_at})"]
    if scope.not_managed:
        notes.append(
            f"{len(scope.not_managed)} resource(s) of the snapshot have no document in the "
            "repo and keep their live content (`--whole-tenant` restores them too): "
            + _names(scope.not_managed)
        )
    if scope.created_since:
        notes.append(
            f"{len(scope.created_since)} live resource(s) were created after this snapshot and "
            "are left alone (a rollback never deletes what it did not record): "
            + _names(scope.created_since)
        )
    return Plan(
        environment=snapshot.environment,
        spec_digest=spec_digest,
        changes=tuple(changes),
        observed=live.version_tags(),
        unmanaged=tuple((a.kind, a.name) for a in (*scope.not_managed, *scope.created_since)),
        created_at=created_at,
        tool_version=tool_version,
        notes=tuple(notes),
    )


def _names(addresses: tuple[ResourceAddress, ...], limit: int = 20) -> str:
    shown = ", ".join(str(a) for a in addresses[:limit])
    more = len(addresses) - limit
    return shown + (f" ... and {more} more" if more > 0 else "")
