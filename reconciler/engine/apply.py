"""Apply a plan: snapshot, journal, write with If-Match, await, verify; restore on any failure.

The promise: after `apply_plan` returns (or the process dies), every resource the plan
touched holds either the desired state or its pre-apply content, and the journal and the
audit log say which. The order of durable steps is what makes that true:

1. the pre-apply snapshot (bodies and versionTags of everything the plan touches) is written
   atomically before the first write;
2. the journal records each write's intent (fsynced) before the request leaves;
3. on a failed/hung activation, 412, 409 or any error, no new write starts; every resource
   with an intent is restored from the snapshot, re-read, and verified;
4. only a verified success moves the last-known-good pointer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import SecretStr

from reconciler import aio
from reconciler.dialer_v1.api import DialerApi
from reconciler.dialer_v1.bodies import body_to_json
from reconciler.dialer_v1.errors import (
    ApiError,
    NameConflictError,
    OperationInProgressError,
    OperationTimeoutError,
    PreconditionFailedError,
    ValidationError,
)
from reconciler.dialer_v1.retry import WriteOutcomeUnknown
from reconciler.engine import executor
from reconciler.engine.normalize import Normalizer
from reconciler.engine.observe import LiveState, observe
from reconciler.engine.pairing import live_resources
from reconciler.engine.plan import Action, Change, Plan
from reconciler.engine.restore import (
    Current,
    RestoreResult,
    RestoreTarget,
    matches,
    restore,
)
from reconciler.errors import ConfigError, ReconcilerError
from reconciler.state.audit import AuditLog
from reconciler.state.journal import Journal
from reconciler.state.snapshots import Snapshot, SnapshotResource, SnapshotStore

Result = Literal["applied", "restored", "restore-failed"]


@dataclass(frozen=True)
class ApplyOptions:
    operation_deadline_seconds: float = 300.0
    max_in_flight: int = 16


@dataclass(frozen=True)
class StepRecord:
    """One write of the apply."""

    address: str
    action: str
    outcome: str  # "applied" | "failed" | "skipped"
    version_tag_before: str | None = None
    version_tag_after: str | None = None
    error: str | None = None
    # False when the server refused the write before acting on it (412, 409, 400...):
    # the resource was not touched by this apply, so the restore must leave it alone.
    landed: bool = True
    # True when the write may still be taking effect (activation past its deadline, or an
    # answer lost after the resource moved): the restore must not trust a first re-read.
    unsettled: bool = False


@dataclass(frozen=True)
class Outcome:
    """How an apply (or rollback) ended, for the summary and the exit code."""

    result: Result
    snapshot_id: str
    steps: tuple[StepRecord, ...] = ()
    restored: tuple[RestoreResult, ...] = ()
    error: str | None = None
    last_known_good: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def needs_attention(self) -> tuple[RestoreResult, ...]:
        return tuple(r for r in self.restored if not r.ok)


ProgressHook = Callable[[str], None]


def snapshot_resources(plan_changes: tuple[Change, ...], live: LiveState) -> list[SnapshotResource]:
    """The pre-apply content of every resource the changes touch (no secrets)."""
    by_key = {(r.kind, r.name): r for r in live_resources(live)}
    settings_name = live.settings.body.name
    out = []
    for change in plan_changes:
        key = (change.kind, settings_name if change.kind == "DialerSettings" else change.name)
        r = by_key.get(key)
        if r is None:
            out.append(SnapshotResource(change.kind, change.name, None, False, None, None))
            continue
        body = body_to_json(r.body)
        body.get("auth", {}).pop("token", None)
        out.append(SnapshotResource(r.kind, r.name, r.id, True, r.version_tag, body))
    return out


def full_snapshot_resources(live: LiveState) -> list[SnapshotResource]:
    """Every live resource (the last-known-good after a verified apply)."""
    out = []
    for r in live_resources(live):
        body = body_to_json(r.body)
        body.get("auth", {}).pop("token", None)
        out.append(SnapshotResource(r.kind, r.name, r.id, True, r.version_tag, body))
    return out


def restore_targets(
    snapshot: Snapshot,
    secret_envs: Mapping[str, str],
    ids: Mapping[str, str] | None = None,
    unsettled: frozenset[str] = frozenset(),
) -> list[RestoreTarget]:
    """Targets that bring every resource in `snapshot` back to its recorded content."""
    ids = ids or {}
    out = []
    for r in snapshot.resources:
        address = f"{r.kind}.{r.name}"
        out.append(
            RestoreTarget(
                r.kind,
                r.name,
                r.id or ids.get(address),
                r.present,
                r.body,
                secret_envs.get(r.name) if r.kind == "Webhook" else None,
                address in unsettled,
            )
        )
    return out


def current_in(live: LiveState, kind: str, name: str) -> Current | None:
    """A resource as an observation saw it (the settings always exist)."""
    if kind == "DialerSettings":
        return Current(None, live.settings.version_tag, live.settings.body)
    found = (live.campaigns if kind == "Campaign" else live.webhooks).get(name)
    return None if found is None else Current(found.id, found.version_tag, found.body)


def refused_before_handling(exc: Exception) -> bool:
    """Whether the server certainly did not act on the write (so it touched nothing).

    A 412 means someone else moved the resource: restoring it to our snapshot would
    overwrite their change. A lost answer re-checked as "changed" (WriteOutcomeUnknown,
    a 412 subclass) may have landed, so it is not a refusal.
    """
    if isinstance(exc, WriteOutcomeUnknown):
        return False
    refusals = (
        PreconditionFailedError,
        OperationInProgressError,
        NameConflictError,
        ValidationError,
        ConfigError,
    )
    return isinstance(exc, refusals)


class ApplyRun:
    """One apply of one plan against one tenant (the state directory is already locked)."""

    def __init__(
        self,
        api: DialerApi,
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
        self.api, self.plan, self.live = api, plan, live
        self.snapshots, self.journal_factory, self.audit = snapshots, journal_factory, audit
        self.secrets, self.normalizer, self.options = secrets, normalizer, options
        self.actor = actor
        self.progress = progress or (lambda _msg: None)
        self.on_step = on_step or (lambda _done, _total: None)
        self.steps: list[StepRecord] = []
        self.ids: dict[str, str] = {}  # address -> id learned from writes (creates)
        self._failure: str | None = None
        self._observed_after: LiveState | None = None

    # -- the pipeline -----------------------------------------------------------------
    async def run(self) -> Outcome:
        """Snapshot, write, verify; restore on failure."""
        for change in self.plan.changes:  # fail before any write if a token is missing
            if change.kind == "Webhook" and change.action is not Action.DELETE:
                executor.resolve_secret(change.secret_env, self.secrets, change.address)
        snap = self.snapshots.save(
            self.plan.environment,
            "pre-apply",
            snapshot_resources(self.plan.changes, self.live),
            plan_digest=self.plan.digest,
            git_commit=self.plan.git_commit,
        )
        self.progress(f"snapshot {snap.id} written ({len(snap.resources)} resource(s))")
        journal = self.journal_factory(snap.id)
        self.audit.append(
            "apply-started",
            actor=self.actor,
            environment=self.plan.environment,
            plan_digest=self.plan.digest,
            git_commit=self.plan.git_commit,
            snapshot_id=snap.id,
            changes=len(self.plan.changes),
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

    async def _write_all(self, journal: Journal) -> None:
        groups: dict[tuple[int, int], list[tuple[int, Change]]] = {}
        for step, change in enumerate(self.plan.changes, start=1):
            phase = 1 if change.action is Action.DELETE else 0
            rank = {"DialerSettings": 0, "Campaign": 1, "Webhook": 2}[change.kind]
            groups.setdefault((phase, rank), []).append((step, change))
        gate = asyncio.Semaphore(self.options.max_in_flight)
        total = len(self.plan.changes)
        for key in sorted(groups):
            if self._failure is not None:
                self.steps += [
                    StepRecord(c.address, c.action.value, "skipped") for _, c in groups[key]
                ]
                continue

            async def one(step: int, change: Change) -> None:
                async with gate:
                    if self._failure is not None:
                        self.steps.append(
                            StepRecord(change.address, change.action.value, "skipped")
                        )
                        return
                    await self._write_step(journal, step, change, total)

            await aio.gather(*(one(s, c) for s, c in groups[key]))

    async def _write_step(self, journal: Journal, step: int, change: Change, total: int) -> None:
        journal.intent(
            step,
            kind=change.kind,
            name=change.name,
            action=change.action.value,
            resource_id=change.resource_id,
            version_tag_before=change.live_version_tag,
        )
        try:
            result = await self._send(change)
        except Exception as exc:  # any failure mid-way must still lead to the restore
            message = exc.message if isinstance(exc, ReconcilerError) else f"{exc!r}"
            self._failure = self._failure or f"{change.address}: {message}"
            landed = not refused_before_handling(exc)
            # Not one of ours (a bug, a local I/O error): whether the write landed is unknown.
            unknown = not isinstance(exc, ReconcilerError) or isinstance(
                exc, (OperationTimeoutError, WriteOutcomeUnknown)
            )
            journal.result(step, outcome="failed" if landed else "refused", error=message)
            self.audit.append(
                "write",
                kind=change.kind,
                name=change.name,
                action=change.action.value,
                version_tag_before=change.live_version_tag,
                version_tag_after=None,
                outcome="failed",
                landed=landed,
                error=message,
            )
            self.steps.append(
                StepRecord(
                    change.address,
                    change.action.value,
                    "failed",
                    change.live_version_tag,
                    None,
                    message,
                    landed,
                    unknown,
                )
            )
            self.progress(
                f"[{step}/{total}] {change.action.symbol} {change.address} FAILED: {message}"
            )
            self.on_step(len(self.steps), total)
            return
        if result.resource_id:
            self.ids[change.address] = result.resource_id
        journal.result(
            step,
            outcome="applied",
            version_tag_after=result.version_tag_after,
            operation_id=result.operation_id,
        )
        self.audit.append(
            "write",
            kind=change.kind,
            name=change.name,
            action=change.action.value,
            version_tag_before=change.live_version_tag,
            version_tag_after=result.version_tag_after,
            outcome="applied",
            operation_id=result.operation_id,
        )
        self.steps.append(
            StepRecord(
                change.address,
                change.action.value,
                "applied",
                change.live_version_tag,
                result.version_tag_after,
            )
        )
        self.progress(
            f"[{step}/{total}] {change.action.symbol} {change.address} {change.action.verb}"
        )
        self.on_step(len(self.steps), total)

    async def _send(self, change: Change) -> executor.WriteResult:
        api, deadline, body = self.api, self.options.operation_deadline_seconds, change.desired
        tag = change.live_version_tag or ""
        if change.kind == "DialerSettings":
            assert body is not None
            return await executor.write_settings(api, body, tag, deadline)
        if change.kind == "Campaign":
            if change.action is Action.CREATE:
                assert body is not None
                return await executor.create_campaign(api, body, deadline)
            assert change.resource_id is not None
            if change.action is Action.UPDATE:
                assert body is not None
                return await executor.update_campaign(api, change.resource_id, body, tag, deadline)
            return await executor.delete_campaign(api, change.resource_id, tag, deadline)
        if change.action is Action.DELETE:
            assert change.resource_id is not None
            return await executor.delete_webhook(api, change.resource_id, tag)
        assert body is not None
        token = executor.resolve_secret(change.secret_env, self.secrets, change.address)
        if change.action is Action.CREATE:
            return await executor.create_webhook(api, body, token)
        assert change.resource_id is not None
        return await executor.update_webhook(api, change.resource_id, body, token, tag)

    async def _verify(self) -> None:
        """Re-read the tenant (one observation, not a GET per resource): live must equal desired."""
        after = await observe(self.api)
        for change in self.plan.changes:
            present = change.action is not Action.DELETE
            cur = current_in(after, change.kind, change.name)
            if not matches(change.kind, change.name, cur, present, change.desired, self.normalizer):
                self._failure = f"{change.address}: live state differs from desired after apply"
                return
        self._observed_after = after
        self.progress(f"verified {len(self.plan.changes)} resource(s) by re-reading")

    # -- endings ----------------------------------------------------------------------
    async def _succeed(self, journal: Journal, pre: Snapshot) -> Outcome:
        after = self._observed_after or await observe(self.api)
        lkg = self.snapshots.save(
            self.plan.environment,
            "applied",
            full_snapshot_resources(after),
            plan_digest=self.plan.digest,
            git_commit=self.plan.git_commit,
        )
        self.snapshots.mark_last_known_good(lkg.id)
        journal.finish("applied")
        self.audit.append(
            "apply-finished",
            result="applied",
            snapshot_id=pre.id,
            last_known_good=lkg.id,
            plan_digest=self.plan.digest,
        )
        return Outcome("applied", pre.id, tuple(self.steps), last_known_good=lkg.id)

    async def _restore(self, journal: Journal, snap: Snapshot) -> Outcome:
        settings_key = ("DialerSettings", "")
        touched = {
            settings_key if s.address.startswith("DialerSettings.") else s.address
            for s in self.steps
            if s.outcome != "skipped" and s.landed
        }
        unsettled = frozenset(
            f"{r.kind}.{r.name}"
            for s in self.steps
            if s.unsettled
            for r in snap.resources
            if s.address == f"{r.kind}.{r.name}"
            or (r.kind == "DialerSettings" and s.address.startswith("DialerSettings."))
        )
        targets = [
            t
            for t in restore_targets(snap, self._secret_envs(), self.ids, unsettled)
            if (settings_key if t.kind == "DialerSettings" else t.address) in touched
        ]
        self.progress(
            f"apply failed ({self._failure}); restoring {len(targets)} resource(s) "
            f"from snapshot {snap.id}"
        )
        journal.note("restore-started", reason=self._failure)
        self.audit.append(
            "restore-started", reason=self._failure, snapshot_id=snap.id, resources=len(targets)
        )
        results = await restore(
            self.api,
            targets,
            secrets=self.secrets,
            deadline=self.options.operation_deadline_seconds,
            normalizer=Normalizer(),
            on_write=self._audit_restore_write,
        )
        ok = all(r.ok for r in results)
        final: Result = "restored" if ok else "restore-failed"
        journal.finish(final)
        self.audit.append(
            "apply-finished",
            result=final,
            snapshot_id=snap.id,
            plan_digest=self.plan.digest,
            error=self._failure,
            needs_attention=[r.address for r in results if not r.ok],
        )
        notes = tuple(
            f"{r.address}: webhook token re-sent from the environment"
            for r in results
            if r.secret_resent
        )
        return Outcome(
            final, snap.id, tuple(self.steps), tuple(results), self._failure, notes=notes
        )

    def _secret_envs(self) -> dict[str, str]:
        return {
            c.name: c.secret_env for c in self.plan.changes if c.kind == "Webhook" and c.secret_env
        }

    def _audit_restore_write(
        self, kind: str, name: str, action: str, before: str | None, after: str | None, outcome: str
    ) -> None:
        self.audit.append(
            "write",
            kind=kind,
            name=name,
            action=action,
            version_tag_before=before,
            version_tag_after=after,
            outcome=outcome,
        )
        self.progress(f"  {action} {kind}.{name}: {outcome}")


def summary_counts(steps: tuple[StepRecord, ...]) -> dict[str, Any]:
    """Counts by outcome, for the final summary."""
    counts: dict[str, int] = {}
    for s in steps:
        counts[s.outcome] = counts.get(s.outcome, 0) + 1
    return counts
