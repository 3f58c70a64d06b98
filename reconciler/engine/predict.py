"""Plan predictions: the capacity model's figures before and after each campaign change.

`make_predictor(state)` gives the planner's `Predictor`: for every created or updated
Campaign, and every updated OutboundSkill whose document declares `staffing.agents`
(`Pacing.for_skill`: its maximumRatio, abandonTimeout and preview setting, the specs' value
else the live one), it returns `{"before": figures | None, "after": figures}` where the figures are
the `local` object of the simulate JSON (docs/capacity-model.md) plus a `note` when they are not a
plain simulation. Before and after use the same traffic assumptions (the campaign's
effective `simulation:` block) and the same carrier, so the difference is the change's.

Predictions are deterministic: the capacity model is seeded (the block's `seed`, else
`PREDICTION_SEED`), so a saved plan and the golden files are stable. They use the
`fast` budget of `capacity.predict` (closed form where one is known, else a bounded
simulation) so that 200 changed campaigns stay well inside the plan's time budget.

`prediction_warnings(plan, state)` turns predictions into `predicted-abandonment`
warnings: the estimate, or the upper end of its 95% interval, above the campaign's
`abandonment_rate_target` (a skill's `abandonRateThreshold`), the Tenant's
`compliance.max_abandonment_rate` or the jurisdiction's legal cap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel

from reconciler.capacity import Pacing, SimulationResult, Traffic, predict
from reconciler.capacity.predict import Budget
from reconciler.cxone_admin.bodies import SkillBody
from reconciler.desired import DesiredState, SimulationBlock
from reconciler.desired.desired_state import merge_simulation
from reconciler.desired.jurisdictions import DEFAULT_JURISDICTION, JURISDICTIONS
from reconciler.dialer_v1.bodies import SettingsBody
from reconciler.engine.plan import Action, Plan, PlanWarning
from reconciler.engine.planner import Predictor

PREDICTION_SEED = 0
WARNING_CODE = "predicted-abandonment"


def traffic_of(block: SimulationBlock) -> Traffic:
    """The capacity model's traffic assumptions for a (merged) `simulation:` block."""
    return Traffic(
        answer_rate=block.answer_rate,
        talk_time_sec=block.talk_time_sec,
        wrap_time_sec=block.wrap_time_sec,
        ring_time_sec=block.ring_time_sec,
        talk_time_distribution=block.talk_time_distribution,
    )


def free_trunks_of(state: DesiredState) -> int | None:
    """Whole trunks the carrier still has free, or None without a carrier in the Tenant."""
    tenant = state.tenant
    if tenant is None or tenant.spec.carrier is None:
        return None
    # A fraction of a trunk carries no call: round down, as the capacity rules do.
    return math.floor(tenant.spec.carrier.free_trunks + 1e-9)


def simulation_block(state: DesiredState, name: str) -> SimulationBlock:
    """The effective simulation block of campaign `name` (Tenant defaults if not in the repo)."""
    try:
        return state.simulation_for(name)
    except KeyError:
        tenant_block = state.tenant.spec.simulation if state.tenant else None
        return merge_simulation(tenant_block, None)


def figures_json(result: SimulationResult) -> dict[str, Any]:
    """The `local` JSON object, with the note when the figures are not a plain simulation."""
    data = result.to_json()
    if result.note:
        data["note"] = result.note
    return data


# The settings of a skill its pacing reads: (block, field, default when neither the specs
# nor the tenant give it).
SKILL_SETTINGS: dict[str, tuple[str, str, Any]] = {
    "maximumRatio": ("generalSettings", "maximumRatio", 1),
    "abandonTimeout": ("cpaSettings", "abandonTimeout", 0.0),
    "confirmationRequiredDefault": ("deliveryPreferences", "confirmationRequiredDefault", False),
}


def skill_setting(name: str, *bodies: BaseModel | None) -> tuple[Any, int | None]:
    """A skill setting from the first body that gives it, and which one (None: default)."""
    block_name, field, default = SKILL_SETTINGS[name]
    for index, body in enumerate(bodies):
        block = body.blocks.get(block_name) if isinstance(body, SkillBody) else None
        value = getattr(block, field, None) if block is not None else None
        if value is not None:
            return value, index
    return default, None


def skill_pacing(
    agents: int, trunks: int | None, *bodies: BaseModel | None
) -> tuple[Pacing, dict[str, int | None]]:
    """A skill's pacing from its bodies, first wins (desired over live), and where each
    setting came from (the body's index; None: the default)."""
    found = {name: skill_setting(name, *bodies) for name in SKILL_SETTINGS}
    pacing = Pacing.for_skill(
        agents=agents,
        maximum_ratio=float(found["maximumRatio"][0]),
        preview=bool(found["confirmationRequiredDefault"][0]),
        abandon_timeout_sec=float(found["abandonTimeout"][0]),
        free_trunks=trunks,
    )
    return pacing, {name: source for name, (_, source) in found.items()}


def staffed_agents(state: DesiredState, name: str) -> int | None:
    """The agents a skill's `staffing:` declares (None: not declared, no prediction)."""
    try:
        doc = state.dialing(name)
    except KeyError:
        return None
    staffing = getattr(doc, "staffing", None)
    return staffing.agents if staffing is not None else None


