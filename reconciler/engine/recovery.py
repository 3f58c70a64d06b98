"""Rollback to a snapshot, and recovery of an apply that a crash interrupted.

Both are a verified restore (engine/restore.py) of a snapshot's resources, journalled and
audited like an apply, so a crash during a rollback is itself recoverable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import SecretStr

from reconciler.dialer_v1.api import DialerApi
from reconciler.engine.apply import Outcome, ProgressHook, Result, restore_targets
from reconciler.engine.normalize import Normalizer
from reconciler.engine.restore import restore
from reconciler.state.audit import AuditLog
from reconciler.state.journal import Journal, UnfinishedRun
from reconciler.state.snapshots import Snapshot, SnapshotStore


async def restore_snapshot(
    api: DialerApi,
    snapshot: Snapshot,
    *,
    snapshots: SnapshotStore,
    journal_factory: Callable[[str], Journal],
    audit: AuditLog,
    secrets: Mapping[str, SecretStr],
    secret_envs: Mapping[str, str],
    deadline: float,
    event: str,
    actor: str = "unknown",
    progress: ProgressHook | None = None,
    unsettled: frozenset[str] = frozenset(),
    only: frozenset[str] | None = None,
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
    journal = journal_factory(snapshot.id)
    audit.append(f"{event}-started", actor=actor, snapshot_id=snapshot.id, resources=len(targets))
    say(f"{event}: restoring {len(targets)} resource(s) from snapshot {snapshot.id}")

    def on_write(
        kind: str, name: str, action: str, before: str | None, after: str | None, outcome: str
    ) -> None:
        audit.append(
            "write",
            kind=kind,
            name=name,
            action=action,
            version_tag_before=before,
            version_tag_after=after,
            outcome=outcome,
        )
        say(f"  {action} {kind}.{name}: {outcome}")

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
        api, targets, secrets=secrets, deadline=deadline, normalizer=Normalizer(), on_write=on_write
    )
    for step, r in enumerate(results, start=1):
        journal.result(
            step,
            outcome="restored" if r.ok else "failed",
            version_tag_after=r.version_tag_after,
            error=r.reason,
        )
    ok = all(r.ok for r in results)
    final: Result = "restored" if ok else "restore-failed"
    journal.finish(final)
    audit.append(
        f"{event}-finished",
        result=final,
        snapshot_id=snapshot.id,
        needs_attention=[r.address for r in results if not r.ok],
    )
    if ok and event == "rollback":
        snapshots.mark_last_known_good(snapshot.id)
    notes = tuple(
        f"{r.address}: webhook token re-sent from the environment"
        for r in results
        if r.secret_resent
    )
    return Outcome(
        final,
        snapshot.id,
        (),
        tuple(results),
        None if ok else "the restore did not verify",
        notes=notes,
    )


def unsettled_addresses(run: UnfinishedRun, snapshot: Snapshot) -> frozenset[str]:
    """Resources the interrupted run had an intent for but no recorded result: their
    activation may still be running, so a first re-read cannot verify them."""
    settings = {f"{r.kind}.{r.name}" for r in snapshot.resources if r.kind == "DialerSettings"}
    out: set[str] = set()
    for step in run.steps:
        if step.outcome not in (None, "failed"):  # applied or refused: settled
            continue
        if step.action == "create":
            # A killed run's create may never have been sent; a pending one is invisible
            # until it activates (the next apply then meets its name), so no false alarm.
            continue
        out |= settings if step.kind == "DialerSettings" else {f"{step.kind}.{step.name}"}
    return frozenset(out)


def touched_addresses(run: UnfinishedRun, snapshot: Snapshot) -> frozenset[str]:
    """Resources the interrupted run may have written: an intent not refused by the server.

    A resource with no intent was never written by that run; restoring it could only undo
    someone else's later change, so recovery leaves it alone.
    """
    settings = {f"{r.kind}.{r.name}" for r in snapshot.resources if r.kind == "DialerSettings"}
    out: set[str] = set()
    for step in run.steps:
        if step.outcome == "refused":
            continue
        out |= settings if step.kind == "DialerSettings" else {f"{step.kind}.{step.name}"}
    return frozenset(out)


def describe_unfinished(run: UnfinishedRun) -> str:
    """One paragraph telling the operator what the interrupted run was doing."""
    done = sum(1 for s in run.steps if s.outcome is not None)
    return (
        f"an earlier `{run.command}` (run {run.run_id}, pid {run.pid}, started "
        f"{run.started_at}) was interrupted after {len(run.steps)} write intent(s), "
        f"{done} with a recorded result; restoring its pre-apply snapshot {run.snapshot_id}"
    )
