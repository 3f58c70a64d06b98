"""What `reconciler simulate` runs: one entry per campaign or staffed outbound skill.

Each `SimulationRun` holds the pacing the capacity model simulates, the traffic
assumptions with where each came from, the seed and replications, and once run its
figures. A Campaign's pacing is its body (`Pacing.from_body`); an OutboundSkill's is its
`staffing.agents` and the settings `engine/predict.py` reads (`skill_pacing`: the specs'
value, else the live skill's when it was read, else the default), on the Tenant's carrier
or the business unit's line limit. A skill without `staffing` cannot be simulated: its
agents are observed by the platform, not configured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel

from reconciler.capacity import Pacing, SimulationResult, Traffic, simulate
from reconciler.desired import CampaignDoc, DesiredState
from reconciler.desired.desired_state import SkillDoc
from reconciler.dialer_v1.api import SimulatorResult
from reconciler.engine.predict import skill_pacing, skill_setting, traffic_of
from reconciler.errors import ConfigError

DEFAULT_REPLICATIONS = 10
ASSUMPTIONS = ("answer_rate", "talk_time_sec", "wrap_time_sec", "ring_time_sec")
SETTING_SOURCES = {0: "specs", 1: "live skill", None: "default"}
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SimulationRun:
    """One campaign's or skill's inputs and, once run, its figures."""

    name: str
    kind: str  # "Campaign" or "OutboundSkill"
    pacing: Pacing
    pacing_json: Mapping[str, Any]
    traffic: Traffic
    sources: dict[str, str]
    seed: int
    replications: int
    campaign: CampaignDoc | None = None  # dialer-v1: what the API's simulator is sent
    local: SimulationResult | None = None
    remote: SimulatorResult | None = None

    @property
    def type(self) -> str:
        return self.pacing.dialer_type

    def describe(self) -> str:
        """`predictive, 25 agents, ratio 3, 75 lines` (and where a skill's ratio came from)."""
        p = self.pacing
        ratio = f", ratio {p.dial_ratio:g}" if p.dial_ratio is not None else ""
        origin = self.pacing_json.get("maximumRatio_from")
        if origin is not None and p.dial_ratio is not None:
            ratio += f" from the {origin}"
        return f"{p.dialer_type}, {p.agents} agents{ratio}, {p.max_simultaneous_calls} lines"


def assumption_sources(state: DesiredState, name: str) -> dict[str, str]:
    """Where each traffic assumption came from: the campaign or skill, the Tenant, default."""
    own = state.dialing(name).simulation
    tenant = state.tenant.spec.simulation if state.tenant else None
    what = "skill" if isinstance(state.dialing(name), SkillDoc) else "campaign"
    out = {}
    for key in ASSUMPTIONS:
        if own is not None and key in own.model_fields_set:
            out[key] = f"{what} simulation block"
        elif tenant is not None and key in tenant.model_fields_set:
            out[key] = "Tenant simulation block"
        else:
            out[key] = "default"
    return out


def _chosen(known: list[str], names: list[str] | None, what: str, state: DesiredState) -> list[str]:
    if not names:
        return known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(
            f"no {what} named {', '.join(unknown)} in {state.spec_dir}",
            hint=f"{what}s: {', '.join(sorted(known)) or '(none)'}",
        )
    return list(dict.fromkeys(names))


def _run(
    state: DesiredState,
    name: str,
    kind: str,
    pacing: tuple[Pacing, Mapping[str, Any]],
    seed: int | None,
    replications: int | None,
    campaign: CampaignDoc | None = None,
) -> SimulationRun:
    block = state.simulation_for(name)
    return SimulationRun(
        name,
        kind,
        pacing[0],
        pacing[1],
        traffic_of(block),
        assumption_sources(state, name),
        seed if seed is not None else (block.seed or 0),
        replications or block.replications or DEFAULT_REPLICATIONS,
        campaign,
    )


def campaign_runs(
    state: DesiredState,
    names: list[str] | None,
    trunks: int | None,
    *,
    seed: int | None = None,
    replications: int | None = None,
) -> list[SimulationRun]:
    """The campaigns asked for (all by default); ConfigError naming unknown ones."""
    runs = []
    for name in _chosen([c.name for c in state.campaigns], names, "campaign", state):
        doc = state.campaign(name)
        body = doc.body
        shown = {
            "max_agents": body.concurrency.max_agents,
            "dial_ratio": body.algorithm.dial_ratio,
            "max_simultaneous_calls": body.concurrency.max_simultaneous_calls,
            "call_spacing_ms": body.concurrency.call_spacing_ms,
            "warm_line_timeout_sec": body.algorithm.warm_line_timeout_sec,
            "agent_availability_estimate": body.algorithm.agent_availability_estimate,
            "free_trunks": trunks,
        }
        pacing = (Pacing.from_body(body, trunks), shown)
        runs.append(_run(state, name, "Campaign", pacing, seed, replications, doc))
    return runs


def skill_runs(
    state: DesiredState,
    names: list[str] | None,
    trunks: int | None,
    live: Mapping[str, BaseModel],
    *,
    trunks_from: str | None = None,
    seed: int | None = None,
    replications: int | None = None,
) -> tuple[list[SimulationRun], list[str]]:
    """The staffed skills asked for (all by default), and the names of those skipped for
    want of `staffing` (naming one of those explicitly is an error)."""
    chosen = _chosen([s.name for s in state.skills], names, "skill", state)
    runs, skipped = [], []
    for name in chosen:
        doc = state.dialing(name)
        assert isinstance(doc, SkillDoc)
        if doc.staffing is None:
            if names:
                raise ConfigError(
                    f"skill {name} has no staffing: the model needs its agents",
                    hint=f"add `staffing: {{agents: N}}` beside the spec of {name}",
                )
            skipped.append(name)
            continue
        bodies = (doc.body, live.get(name))
        pacing, origin = skill_pacing(doc.staffing.agents, trunks, *bodies)
        shown = {
            "agents": doc.staffing.agents,
            "maximumRatio": skill_setting("maximumRatio", *bodies)[0],
            "maximumRatio_from": SETTING_SOURCES[origin["maximumRatio"]],
            "abandonTimeout": skill_setting("abandonTimeout", *bodies)[0],
            "preview": bool(skill_setting("confirmationRequiredDefault", *bodies)[0]),
            "max_simultaneous_calls": pacing.max_simultaneous_calls,
            "free_trunks": trunks,
            "free_trunks_from": trunks_from if trunks is not None else None,
        }
        runs.append(_run(state, name, "OutboundSkill", (pacing, shown), seed, replications))
    return runs, skipped


def run_local(
    runs: list[SimulationRun], minutes: float, progress: Progress | None
) -> list[SimulationRun]:
    """The local figures of every run (CPU only)."""
    out = []
    for r in runs:
        hook = None
        if progress is not None:

            def hook(done: int, total: int, name: str = r.name) -> None:
                progress(name, done, total)

        result = simulate(
            r.pacing,
            r.traffic,
            duration_minutes=minutes,
            replications=r.replications,
            seed=r.seed,
            progress=hook,
        )
        out.append(replace(r, local=result))
    return out