def make_predictor(state: DesiredState, *, budget: Budget = "fast") -> Predictor:
    """The planner's Predictor for this desired state and its carrier."""
    trunks = free_trunks_of(state)

    def run(pacing: Pacing, traffic: Traffic, seed: int) -> dict[str, Any]:
        return figures_json(predict(pacing, traffic, budget=budget, seed=seed))

    def pacings(
        name: str, live: BaseModel | None, desired: BaseModel
    ) -> tuple[Pacing | None, Pacing] | None:
        if isinstance(desired, SettingsBody):
            before = Pacing.from_body(live, trunks) if isinstance(live, SettingsBody) else None
            return before, Pacing.from_body(desired, trunks)
        agents = staffed_agents(state, name)
        if not isinstance(desired, SkillBody) or agents is None:
            return None
        before = skill_pacing(agents, trunks, live)[0] if live is not None else None
        return before, skill_pacing(agents, trunks, desired, live)[0]

    def predictor(
        kind: str, name: str, live: BaseModel | None, desired: BaseModel | None
    ) -> dict[str, Any] | None:
        found = pacings(name, live, desired) if desired is not None else None
        if found is None:
            return None
        block = simulation_block(state, name)
        traffic = traffic_of(block)
        seed = PREDICTION_SEED if block.seed is None else block.seed
        before, after = found
        return {
            "before": run(before, traffic, seed) if before is not None else None,
            "after": run(after, traffic, seed),
        }

    return predictor


@dataclass(frozen=True)
class AbandonmentLimit:
    """One bound predicted abandonment must stay under, and how to name it."""

    value: float
    label: str
    source: str = ""  # the rule's citation, shown after the value

    def render(self) -> str:
        """`the US legal limit 3.00% (47 CFR ...)`."""
        cited = f" ({self.source})" if self.source else ""
        return f"{self.label} {_pct(self.value)}{cited}"


CAMPAIGN_TARGET = "the campaign's abandonment_rate_target"
SKILL_TARGET = "the skill's abandonRateThreshold"


def abandonment_limits(
    state: DesiredState, target: float | None, target_label: str = CAMPAIGN_TARGET
) -> list[AbandonmentLimit]:
    """The campaign's (or skill's) target, the Tenant's own cap and the legal cap."""
    limits = []
    if target is not None:
        limits.append(AbandonmentLimit(target, target_label))
    compliance = state.tenant.spec.compliance if state.tenant else None
    if compliance is not None and compliance.max_abandonment_rate is not None:
        limits.append(
            AbandonmentLimit(
                compliance.max_abandonment_rate, "the Tenant's compliance.max_abandonment_rate"
            )
        )
    code = compliance.jurisdiction if compliance is not None else DEFAULT_JURISDICTION
    law = JURISDICTIONS[code]
    limits.append(
        AbandonmentLimit(law.abandonment_cap, f"the {code} legal limit", law.abandonment_source)
    )
    return limits


def _pct(x: float) -> str:
    return f"{x * 100:.2f}%"


def _skill_threshold(general: Any) -> float | None:
    """A skill's own abandonment target as a fraction: its threshold is a percent, applied
    when the skill overrides the business unit's."""
    value = general.get("abandonRateThreshold") if isinstance(general, dict) else None
    applied = (
        isinstance(general, dict) and general.get("overrideBusinessUnitAbandonRate") is not False
    )
    if isinstance(value, (int, float)) and not isinstance(value, bool) and applied:
        return float(value) / 100
    return None


def skill_target(body: BaseModel) -> tuple[float | None, str]:
    """The skill's abandonment target (a fraction) from its body, and how to name it."""
    block = body.blocks.get("generalSettings") if isinstance(body, SkillBody) else None
    general = block.to_put_json() if block is not None else None
    return _skill_threshold(general), SKILL_TARGET


def _target_of(desired: dict[str, Any] | None) -> tuple[float | None, str]:
    """The change's own abandonment target (a fraction) and how to name it."""
    general = (desired or {}).get("generalSettings")
    if isinstance(general, dict):
        return _skill_threshold(general), SKILL_TARGET
    algorithm = (desired or {}).get("algorithm") or {}
    value = algorithm.get("abandonment_rate_target")
    return (float(value) if isinstance(value, (int, float)) else None), CAMPAIGN_TARGET


def abandonment_warning(
    address: str, after: dict[str, Any], limits: list[AbandonmentLimit], source: str | None
) -> PlanWarning | None:
    """A warning when the predicted rate or its interval's upper end passes a limit."""
    rate = float(after.get("abandonment_rate", 0.0))
    ci = after.get("abandonment_rate_ci95") or [rate, rate]
    high = float(ci[1])
    over_estimate = [lim for lim in limits if rate > lim.value]
    over_interval = [lim for lim in limits if high > lim.value and rate <= lim.value]
    if not over_estimate and not over_interval:
        return None
    parts = []
    if over_estimate:
        named = "; ".join(lim.render() for lim in over_estimate)
        parts.append(f"the estimate exceeds {named}")
    if over_interval:
        named = "; ".join(lim.render() for lim in over_interval)
        parts.append(f"the upper end of its 95% interval exceeds {named}")
    message = (
        f"{address}: predicted abandonment {_pct(rate)} (95% CI {_pct(float(ci[0]))}-"
        f"{_pct(high)}): {'; and '.join(parts)}"
    )
    return PlanWarning(message, source, WARNING_CODE)


def prediction_warnings(plan: Plan, state: DesiredState) -> tuple[PlanWarning, ...]:
    """`predicted-abandonment` warnings for every predicted campaign change."""
    out = []
    for change in plan.changes:
        after = (change.prediction or {}).get("after")
        if change.action is Action.DELETE or not isinstance(after, dict):
            continue
        limits = abandonment_limits(state, *_target_of(change.desired))
        warning = abandonment_warning(str(change.address), after, limits, change.source)
        if warning is not None:
            out.append(warning)
    return tuple(out)


def with_prediction_warnings(plan: Plan, state: DesiredState) -> Plan:
    """The plan with its prediction warnings added after the validation warnings."""
    extra = prediction_warnings(plan, state)
    return replace(plan, warnings=plan.warnings + extra) if extra else plan
