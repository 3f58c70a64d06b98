"""Detect an apply or rollback that a crash interrupted, and finish restoring it."""

from __future__ import annotations

from collections.abc import Callable

from reconciler.cli.context import Context, journal_factory
from reconciler.cxone.api import DialerApi
from reconciler.engine.desired import secret_envs
from reconciler.engine.recovery import (
    describe_unfinished,
    restore_snapshot,
    touched_addresses,
    unsettled_addresses,
)
from reconciler.errors import RestoreFailed
from reconciler.state.journal import close_unfinished, find_unfinished
from reconciler.state.layout import StateDir
from reconciler.state.snapshots import SnapshotStore


async def recover_if_interrupted(
    ctx: Context,
    api: DialerApi,
    state: StateDir,
    say: Callable[[str], None],
    *,
    deadline: float = 300.0,
) -> bool:
    """Restore an interrupted run's snapshot before anything else; True if one was found."""
    run = find_unfinished(state)
    if run is None:
        return False
    say(f"recovery: {describe_unfinished(run)}")
    store = SnapshotStore(state)
    snapshot = store.load(run.snapshot_id)
    outcome = await restore_snapshot(
        api,
        snapshot,
        snapshots=store,
        journal_factory=journal_factory(state, "recovery"),
        audit=ctx.audit(),
        secrets=ctx.webhook_secrets(),
        secret_envs=secret_envs(ctx.desired),
        deadline=deadline,
        event="recovery",
        actor=ctx.actor,
        progress=say,
        unsettled=unsettled_addresses(run, snapshot),
        only=touched_addresses(run, snapshot),
    )
    if outcome.result != "restored":
        close_unfinished(state, run, "recovery-failed")
        bad = ", ".join(r.address for r in outcome.needs_attention)
        raise RestoreFailed(
            f"recovery of the interrupted run {run.run_id} failed for: {bad} "
            f"(snapshot {run.snapshot_id})",
            hint=f"fix the cause, then run `reconciler rollback --to {run.snapshot_id}`",
        )
    close_unfinished(state, run, "recovered")
    say(
        f"recovery: interrupted run {run.run_id} restored to snapshot {run.snapshot_id} "
        "and verified"
    )
    return True
