"""The runs that write, end to end: apply and rollback.

apply:    recover interrupted runs -> observe -> plan (or the saved plan, refused when stale)
          -> show -> confirm -> the API's policy check -> snapshot, write, verify (or
          restore) -> the post-apply guard
rollback: recover interrupted runs -> load the snapshot -> confirm -> verified restore

The CLI parses arguments, builds a `Workspace`, calls one of these and renders what it
returns (octoDNS's `sync` command is the same shape: parse, `manager.sync(...)`, print).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.desired import DesiredState
from reconciler.engine.apply import ApplyOptions, ApplyRun
from reconciler.engine.from_specs import desired_resources, normalizer_for, plan_desired_state
from reconciler.engine.guard import GuardOutcome, GuardSettings, guard_apply
from reconciler.engine.guardrails import (
    Overrides,
    annotate,
    assess,
    audit_overrides,
    enforce,
    remember_protections,
)
from reconciler.engine.outcome import Outcome, ProgressHook
from reconciler.engine.plan import Plan
from reconciler.engine.planner import Predictor
from reconciler.engine.policy import check_plan_policy, rejection
from reconciler.engine.records import Records
from reconciler.engine.recovery import recover_interrupted, restore_snapshot
from reconciler.engine.rollback import RollbackScope, rollback_plan, rollback_scope
from reconciler.engine.staleness import refuse_stale
from reconciler.engine.workspace import Workspace
from reconciler.errors import ConfigError, StateError
from reconciler.kinds import Backend, CarrierCapacity
from reconciler.state.clock import WallClock, utc_now
from reconciler.state.protected import load_protected
from reconciler.state.snapshots import Snapshot

StepHook = Callable[[int, int], None]


@dataclass(frozen=True)
class ApplyRequest:
    """What to apply and how (the flags and the Tenant's settings)."""

    desired: DesiredState
    saved_plan: Plan | None = None
    resend_secrets: bool = False
    predictor: Predictor | None = None
    guard: bool = True
    guard_skipped_because: str = "--no-verify"
    watch_seconds_override: float | None = None
    carrier: CarrierCapacity | None = None
    git_commit: str | None = None
    created_at: str | None = None
    tool_version: str = ""
    # Guardrails: `--target`, the overrides, and the clock windows are judged by.
    targets: tuple[str, ...] = ()
    overrides: Overrides = field(default_factory=Overrides)
    clock: WallClock = utc_now


@dataclass(frozen=True)
class ApplyHooks:
    """How the caller shows the plan and the progress of the writes."""

    show_plan: Callable[[Plan], None]
    progress: Callable[[], AbstractContextManager[tuple[ProgressHook, StepHook]]]
    # Entered around the guard's watch: turns Ctrl-C / SIGTERM into a clean end of the watch.
    interruptible: Callable[[], AbstractContextManager[object]] | None = None


@dataclass(frozen=True)
class ApplyReport:
    """What an apply did: the plan it ran, its outcome (None: nothing to do), the guard's."""

    plan: Plan
    outcome: Outcome | None = None
    guard: GuardOutcome | None = None
    guard_skipped: bool = False


async def run_apply(
    backend: Backend[Any], ws: Workspace, request: ApplyRequest, hooks: ApplyHooks
) -> ApplyReport:
    """Apply the desired state (or the reviewed plan) to the tenant, end to end."""
    if request.saved_plan is not None:  # before any request: the plan names the secrets
        refuse_missing_secrets(request.saved_plan, ws)
    await recover_interrupted(backend, ws.asking("Restore it now?", "apply"))
    desired = request.desired
    if request.saved_plan is not None:
        live = await backend.observe()
        refuse_stale(request.saved_plan, desired, live)
        plan = request.saved_plan
    else:
        plan, live = await plan_desired_state(
            backend,
            desired,
            prune=bool(desired.tenant and desired.tenant.spec.prune),
            resend_secrets=request.resend_secrets,
            git_commit=request.git_commit,
            created_at=request.created_at,
            tool_version=request.tool_version,
            predictor=request.predictor,
            targets=request.targets,
        )
    # The windows are judged now, whenever the plan was made (README, Guardrails).
    guardrails = assess(plan, desired, live, request.clock(), load_protected(ws.state))
    if request.saved_plan is None:  # a saved plan is shown as it was reviewed
        plan = annotate(plan, guardrails)
    hooks.show_plan(plan)
    if not plan.has_changes:
        unrecorded = remember_protections(ws.state, desired, live, plan)
        if unrecorded is not None:
            ws.say(f"not recorded: {unrecorded}")
        return ApplyReport(plan)
    enforce(guardrails, request.overrides)  # before the prompt: nothing to approve
    refuse_missing_secrets(plan, ws)  # before the prompt and the policy check
    ws.confirm(f'Apply {len(plan.changes)} change(s) to "{plan.environment}"?', "apply")
    report = await check_plan_policy(backend, plan, request.carrier)
    for address, w in report.warnings:
        ws.say(f"policy warning: {address}: {w.check}: {w.message}")
    if not report.passed:
        raise rejection(report)
    if report.checked:
        ws.say(f"policy check passed for {report.checked} body(ies)")
    audit_overrides(Records(ws.audit), guardrails, request.overrides, actor=ws.actor, plan=plan)
    with hooks.progress() as (say_live, on_step):
        outcome = await ApplyRun(
            backend,
            plan=plan,
            live=live,
            snapshots=ws.snapshots,
            journal_factory=ws.journal("apply", plan.digest),
            audit=ws.audit,
            secrets=ws.secrets,
            normalizer=normalizer_for(desired),
            options=ApplyOptions(operation_deadline_seconds=ws.operation_deadline),
            actor=ws.actor,
            progress=say_live,
            on_step=on_step,
        ).run()
    if outcome.result != "applied":
        return ApplyReport(plan, outcome)
    unrecorded = remember_protections(ws.state, desired, live, plan)
    if unrecorded is not None:
        outcome = replace(outcome, unrecorded=(*outcome.unrecorded, unrecorded))
    if not request.guard:
        ws.say(
            f"guard: skipped ({request.guard_skipped_because}): the verify: blocks were NOT watched"
        )
        return ApplyReport(plan, outcome, guard_skipped=True)
    guard = await guard_apply(
        backend,
        plan=plan,
        desired=desired,
        pre_apply_snapshot_id=outcome.snapshot_id,
        snapshots=ws.snapshots,
        journal_factory=ws.journal("guard", plan.digest),
        audit=ws.audit,
        secrets=ws.secrets,
        secret_envs=ws.secret_envs,
        settings=GuardSettings(
            watch_seconds_override=request.watch_seconds_override,
            restore_deadline_seconds=ws.operation_deadline,
        ),
        actor=ws.actor,
        progress=ws.say,
        interruptible=hooks.interruptible,
    )
    return ApplyReport(plan, outcome, guard)


def refuse_missing_secrets(plan: Plan, ws: Workspace) -> None:
    """ConfigError naming every write-only secret the plan must send whose variable is unset."""
    missing = plan.missing_secrets(ws.secrets)
    if missing:
        raise ConfigError(
            "the apply would send write-only secrets that are not set; nothing was written:\n  "
            + "\n  ".join(missing),
            hint="export the variables (the specs' token_from.env), then run again",
        )


@dataclass(frozen=True)
class RollbackRequest:
    """Which snapshot to restore, and how far."""

    desired: DesiredState
    snapshot_id: str | None = None  # None: the last-known-good
    whole_tenant: bool = False
    created_at: str | None = None
    tool_version: str = ""


@dataclass(frozen=True)
class RollbackReport:
    """What a rollback showed and did (no outcome: nothing differed from the snapshot)."""

    snapshot: Snapshot
    preview: Plan
    scope: RollbackScope
    outcome: Outcome | None = None


async def run_rollback(
    backend: Backend[Any], ws: Workspace, request: RollbackRequest, hooks: ApplyHooks
) -> RollbackReport:
    """Show what restoring the snapshot changes, confirm, restore it (verified)."""
    await recover_interrupted(backend, ws.asking("Restore it now?", "roll back"))
    store = ws.snapshots
    snapshot = store.load(request.snapshot_id) if request.snapshot_id else store.last_known_good()
    if snapshot is None:
        raise StateError(
            "there is no last-known-good snapshot yet",
            hint="name one with --to (see `reconciler snapshots`)",
        )
    live = await backend.observe()
    managed = [d.address for d in desired_resources(request.desired)]
    scope = rollback_scope(snapshot, live, managed, whole_tenant=request.whole_tenant)
    preview = rollback_plan(
        snapshot,
        live,
        scope,
        spec_digest=request.desired.digest,
        created_at=request.created_at,
        tool_version=request.tool_version,
    )
    hooks.show_plan(preview)
    if not preview.has_changes:
        return RollbackReport(snapshot, preview, scope)
    ws.confirm(
        f'Roll {len(preview.changes)} resource(s) of "{snapshot.environment}" back to '
        f"{snapshot.id}?",
        "roll back",
    )
    outcome = await restore_snapshot(
        backend,
        snapshot,
        snapshots=store,
        journal_factory=ws.journal("rollback"),
        audit=ws.audit,
        secrets=ws.secrets,
        secret_envs=ws.secret_envs,
        deadline=ws.operation_deadline,
        event="rollback",
        actor=ws.actor,
        progress=ws.say,
        only=frozenset(c.address for c in preview.changes),
    )
    return RollbackReport(snapshot, preview, scope, outcome)
