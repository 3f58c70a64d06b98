"""Build the Plan from desired and live state: pair, normalise, diff, order. No I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reconciler.dialer_v1.bodies import Body, body_to_json
from reconciler.engine.diff import diff_bodies
from reconciler.engine.normalize import Normalizer
from reconciler.engine.observe import LiveState
from reconciler.engine.pairing import DesiredResource, Pair, live_resources, pair
from reconciler.engine.plan import (
    SENSITIVE,
    Action,
    Change,
    FieldChange,
    Plan,
    PlanWarning,
    change_sort_key,
)

# (kind, name, live body or None, desired body or None) -> prediction JSON or None
Predictor = Callable[[str, str, Body | None, Body | None], dict[str, Any] | None]


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: what the Tenant spec and the flags said."""

    prune: bool = False
    resend_secrets: bool = False
    normalizer: Normalizer = field(default_factory=Normalizer)


def _secret_change(action: Action) -> FieldChange:
    before = None if action is Action.CREATE else SENSITIVE
    return FieldChange("auth.token", before, SENSITIVE, sensitive=True)


def _change_for(p: Pair, options: PlanOptions) -> Change | None:
    norm = options.normalizer
    d, r = p.desired, p.live
    if d is None and r is None:
        return None
    if d is None:
        assert r is not None
        if p.kind == "DialerSettings" or not options.prune:
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
    desired_json = body_to_json(d.body)
    desired_json.get("auth", {}).pop("token", None)
    if r is None:
        diff = diff_bodies(None, norm.comparable(p.kind, p.name, d.body))
        if p.kind == "Webhook":
            diff = tuple(sorted((*diff, _secret_change(Action.CREATE)), key=lambda c: c.path))
        return Change(
            p.kind,
            p.name,
            Action.CREATE,
            diff,
            desired=desired_json,
            secret_env=d.secret_env,
            source=d.source,
        )
    diff = diff_bodies(
        norm.comparable(p.kind, p.name, r.body), norm.comparable(p.kind, p.name, d.body)
    )
    if p.kind == "Webhook" and (diff or options.resend_secrets):
        # A webhook PUT replaces the whole body, so the write-only token is always re-sent.
        diff = tuple(sorted((*diff, _secret_change(Action.UPDATE)), key=lambda c: c.path))
    if not diff:
        return None
    send = norm.merge_ignored(p.kind, p.name, desired_json, body_to_json(r.body))
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
    )


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
    pairs = pair(desired, live_resources(live))
    changes: list[Change] = []
    unmanaged: list[tuple[str, str]] = []
    for p in pairs:
        change = _change_for(p, options)
        if change is None:
            if p.desired is None and p.live is not None and p.kind != "DialerSettings":
                unmanaged.append((p.kind, p.name))
            continue
        if (
            predictor is not None
            and change.kind == "Campaign"
            and change.action is not Action.DELETE
        ):
            prediction = predictor(
                change.kind,
                change.name,
                p.live.body if p.live is not None else None,
                p.desired.body if p.desired is not None else None,
            )
            if prediction is not None:
                change = Change(**{**change.__dict__, "prediction": prediction})
        changes.append(change)
    changes.sort(key=lambda c: change_sort_key(c.kind, c.name, c.action))
    warnings = warnings + tuple(
        PlanWarning(
            f"deleting webhook {c.name} cannot be undone automatically: its write-only token "
            "is not in the repo, so if this apply fails, re-creating it needs a person",
            c.source,
            "webhook-delete-irreversible",
        )
        for c in changes
        if c.kind == "Webhook" and c.action is Action.DELETE
    )
    # No note for `unmanaged`: the renderers list those resources by name.
    return Plan(
        environment=environment,
        spec_digest=spec_digest,
        changes=tuple(changes),
        observed=live.version_tags(),
        warnings=warnings,
        unmanaged=tuple(unmanaged),
        git_commit=git_commit,
        created_at=created_at,
        tool_version=tool_version,
    )
