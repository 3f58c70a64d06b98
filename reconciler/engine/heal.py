"""Self-healing drift: re-apply the specs where the live tenant drifted, within the guardrails.

`drift --heal` on an environment whose Tenant sets `self_heal: true`: plan as `drift` does;
leave out every change outside its change windows now and every delete of a resource
protected at the last successful apply; apply the rest only if it fits the blast-radius
gate (counted against every managed resource), through `run_apply`: the same snapshot,
journal, verified restore and audit log as `apply`, with the subset as the reviewed plan.
There are no overrides: a heal never forces its way. The post-apply guard does not watch a
heal (it restores values that were applied, and watched, before).

What was healed and what was not, and why, is a `HealReport` the drift report shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.desired import DesiredState
from reconciler.engine.from_specs import plan_desired_state
from reconciler.engine.guardrails import assess, check_gate
from reconciler.engine.outcome import Outcome
from reconciler.engine.pipeline import ApplyHooks, ApplyRequest, run_apply
from reconciler.engine.plan import Change, Plan
from reconciler.engine.recovery import recover_interrupted
from reconciler.engine.workspace import Workspace
from reconciler.kinds import Backend, CarrierCapacity, ResourceAddress
from reconciler.state.clock import WallClock, utc_now
from reconciler.state.protected import load_protected

NOT_OPTED_IN = "the Tenant does not set `self_heal: true`: drift is reported, never re-applied"


@dataclass(frozen=True)
class HealRequest:
    """What to heal with: the specs, and what the run records."""

    desired: DesiredState
    carrier: CarrierCapacity | None = None
    git_commit: str | None = None
    created_at: str | None = None
    tool_version: str = ""
    clock: WallClock = utc_now


@dataclass(frozen=True)
class NotHealed:
    """A drifted resource the heal left as it is, and why."""

    address: ResourceAddress
    reason: str


@dataclass(frozen=True)
class HealReport:
    """What drifted, what was re-applied and what was not."""

    drift: Plan
    healed: tuple[Change, ...] = ()
    not_healed: tuple[NotHealed, ...] = ()
    outcome: Outcome | None = None  # None: nothing was written
    notes: tuple[str, ...] = field(default=())

    @property
    def result(self) -> str:
        """in-sync, not-healed, healed, partly-healed, failed-restored or restore-failed."""
        if not self.drift.has_changes:
            return "in-sync"
        if self.outcome is None:
            return "not-healed"
        if self.outcome.result == "restored":
            return "failed-restored"
        if self.outcome.result == "restore-failed":
            return "restore-failed"
        return "partly-healed" if self.not_healed else "healed"

    def to_json(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "healed": [
                {"kind": c.kind, "name": c.name, "action": c.action.value} for c in self.healed
            ],
            "not_healed": [
                {"kind": n.address.kind, "name": n.address.name, "reason": n.reason}
                for n in self.not_healed
            ],
            "snapshot_id": self.outcome.snapshot_id if self.outcome is not None else None,
            "notes": list(self.notes),
        }


def _everything(plan: Plan, reason: str) -> tuple[NotHealed, ...]:
    return tuple(NotHealed(c.address, reason) for c in plan.changes)


async def run_heal(
    backend: Backend[Any], ws: Workspace, request: HealRequest, hooks: ApplyHooks
) -> HealReport:
    """Find drift and re-apply the specs where windows, protections and the gate allow."""
    desired = request.desired
    await recover_interrupted(backend, ws.asking("Restore it now?", "heal"))
    plan, live = await plan_desired_state(
        backend,
        desired,
        prune=bool(desired.tenant and desired.tenant.spec.prune),
        git_commit=request.git_commit,
        created_at=request.created_at,
        tool_version=request.tool_version,
    )
    if not plan.has_changes:
        return HealReport(plan)
    if not desired.guardrails.self_heal:
        return HealReport(plan, not_healed=_everything(plan, NOT_OPTED_IN))
    protected = load_protected(ws.state)
    verdicts = assess(plan, desired, live, request.clock(), protected)
    held: list[NotHealed] = []
    for c in plan.changes:
        window = verdicts.windows.get(c.address)
        if window is not None and not window.open:
            held.append(NotHealed(c.address, f"outside its change windows: {window.sentence()}"))
        elif c.address in verdicts.gate.protected_deletes:
            held.append(
                NotHealed(c.address, "protected (`protect: true`) at the last successful apply")
            )
    kept = {n.address for n in held}
    heal = plan.with_changes(tuple(c for c in plan.changes if c.address not in kept))
    if not heal.has_changes:
        return HealReport(plan, not_healed=tuple(held))
    gate = check_gate(heal, desired, protected)
    if gate.trips:
        reason = "the blast-radius gate: " + "; ".join(gate.reasons())
        return HealReport(plan, not_healed=(*held, *_everything(heal, reason)))
    ws.confirm(f'Heal {len(heal.changes)} drifted resource(s) of "{plan.environment}"?', "heal")
    ws.audit.append(
        "self-heal",
        actor=ws.actor,
        environment=plan.environment,
        plan_digest=heal.digest,
        healing=[str(c.address) for c in heal.changes],
        not_healed=[f"{n.address}: {n.reason}" for n in held],
    )
    report = await run_apply(
        backend,
        ws,
        ApplyRequest(
            desired=desired,
            saved_plan=heal,
            guard=False,
            guard_skipped_because="a heal re-applies reviewed specs",
            carrier=request.carrier,
            git_commit=request.git_commit,
            created_at=request.created_at,
            tool_version=request.tool_version,
            clock=request.clock,
        ),
        hooks,
    )
    return HealReport(plan, heal.changes, tuple(held), report.outcome)
