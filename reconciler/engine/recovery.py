"""Rollback to a snapshot, and recovery of an apply that a crash interrupted.

Both are a verified restore (engine/restore.py) of a snapshot's resources, journalled and
audited like an apply, so a crash during a rollback is itself recoverable.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import SecretStr

from reconciler.engine.apply import resource_key, restore_targets
from reconciler.engine.normalize import Normalizer
from reconciler.engine.outcome import Operation, Outcome, ProgressHook, Result, secret_notes
from reconciler.engine.records import Records
from reconciler.engine.restore import restore
from reconciler.engine.workspace import Workspace
from reconciler.errors import RestoreFailed
from reconciler.kinds import Backend, ResourceAddress
from reconciler.state.audit import AuditLog
from reconciler.state.journal import (
    Journal,
    JournalStep,
    UnfinishedRun,
    close_unfinished,
    list_unfinished,
)
from reconciler.state.snapshots import Snapshot, SnapshotStore


async def restore_snapshot(
    backend: Backend[Any],
    snapshot: Snapshot,
    *,
    snapshots: SnapshotStore,
    journal_factory: Callable[[str], Journal],
    audit: AuditLog,
    secrets: Mapping[str, SecretStr],
    secret_envs: Mapping[ResourceAddress, str],
    deadline: float,
    event: Operation,
    actor: str = "unknown",
    progress: ProgressHook | None = None,
    unsettled: frozenset[ResourceAddress] = frozenset(),
    only: frozenset[ResourceAddress] | None = None,
) -> Outcome:
    """Bring every resource of `snapshot` (or those in `only`) back to its content, verified.

    `unsettled` names resources whose last write's fate is unknown (see RestoreTarget).
    """
    say = progress or (lambda _msg: None)
    targets = [
        t
        for t in restore_targets(snapshot, secret_envs, unsettled=unsettled)
        if only is None or t.address in only
    ]
    records = Records(audit)
    journal = journal_factory(snapshot.id)
    records.audit_entry(
        f"{event}-started", actor=actor, snapshot_id=snapshot.id, resources=len(targets)
    )
    say(f"{event}: restoring {len(targets)} resource(s) from snapshot {snapshot.id}")

    def on_write(
        address: ResourceAddress, action: str, before: str | None, after: str | None, outcome: str
    ) -> None:
        records.audit_entry(
            "write",
            kind=address.kind,
            name=address.name,
            action=action,
            version_tag_before=before,
            version_tag_after=after,
            outcome=outcome,
        )
        say(f"  {action} {address}: {outcome}")

    for step, t in enumerate(targets, start=1):
        journal.intent(
            step,
            kind=t.kind,
            name=t.name,
            action="restore",
            resource_id=t.id,
            version_tag_before=None,
        )
    results = await restore(
        backend,
        targets,
        secrets=secrets,
        deadline=deadline,
        normalizer=Normalizer(),
        on_write=on_write,
    )
    for step, r in enumerate(results, start=1):
        records.keep(
            f"journal result of step {step} ({r.address})",
            functools.partial(
                journal.result,
                step,
                outcome="restored" if r.ok else "failed",
                version_tag_after=r.version_tag_after,
                error=r.reason,
            ),
        )
    ok = all(r.ok for r in results)
    final: Result = "restored" if ok else "restore-failed"
    records.keep("the journal's finish record", lambda: journal.finish(final))
    records.audit_entry(
        f"{event}-finished",
        result=final,
        snapshot_id=snapshot.id,
        needs_attention=[str(r.address) for r in results if not r.ok],
    )
    if ok and event == "rollback":
        records.keep(
            "the last-known-good pointer", lambda: snapshots.mark_last_known_good(snapshot.id)
        )
    return Outcome(
        event,
        final,
        snapshot.id,
        (),
        tuple(results),
        None if ok else "the restore did not verify",
        notes=secret_notes(results),
        unrecorded=tuple(records.unrecorded),
    )


def _addresses_of(steps: list[JournalStep], snapshot: Snapshot) -> frozenset[ResourceAddress]:
    """The snapshot's resources those journal steps wrote (a singleton matched on its kind)."""
    keys = {resource_key(ResourceAddress(s.kind, s.name)) for s in steps}
    return frozenset(
        ResourceAddress(r.kind, r.name)
        for r in snapshot.resources
        if resource_key(ResourceAddress(r.kind, r.name)) in keys
    )


