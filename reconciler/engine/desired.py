"""Adapt the loaded spec (DesiredState) to what the engine plans with."""

from __future__ import annotations

from typing import Any

from reconciler.desired import DesiredState
from reconciler.dialer_v1.api import DialerApi
from reconciler.engine.normalize import IgnoreRule, Normalizer
from reconciler.engine.observe import LiveState, observe
from reconciler.engine.pairing import DesiredResource
from reconciler.engine.plan import Plan, PlanWarning
from reconciler.engine.planner import PlanOptions, Predictor, build_plan
from reconciler.engine.predict import with_prediction_warnings


def _where(source: Any) -> str | None:
    if source is None:
        return None
    return f"{source.path}:{source.line}:{source.col}"


def desired_resources(state: DesiredState) -> list[DesiredResource]:
    """Every API resource the specs declare (the Tenant is tool-only)."""
    out: list[DesiredResource] = []
    if state.settings is not None:
        s = state.settings
        out.append(DesiredResource("DialerSettings", s.body.name, s.body, _where(s.source)))
    for c in state.campaigns:
        out.append(DesiredResource("Campaign", c.name, c.body, _where(c.source)))
    for w in state.webhooks:
        out.append(
            DesiredResource(
                "Webhook", w.name, w.body_without_token, _where(w.source), secret_env=w.token_env
            )
        )
    return out


def normalizer_for(state: DesiredState) -> Normalizer:
    """The normalizer with the Tenant's ignore rules."""
    if state.tenant is None:
        return Normalizer()
    rules = tuple(
        IgnoreRule(kind=r.kind, paths=tuple(r.paths), name=r.name)
        for r in state.tenant.spec.ignore_differences
    )
    return Normalizer(rules)


def spec_warnings(state: DesiredState) -> tuple[PlanWarning, ...]:
    """The validation warnings, carried in the plan."""
    return tuple(
        PlanWarning(d.message, f"{d.path}:{d.line}:{d.col}", d.code) for d in state.warnings
    )


def secret_envs(state: DesiredState) -> dict[str, str]:
    """Webhook name -> the environment variable holding its token."""
    return {w.name: w.token_env for w in state.webhooks}


async def plan_desired_state(
    api: DialerApi,
    state: DesiredState,
    *,
    prune: bool,
    resend_secrets: bool = False,
    git_commit: str | None = None,
    created_at: str | None = None,
    tool_version: str = "",
    predictor: Predictor | None = None,
) -> tuple[Plan, LiveState]:
    """Observe the tenant and plan the specs against it (read-only)."""
    live = await observe(api)
    plan = build_plan(
        environment=state.environment,
        spec_digest=state.digest,
        desired=desired_resources(state),
        live=live,
        options=PlanOptions(
            prune=prune, resend_secrets=resend_secrets, normalizer=normalizer_for(state)
        ),
        warnings=spec_warnings(state),
        git_commit=git_commit,
        created_at=created_at,
        tool_version=tool_version,
        predictor=predictor,
    )
    if predictor is not None:
        plan = with_prediction_warnings(plan, state)
    return plan, live
