"""Detect an apply or rollback that a crash interrupted, and finish restoring it."""

from __future__ import annotations

from collections.abc import Callable

from reconciler.cli.context import Context, journal_factory
from reconciler.dialer_v1.api import DialerApi
from reconciler.engine.desired import secret_envs
from reconciler.engine.recovery import (
    describe_unfinished,
    restore_snapshot,
    touched_addresses,
    unsettled_addresses,
)
from reconciler.errors import RestoreFailed
from reconciler.state.journal import UnfinishedRun, close_unfinished, list_unfinished
from reconciler.state.layout import StateDir
from reconciler.state.snapshots import SnapshotStore


async def recover_if_interrupted(
    ctx: Context,
    api: DialerApi,
    state: StateDir,
    say: Callable[[str], None],
    *,
    deadline: float = 300.0,
    approve: Callable[[str], None] | None = None,
) -> bool:
    """Restore every interrupted run's snapshot before anything else; True if one was found.

    Oldest first. A recovery that was itself interrupted left a journal restoring the same
    snapshot: once that snapshot is restored, such journals are closed, never replayed
    later over a newer apply. `approve` is asked before the first recovery write (apply and
    rollback pass their confirmation, so a non-interactive run without --auto-approve
    writes nothing).
    """
    runs = list_unfinished(state)
    if not runs:
        return False
    store = SnapshotStore(state)
    restored: set[str] = set()
    for run in runs:
        if run.snapshot_id in restored:
            close_unfinished(state, run, "recovered")
            say(f"recovery: run {run.run_id} was restoring snapshot {run.snapshot_id} too: closed")
            continue
        say(f"recovery: {describe_unfinished(run)}")
        if approve is not None:
            approve(f"An interrupted `{run.command}` (run {run.run_id}) must be restored first.")
        await _recover(ctx, api, state, store, run, say, deadline)
        restored.add(run.snapshot_id)
    return True


async def _recover(
    ctx: Context,
    api: DialerApi,
    state: StateDir,
    store: SnapshotStore,
    run: UnfinishedRun,
    say: Callable[[str], None],
    deadline: float,
) -> None:
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
