"""Build the Plan from desired and live state: pair, normalise, diff, order. No I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel

from reconciler import registry
from reconciler.engine.diff import diff_bodies
from reconciler.engine.normalize import Normalizer
from reconciler.engine.pairing import DesiredResource, Pair, pair
from reconciler.engine.plan import (
    SENSITIVE,
    Action,
    Change,
    FieldChange,
    Plan,
    PlanWarning,
    change_sort_key,
)
from reconciler.errors import PlanError
from reconciler.kinds import LiveState, ResourceAddress, SecretField

# (kind, name, live body or None, desired body or None) -> prediction JSON or None
Predictor = Callable[[str, str, BaseModel | None, BaseModel | None], dict[str, Any] | None]


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: what the Tenant spec and the flags said."""

    prune: bool = False
    resend_secrets: bool = False
    normalizer: Normalizer = field(default_factory=Normalizer)
    # `--target`: plan only these resources (None: all); see engine/targeting.py.
    targets: frozenset[ResourceAddress] | None = None

    def targeted(self, address: ResourceAddress) -> bool:
        """Whether the plan covers `address`."""
        return self.targets is None or address in self.targets


def with_secret(
    diff: tuple[FieldChange, ...], secret: SecretField, action: Action
) -> tuple[FieldChange, ...]:
    """The diff plus the write-only secret, which every create and update sends whole."""
    before = None if action is Action.CREATE else SENSITIVE
    sent = FieldChange(secret.dotted, before, SENSITIVE, sensitive=True)
    return tuple(sorted((*diff, sent), key=lambda c: c.path))


def _change_for(p: Pair, options: PlanOptions) -> Change | None:
    norm, kind = options.normalizer, registry.kind(p.kind)
    d, r = p.desired, p.live
    if d is None:
        if r is None or kind.singleton or not options.prune or not kind.deletable:
            return None
        before = norm.comparable(p.kind, p.name, r.body)
        return Change(
            p.kind,
            p.name,
            Action.DELETE,
            diff_bodies(before, None),
            live_version_tag=r.version_tag,
            resource_id=r.id,
        )
    desired_json = kind.to_json(d.body)
    if r is None:
        diff = diff_bodies(None, norm.comparable(p.kind, p.name, d.body))
        if kind.secret is not None:
            diff = with_secret(diff, kind.secret, Action.CREATE)
        return Change(
            p.kind,
            p.name,
            Action.CREATE,
            diff,
            desired=desired_json,
            secret_env=d.secret_env,
            source=d.source,
        )
    diff = diff_bodies(*norm.compare(p.kind, p.name, r.body, d.body, exact=options.prune))
    if kind.secret is not None and (diff or options.resend_secrets):
        # A write replaces the whole body, so the write-only secret is always re-sent.
        diff = with_secret(diff, kind.secret, Action.UPDATE)
    if not diff:
        return None
    send = norm.merge_ignored(p.kind, p.name, desired_json, kind.to_json(r.body))
    return Change(
        p.kind,
        p.name,
        Action.UPDATE,
        diff,
        live_version_tag=r.version_tag,
        resource_id=r.id,
        desired=send,
        secret_env=d.secret_env,
        source=d.source,
        live_parts=dict(r.parts) if r.parts else None,
    )


def _running(changes: list[Change], live: LiveState) -> tuple[PlanWarning, ...]:
    """A change to a running resource (a dialing skill) reaches live calls at once."""
    out = []
    for c in changes:
        r = live.get(c.address, singleton=registry.kind(c.kind).singleton)
        if c.action is Action.UPDATE and r is not None and "running" in r.flags:
            out.append(
                PlanWarning(
                    f"{c.address} is running: its changes take effect on live calls at once",
                    c.source,
                    "running",
                )
            )
    return tuple(out)


def _irreversible_deletes(changes: list[Change]) -> tuple[PlanWarning, ...]:
    """Deleting a resource whose secret is write-only cannot be undone by a restore."""
    out = []
    for c in changes:
        secret = registry.kind(c.kind).secret
        if secret is not None and c.action is Action.DELETE:
            out.append(
                PlanWarning(
                    f"deleting {secret.owner} {c.name} cannot be undone automatically: its "
                    f"write-only {secret.noun} is not in the repo, so if this apply fails, "
                    "re-creating it needs a person",
                    c.source,
                    f"{secret.owner}-delete-irreversible",
                )
            )
    return tuple(out)


def build_plan(
    *,
    environment: str,
    spec_digest: str,
    desired: list[DesiredResource],
    live: LiveState,
    options: PlanOptions = PlanOptions(),
    warnings: tuple[PlanWarning, ...] = (),
    git_commit: str | None = None,
    created_at: str | None = None,
    tool_version: str = "",
    predictor: Predictor | None = None,
) -> Plan:
    """The ordered, immutable plan that turns `live` into `desired`."""
    changes: list[Change] = []
    unmanaged: list[tuple[str, str]] = []
    seen: dict[str, dict[str, Any]] = {}  # live bodies a targeted plan leaves unreconciled
    pairs = pair(desired, live)
    missing = [
        p
        for p in pairs
        if p.live is None and p.desired is not None and not registry.kind(p.kind).creatable
    ]
    if missing:
        raise PlanError(
            "the API cannot create these, and the tenant has none of them:\n  "
            + "\n  ".join(f"{p.address} ({p.desired.source})" for p in missing if p.desired),
            hint="create them in the admin console first (or fix the names), then plan again",
        )
    for p in pairs:
        change = _change_for(p, options)
        if change is None:
            if p.desired is None and p.live is not None and not registry.kind(p.kind).singleton:
                unmanaged.append((p.kind, p.name))
            continue
        if not options.targeted(p.address):
            if p.live is not None:  # compared as the plan compares it (projected)
                want = p.desired.body if p.desired is not None else None
                body, _ = options.normalizer.compare(
                    p.kind, p.name, p.live.body, want, exact=options.prune
                )
                assert body is not None
                seen.setdefault(p.kind, {})[p.name] = body
            continue
        predicted = predictor is not None and registry.kind(p.kind).predicted
        if predicted and change.action is not Action.DELETE:
            assert predictor is not None
            prediction = predictor(
                change.kind,
                change.name,
                p.live.body if p.live is not None else None,
                p.desired.body if p.desired is not None else None,
            )
            if prediction is not None:
                change = replace(change, prediction=prediction)
        changes.append(change)
    changes.sort(key=lambda c: change_sort_key(c.kind, c.name, c.action))
    # No note for `unmanaged`: the renderers list those resources by name.
    return Plan(
        environment=environment,
        spec_digest=spec_digest,
        changes=tuple(changes),
        observed=live.version_tags(),
        warnings=warnings + _running(changes, live) + _irreversible_deletes(changes),
        unmanaged=tuple(unmanaged),
        git_commit=git_commit,
        created_at=created_at,
        tool_version=tool_version,
        targets=tuple(sorted(f"{a.kind}/{a.name}" for a in options.targets or ())),
        seen=seen,
    )