def unsettled_addresses(run: UnfinishedRun, snapshot: Snapshot) -> frozenset[ResourceAddress]:
    """Resources the interrupted run had an intent for but no recorded result: their
    activation may still be running, so a first re-read cannot verify them."""
    # applied or refused: settled. A killed run's create may never have been sent; a
    # pending one is invisible until it activates (the next apply then meets its name).
    steps = [s for s in run.steps if s.outcome in (None, "failed") and s.action != "create"]
    return _addresses_of(steps, snapshot)


def touched_addresses(run: UnfinishedRun, snapshot: Snapshot) -> frozenset[ResourceAddress]:
    """Resources the interrupted run may have written: an intent not refused by the server.

    A resource with no intent was never written by that run; restoring it could only undo
    someone else's later change, so recovery leaves it alone.
    """
    return _addresses_of([s for s in run.steps if s.outcome != "refused"], snapshot)


def describe_unfinished(run: UnfinishedRun) -> str:
    """One paragraph telling the operator what the interrupted run was doing."""
    done = sum(1 for s in run.steps if s.outcome is not None)
    return (
        f"an earlier `{run.command}` (run {run.run_id}, pid {run.pid}, started "
        f"{run.started_at}) was interrupted after {len(run.steps)} write intent(s), "
        f"{done} with a recorded result; restoring its pre-apply snapshot {run.snapshot_id}"
    )


async def recover_interrupted(backend: Backend[Any], ws: Workspace) -> bool:
    """Restore every interrupted run's snapshot before anything else; True if one was found.

    Oldest first. A recovery that was itself interrupted left a journal restoring the same
    snapshot: once that snapshot is restored, such journals are closed, never replayed
    later over a newer apply. `ws.confirm` is asked before the first recovery write, so a
    non-interactive run without --auto-approve writes nothing.
    """
    runs = list_unfinished(ws.state)
    if not runs:
        return False
    restored: set[str] = set()
    for run in runs:
        if run.snapshot_id in restored:
            close_unfinished(ws.state, run, "recovered")
            ws.say(
                f"recovery: run {run.run_id} was restoring snapshot {run.snapshot_id} too: closed"
            )
            continue
        ws.say(f"recovery: {describe_unfinished(run)}")
        ws.confirm(
            f"An interrupted `{run.command}` (run {run.run_id}) must be restored first.",
            "recover",
        )
        await _recover(backend, ws, run)
        restored.add(run.snapshot_id)
    return True


async def _recover(backend: Backend[Any], ws: Workspace, run: UnfinishedRun) -> None:
    snapshot = ws.snapshots.load(run.snapshot_id)
    outcome = await restore_snapshot(
        backend,
        snapshot,
        snapshots=ws.snapshots,
        journal_factory=ws.journal("recovery"),
        audit=ws.audit,
        secrets=ws.secrets,
        secret_envs=ws.secret_envs,
        deadline=ws.operation_deadline,
        event="recovery",
        actor=ws.actor,
        progress=ws.say,
        unsettled=unsettled_addresses(run, snapshot),
        only=touched_addresses(run, snapshot),
    )
    if outcome.result != "restored":
        close_unfinished(ws.state, run, "recovery-failed")
        bad = ", ".join(str(r.address) for r in outcome.needs_attention)
        raise RestoreFailed(
            f"recovery of the interrupted run {run.run_id} failed for: {bad} "
            f"(snapshot {run.snapshot_id})",
            hint=f"fix the cause, then run `reconciler rollback --to {run.snapshot_id}`",
        )
    close_unfinished(ws.state, run, "recovered")
    ws.say(
        f"recovery: interrupted run {run.run_id} restored to snapshot {run.snapshot_id} "
        "and verified"
    )
