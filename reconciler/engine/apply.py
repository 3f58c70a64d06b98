"""Apply a plan: snapshot, journal, write, await, verify; restore on any failure.

The promise: after `ApplyRun.run` returns (or the process dies), every resource the plan
touched holds either the desired state or its pre-apply content, and the journal and the
audit log say which. The order of durable steps is what makes that true:

1. the pre-apply snapshot (bodies and tags of everything the plan touches) is written
   atomically before the first write;
2. the journal records each write's intent (fsynced) before the request leaves;
3. on a failed/hung write, a refusal (412, 409...) or any error, no new write starts; every
   resource whose write may have landed is restored from the snapshot, re-read, verified;
4. only a verified success moves the last-known-good pointer.

How each kind is written (an activation awaited, a guarded block PUT...) is its
descriptor's business; this module only orders, records and restores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from reconciler import aio, registry
from reconciler.dialer_v1.errors import ApiError
from reconciler.engine.normalize import Normalizer
from reconciler.engine.outcome import (
    Outcome,
    ProgressHook,
    Result,
    StepRecord,
    secret_notes,
)
from reconciler.engine.plan import Action, Change, Plan, change_sort_key
from reconciler.engine.records import Records
from reconciler.engine.restore import RestoreTarget, matches, resolve_secret, restore
from reconciler.errors import Landed, ReconcilerError, StateError
from reconciler.kinds import Backend, LiveState, ResourceAddress, WriteRequest, WriteResult
from reconciler.state.audit import AuditLog
from reconciler.state.journal import Journal
from reconciler.state.snapshots import Snapshot, SnapshotResource, SnapshotStore


@dataclass(frozen=True)
class ApplyOptions:
    operation_deadline_seconds: float = 300.0
    max_in_flight: int = 16


def _stored(live: LiveState, address: ResourceAddress) -> SnapshotResource | None:
    kind = registry.kind(address.kind)
    r = live.get(address, singleton=kind.singleton)
    if r is None:
        return None
    return SnapshotResource(r.kind, r.name, r.id, True, r.version_tag, kind.to_json(r.body))


def snapshot_resources(changes: tuple[Change, ...], live: LiveState) -> list[SnapshotResource]:
    """The pre-apply content of every resource the changes touch (no secrets)."""
    out = []
    for change in changes:
        found = _stored(live, change.address)
        absent = SnapshotResource(change.kind, change.name, None, False, None, None)
        out.append(found if found is not None else absent)
    return out


def full_snapshot_resources(live: LiveState) -> list[SnapshotResource]:
    """Every live resource (the last-known-good after a verified apply)."""
    out = []
    for address in sorted(live.resources):
        found = _stored(live, address)
        assert found is not None
        out.append(found)
    return out


def resource_key(address: ResourceAddress) -> tuple[str, str]:
    """One key per resource: a singleton's address is its kind alone (names may differ
    between the spec and the tenant, and between a plan and a snapshot)."""
    return registry.kind(address.kind).pair_key(address.name)


def restore_targets(
    snapshot: Snapshot,
    secret_envs: Mapping[ResourceAddress, str],
    ids: Mapping[ResourceAddress, str] | None = None,
    unsettled: frozenset[ResourceAddress] = frozenset(),
) -> list[RestoreTarget]:
    """Targets that bring every resource in `snapshot` back to its recorded content."""
    ids = ids or {}
    out = []
    for r in snapshot.resources:
        address = ResourceAddress(r.kind, r.name)
        secret = registry.kind(r.kind).secret
        out.append(
            RestoreTarget(
                address,
                r.id or ids.get(address),
                r.present,
                r.body,
                secret_envs.get(address) if secret is not None else None,
                address in unsettled,
            )
        )
    return out


def landed_of(exc: BaseException) -> Landed:
    """Whether a write that raised `exc` reached the tenant: said where it was raised; an
    error of ours (a bug, a local I/O error) leaves it unknown."""
    return exc.landed if isinstance(exc, ReconcilerError) else "unknown"


class ApplyRun:
    """One apply of one plan against one tenant (the state directory is already locked)."""

    def __init__(
        self,
        backend: Backend[Any],
        *,
        plan: Plan,
        live: LiveState,
        snapshots: SnapshotStore,
        journal_factory: Callable[[str], Journal],
        audit: AuditLog,
        secrets: Mapping[str, SecretStr],
        normalizer: Normalizer,
        options: ApplyOptions = ApplyOptions(),
        actor: str = "unknown",
        progress: ProgressHook | None = None,
        on_step: Callable[[int, int], None] | None = None,
    ) -> None:
        self.backend, self.plan, self.live = backend, plan, live
        self.snapshots, self.journal_factory, self.audit = snapshots, journal_factory, audit
        self.secrets, self.normalizer, self.options = secrets, normalizer, options
        self.actor = actor
        self.progress = progress or (lambda _msg: None)
        self.on_step = on_step or (lambda _done, _total: None)
        self.steps: list[StepRecord] = []
        self.ids: dict[ResourceAddress, str] = {}  # ids learned from writes (creates)
        self._failure: str | None = None
        self._observed_after: LiveState | None = None
        self.records = Records(audit)

    # -- the pipeline -----------------------------------------------------------------
    async def run(self) -> Outcome:
        """Snapshot, write, verify; restore on failure."""
        for change in self.plan.changes:  # fail before any write if a secret is missing
            self._secret(change)
        snap = self.snapshots.save(
            self.plan.environment,
            "pre-apply",
            snapshot_resources(self.plan.changes, self.live),
            plan_digest=self.plan.digest,
            git_commit=self.plan.git_commit,
        )
        self.progress(f"snapshot {snap.id} written ({len(snap.resources)} resource(s))")
        journal = self.journal_factory(snap.id)
        started = self.records.audit_entry(
            "apply-started",
            actor=self.actor,
            environment=self.plan.environment,
            plan_digest=self.plan.digest,
            git_commit=self.plan.git_commit,
            snapshot_id=snap.id,
            changes=len(self.plan.changes),
        )
        if not started:  # stop before the first write: an apply must be on the record
            self.records.keep("journal finish", lambda: journal.finish("nothing-written"))
            raise StateError(
                "cannot record the apply in the audit log, so nothing was written: "
                + "; ".join(self.records.unrecorded),
                hint="free space in the state directory (RECONCILER_STATE_DIR), then apply again",
            )
        try:
            await self._write_all(journal)
            if self._failure is None:
                await self._verify()
        except ApiError as exc:  # a read during verify failed: treat as a failure
            self._failure = self._failure or f"{exc}"
        if self._failure is None:
            return await self._succeed(journal, snap)
        return await self._restore(journal, snap)

    def _secret(self, change: Change) -> SecretStr | None:
        secret = registry.kind(change.kind).secret
        if secret is None or change.action is Action.DELETE:
            return None
        return resolve_secret(change.secret_env, self.secrets, str(change.address), secret.what)

    async def _write_all(self, journal: Journal) -> None:
        groups: dict[tuple[int, int], list[tuple[int, Change]]] = {}
        for step, change in enumerate(self.plan.changes, start=1):
            phase, order, _ = change_sort_key(change.kind, change.name, change.action)
            groups.setdefault((phase, order), []).append((step, change))
        gate = asyncio.Semaphore(self.options.max_in_flight)
        total = len(self.plan.changes)
        for key in sorted(groups):
            if self._failure is not None:
                self.steps += [self._skipped(c) for _, c in groups[key]]
                continue

            async def one(step: int, change: Change) -> None:
                async with gate:
                    if self._failure is not None:
                        self.steps.append(self._skipped(change))
                        return
                    await self._write_step(journal, step, change, total)

            await aio.gather(*(one(s, c) for s, c in groups[key]))

    @staticmethod
    def _skipped(change: Change) -> StepRecord:
        return StepRecord(change.address, change.action.value, "skipped", landed="no")

    async def _write_step(self, journal: Journal, step: int, change: Change, total: int) -> None:
        try:  # write-ahead: no intent on disk, no write
            journal.intent(
                step,
                kind=change.kind,
                name=change.name,
                action=change.action.value,
                resource_id=change.resource_id,
                version_tag_before=change.live_version_tag,
            )
        except StateError as exc:
            self._failure = self._failure or (
                f"{change.address}: not written, its intent could not be recorded: {exc.message}"
            )
            self.steps.append(self._skipped(change))
            return
        try:
            result = await self._send(change)
        except Exception as exc:  # any failure mid-way must still lead to the restore
            message = exc.message if isinstance(exc, ReconcilerError) else f"{exc!r}"
            self._failure = self._failure or f"{change.address}: {message}"
            self._record(journal, step, change, total, landed_of(exc), None, message)
            return
        if result.resource_id:
            self.ids[change.address] = result.resource_id
        self._record(journal, step, change, total, "yes", result, None)

    def _record(
        self,
        journal: Journal,
        step: int,
        change: Change,
        total: int,
        landed: Landed,
        result: WriteResult | None,
        error: str | None,
    ) -> None:
        """One write's outcome, to the journal, the audit log and the run's steps."""
        ok = result is not None
        after = result.version_tag_after if result is not None else None
        operation_id = result.operation_id if result is not None else None
        outcome = "applied" if ok else "refused" if landed == "no" else "failed"
        recorded = self.records.keep(
            f"journal result of step {step} ({change.address})",
            lambda: journal.result(
                step,
                outcome=outcome,
                version_tag_after=after,
                operation_id=operation_id,
                error=error,
            ),
        )
        entry: dict[str, Any] = {
            "kind": change.kind,
            "name": change.name,
            "action": change.action.value,
            "version_tag_before": change.live_version_tag,
            "version_tag_after": after,
            "outcome": "applied" if ok else "failed",
        }
        entry.update(
            {"operation_id": operation_id} if ok else {"landed": landed != "no", "error": error}
        )
        recorded = self.records.audit_entry("write", **entry) and recorded
        if not recorded:
            # The records of this run are failing: start no new write; restore what landed.
            self._failure = self._failure or (
                f"{change.address}: its write could not be recorded: {self.records.unrecorded[-1]}"
            )
        self.steps.append(
            StepRecord(
                change.address,
                change.action.value,
                "applied" if ok else "failed",
                change.live_version_tag,
                after,
                error,
                landed,
            )
        )
        what = change.action.verb if ok else f"FAILED: {error}"
        self.progress(f"[{step}/{total}] {change.action.symbol} {change.address} {what}")
        self.on_step(len(self.steps), total)

    async def _send(self, change: Change) -> WriteResult:
        request = WriteRequest(
            change.address,
            change.action.write,
            change.resource_id,
            change.live_version_tag,
            change.desired,
            self._secret(change),
            change.live_parts or {},
            exact=self.normalizer.prune,
        )
        return await self.backend.write(request, self.options.operation_deadline_seconds)

    async def _verify(self) -> None:
        """Re-read the tenant (one observation, not a read per resource): live must equal
        desired."""
        after = await self.backend.observe()
        for change in self.plan.changes:
            present = change.action is not Action.DELETE
            singleton = registry.kind(change.kind).singleton
            cur = after.get(change.address, singleton=singleton)
            exact = self.normalizer.prune
            if not matches(
                change.address, cur, present, change.desired, self.normalizer, exact=exact
            ):
                self._failure = f"{change.address}: live state differs from desired after apply"
                return
        self._observed_after = after
        self.progress(f"verified {len(self.plan.changes)} resource(s) by re-reading")

    # -- endings ----------------------------------------------------------------------
    async def _succeed(self, journal: Journal, pre: Snapshot) -> Outcome:
        after = self._observed_after or await self.backend.observe()
        lkg: list[str] = []

        def save_last_known_good() -> None:
            snap = self.snapshots.save(
                self.plan.environment,
                "applied",
                full_snapshot_resources(after),
                plan_digest=self.plan.digest,
                git_commit=self.plan.git_commit,
            )
            self.snapshots.mark_last_known_good(snap.id)
            lkg.append(snap.id)

        self.records.keep("the last-known-good snapshot", save_last_known_good)
        self.records.keep(
            "the journal's finish record (if the journal is still in journal/, move it to "
            "journal/done/ by hand, or the next run will restore this apply's snapshot)",
            lambda: journal.finish("applied"),
        )
        self.records.audit_entry(
            "apply-finished",
            result="applied",
            snapshot_id=pre.id,
            last_known_good=lkg[0] if lkg else None,
            plan_digest=self.plan.digest,
        )
        return Outcome(
            "apply",
            "applied",
            pre.id,
            tuple(self.steps),
            last_known_good=lkg[0] if lkg else None,
            unrecorded=tuple(self.records.unrecorded),
        )

    async def _restore(self, journal: Journal, snap: Snapshot) -> Outcome:
        touched = {resource_key(s.address) for s in self.steps if s.touched}
        unsettled_keys = {resource_key(s.address) for s in self.steps if s.unsettled}
        unsettled = frozenset(
            ResourceAddress(r.kind, r.name)
            for r in snap.resources
            if resource_key(ResourceAddress(r.kind, r.name)) in unsettled_keys
        )
        targets = [
            t
            for t in restore_targets(snap, self._secret_envs(), self.ids, unsettled)
            if resource_key(t.address) in touched
        ]
        self.progress(
            f"apply failed ({self._failure}); restoring {len(targets)} resource(s) "
            f"from snapshot {snap.id}"
        )
        self.records.keep(
            "journal note restore-started",
            lambda: journal.note("restore-started", reason=self._failure),
        )
        self.records.audit_entry(
            "restore-started", reason=self._failure, snapshot_id=snap.id, resources=len(targets)
        )
        results = await restore(
            self.backend,
            targets,
            secrets=self.secrets,
            deadline=self.options.operation_deadline_seconds,
            normalizer=Normalizer(),
            on_write=self._audit_restore_write,
        )
        ok = all(r.ok for r in results)
        final: Result = "restored" if ok else "restore-failed"
        self.records.keep("the journal's finish record", lambda: journal.finish(final))
        self.records.audit_entry(
            "apply-finished",
            result=final,
            snapshot_id=snap.id,
            plan_digest=self.plan.digest,
            error=self._failure,
            needs_attention=[str(r.address) for r in results if not r.ok],
        )
        return Outcome(
            "apply",
            final,
            snap.id,
            tuple(self.steps),
            tuple(results),
            self._failure,
            notes=secret_notes(results),
            unrecorded=tuple(self.records.unrecorded),
        )

    def _secret_envs(self) -> dict[ResourceAddress, str]:
        return {c.address: c.secret_env for c in self.plan.changes if c.secret_env}

    def _audit_restore_write(
        self,
        address: ResourceAddress,
        action: str,
        before: str | None,
        after: str | None,
        outcome: str,
    ) -> None:
        self.records.audit_entry(
            "write",
            kind=address.kind,
            name=address.name,
            action=action,
            version_tag_before=before,
            version_tag_after=after,
            outcome=outcome,
        )
        self.progress(f"  {action} {address}: {outcome}")
