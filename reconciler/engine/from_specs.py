"""Adapt the loaded specs (a DesiredState) to what the engine plans with, and plan them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.desired import DesiredState
from reconciler.desired.skill_rules import LIVE_RULES
from reconciler.engine.normalize import IgnoreRule, Normalizer
from reconciler.engine.pairing import DesiredResource
from reconciler.engine.plan import Plan, PlanWarning
from reconciler.engine.planner import PlanOptions, Predictor, build_plan
from reconciler.engine.predict import with_prediction_warnings
from reconciler.engine.targeting import resolve_targets, targeting_warning
from reconciler.errors import SpecError
from reconciler.kinds import Backend, LiveState, ResourceAddress


def _where(source: Any) -> str | None:
    if source is None:
        return None
    return f"{source.path}:{source.line}:{source.col}"


def desired_resources(state: DesiredState) -> list[DesiredResource]:
    """Every API resource the specs declare (the Tenant is tool-only)."""
    return [
        DesiredResource(d.kind, d.name, d.body, _where(d.source), d.secret_env)
        for d in state.resource_docs()
    ]


def normalizer_for(state: DesiredState) -> Normalizer:
    """The normalizer with the Tenant's ignore rules."""
    if state.tenant is None:
        return Normalizer()
    rules = tuple(
        IgnoreRule(kind=r.kind, paths=tuple(r.paths), name=r.name)
        for r in state.tenant.spec.ignore_differences
    )
    return Normalizer(rules, prune=state.tenant.spec.prune)


def spec_warnings(state: DesiredState) -> tuple[PlanWarning, ...]:
    """The validation warnings, carried in the plan."""
    return tuple(
        PlanWarning(d.message, f"{d.path}:{d.line}:{d.col}", d.code) for d in state.warnings
    )


def secret_envs(state: DesiredState) -> dict[ResourceAddress, str]:
    """The environment variable holding each resource's write-only secret."""
    return {d.address: d.secret_env for d in desired_resources(state) if d.secret_env}


def refuse_against_tenant(state: DesiredState, live: LiveState) -> None:
    """The rules that need the tenant's own facts (its limits, its DNC groups): every error,
    located, before anything is planned or written."""
    found = [d for rule in LIVE_RULES.get(state.api, ()) for d in rule(state, live)]
    errors = [d for d in found if d.severity == "error"]
    if errors:
        raise SpecError(
            f"the specs do not fit the tenant ({len(errors)} error(s)); nothing was written:\n"
            + "\n".join(d.render() for d in errors),
            hint="these checks need the tenant's own facts (its business unit, its DNC "
            "groups), so `validate` cannot see them: fix the specs or the tenant",
        )


async def plan_desired_state(
    backend: Backend[Any],
    state: DesiredState,
    *,
    prune: bool,
    resend_secrets: bool = False,
    git_commit: str | None = None,
    created_at: str | None = None,
    tool_version: str = "",
    predictor: Predictor | None = None,
    targets: Sequence[str] = (),
) -> tuple[Plan, LiveState]:
    """Observe the tenant and plan the specs against it (read-only); `targets` as
    `--target` gives them (an unknown one is a ConfigError)."""
    live = await backend.observe()
    refuse_against_tenant(state, live)
    desired = desired_resources(state)
    targeted = resolve_targets(targets, desired, live) if targets else None
    plan = build_plan(
        environment=state.environment,
        spec_digest=state.digest,
        desired=desired,
        live=live,
        options=PlanOptions(
            prune=prune,
            resend_secrets=resend_secrets,
            normalizer=normalizer_for(state),
            targets=targeted,
        ),
        warnings=spec_warnings(state) + ((targeting_warning(targeted),) if targeted else ()),
        git_commit=git_commit,
        created_at=created_at,
        tool_version=tool_version,
        predictor=predictor,
    )
    if predictor is not None:
        plan = with_prediction_warnings(plan, state)
    return plan, live
