"""How a run that writes ended: each write's outcome, each restore's result, the verdict.

One vocabulary for every operation that writes (an apply, a rollback, the recovery of an
interrupted run, the guard's restore), so renderers and exit codes word each one right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from reconciler import registry
from reconciler.errors import Landed
from reconciler.kinds import ResourceAddress

Operation = Literal["apply", "rollback", "recovery", "guard-restore"]
Result = Literal["applied", "restored", "restore-failed"]
ProgressHook = Callable[[str], None]


@dataclass(frozen=True)
class StepRecord:
    """One write of a run and its outcome."""

    address: ResourceAddress
    action: str
    outcome: Literal["applied", "failed", "skipped"]
    version_tag_before: str | None = None
    version_tag_after: str | None = None
    error: str | None = None
    # Whether the write reached the tenant. "no": the server refused it before acting (412,
    # 409, 400...), so the restore leaves the resource alone; "unknown": it may still be
    # taking effect (an activation past its deadline, an answer lost after the resource
    # moved), so the restore must not trust a first re-read.
    landed: Landed = "yes"

    @property
    def touched(self) -> bool:
        """Whether the restore must bring this resource back."""
        return self.outcome != "skipped" and self.landed != "no"

    @property
    def unsettled(self) -> bool:
        return self.landed == "unknown"


@dataclass(frozen=True)
class RestoreResult:
    """One resource brought back to a snapshot (or not)."""

    address: ResourceAddress
    ok: bool
    action: str  # "none" | "update" | "create" | "delete"
    reason: str | None = None
    version_tag_after: str | None = None
    secret_resent: bool = False


@dataclass(frozen=True)
class Outcome:
    """How a run ended, for the summary and the exit code."""

    operation: Operation
    result: Result
    snapshot_id: str
    steps: tuple[StepRecord, ...] = ()
    restored: tuple[RestoreResult, ...] = ()
    error: str | None = None
    last_known_good: str | None = None
    notes: tuple[str, ...] = field(default=())
    # Local records (snapshot, journal, audit log) that could not be written (a full disk):
    # the tenant is as `result` says, but the state directory does not fully show it.
    unrecorded: tuple[str, ...] = ()

    @property
    def needs_attention(self) -> tuple[RestoreResult, ...]:
        return tuple(r for r in self.restored if not r.ok)


def secret_notes(results: Sequence[RestoreResult]) -> tuple[str, ...]:
    """A note for every restore that re-sent a write-only secret from the environment."""
    notes = []
    for r in results:
        secret = registry.kind(r.address.kind).secret
        if r.secret_resent and secret is not None:
            notes.append(f"{r.address}: {secret.what} re-sent from the environment")
    return tuple(notes)
