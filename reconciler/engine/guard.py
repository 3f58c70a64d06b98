"""The post-apply guard: watch the metrics of changed campaigns; undo the apply on a breach.

Opt-in per campaign through its effective `verify:` block (Tenant defaults, campaign
overrides). After a verified apply, every created or updated campaign with a block is read
every `interval_seconds` (first read one interval after activation, last at
`watch_seconds`) through the analytics endpoint (contract §8, every page followed). Each
read judges the most recent interval the API reports (hourly grouping, the API's default
window): the one holding "now".

- A value above a metric's `max` or below its `min` is a breach: the guard records
  `guard-breach` in the audit log, then restores the pre-apply snapshot of this apply
  (every resource it touched, the same verified restore a failed activation uses, as
  `guard-restore-*` audit entries) and, once verified, points last-known-good at a fresh
  snapshot of the restored tenant (the applied state just proved bad).
- Transient API errors (transport, 429, 5xx, deadline) are retried `read_attempts` times;
  then, or on any other API error, or when a campaign never reported a watched metric,
  the outcome is `unreadable`: the guard does NOT claim success and does NOT restore. The
  changes passed every check before activation and nothing says they are bad; rolling
  back on an analytics outage would make the guard the cause of churn (and the writes
  would go to the same troubled API). The operator is told the changes are still live
  and how to roll back.
- A crash during the watch leaves the applied (and verified) changes live; the apply's
  journal is already closed, so nothing is restored at the next run. A crash during the
  guard's restore is recovered like any other interrupted restore (its own journal).

Time is injected (`clock`, `sleep`) so tests and the demo control it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import SecretStr

from reconciler import registry
from reconciler.desired import DesiredState, MetricBound
from reconciler.dialer_v1.api import MetricName
from reconciler.dialer_v1.errors import (
    ApiError,
    DeadlineExceeded,
    RateLimitedError,
    ServerError,
    TransportError,
)
from reconciler.engine.apply import full_snapshot_resources
from reconciler.engine.outcome import Outcome, ProgressHook
from reconciler.engine.plan import Action, Plan
from reconciler.engine.records import Records
from reconciler.engine.recovery import restore_snapshot
from reconciler.errors import GuardReadError
from reconciler.kinds import Backend, MetricRow, ResourceAddress
from reconciler.state.audit import AuditLog
from reconciler.state.journal import Journal
from reconciler.state.snapshots import SnapshotStore

MonotonicClock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
GuardResult = Literal["held", "breached", "unreadable", "interrupted", "nothing-to-watch"]
TRANSIENT = (TransportError, DeadlineExceeded, RateLimitedError, ServerError)


@dataclass(frozen=True)
class GuardSettings:
    """How the guard reads: retries per read, and an optional watch override (CI, demo)."""

    read_attempts: int = 3
    retry_delay_seconds: float = 5.0
    watch_seconds_override: float | None = None
    restore_deadline_seconds: float = 300.0


@dataclass(frozen=True)
class WatchTarget:
    """One campaign to watch and the bounds its metrics must keep."""

    campaign: str
    campaign_id: str
    bounds: Mapping[MetricName, MetricBound]
    watch_seconds: float
    interval_seconds: float
    noun: str = "campaign"  # what it is called in messages ("skill" for an outbound skill)

    def read_times(self) -> list[float]:
        """Seconds after activation at which to read: every interval, and at the end."""
        times, k = [], 1
        while k * self.interval_seconds <= self.watch_seconds + 1e-9:
            times.append(k * self.interval_seconds)
            k += 1
        if not times or times[-1] < self.watch_seconds - 1e-9:
            times.append(self.watch_seconds)
        return times


@dataclass(frozen=True)
class Breach:
    """A metric outside its bound: what, where, how much, and the bound."""

    campaign: str
    metric: str
    value: float
    bound: float
    side: Literal["max", "min"]
    interval_start: str
    interval_end: str
    noun: str = "campaign"

    def describe(self) -> str:
        """`abandonmentRate 0.051 on campaign X is above its max 0.03 (interval ...)`."""
        where = "above its max" if self.side == "max" else "below its min"
        return (
            f"{self.metric} {self.value:g} on {self.noun} {self.campaign} is {where} "
            f"{self.bound:g} (interval {self.interval_start} - {self.interval_end})"
        )


@dataclass(frozen=True)
class WatchResult:
    """How the watch ended."""

    result: Literal["held", "breached", "unreadable", "interrupted"]
    readings: int
    breach: Breach | None = None
    error: str | None = None


@dataclass(frozen=True)
class GuardOutcome:
    """The guard's verdict, and the restore it ran on a breach."""

    result: GuardResult
    campaigns: tuple[str, ...] = ()
    watch: WatchResult | None = None
    restore: Outcome | None = None
    last_known_good: str | None = None
    unrecorded: tuple[str, ...] = ()  # local records that could not be written

    @property
    def restored(self) -> bool:
        return self.restore is not None and self.restore.result == "restored"


def watch_targets(
    plan: Plan,
    desired: DesiredState,
    ids: Mapping[str, str],
    *,
    watch_seconds_override: float | None = None,
) -> list[WatchTarget]:
    """Every created or updated campaign of `plan` with an effective verify block."""
    out = []
    for change in plan.changes:
        if not registry.kind(change.kind).predicted or change.action is Action.DELETE:
            continue
        try:
            block = desired.verify_for(change.name)
        except KeyError:
            continue
        if block is None or not block.metrics or change.name not in ids:
            continue
        watch = block.watch_seconds if watch_seconds_override is None else watch_seconds_override
        out.append(
            WatchTarget(
                change.name,
                ids[change.name],
                dict(block.metrics),
                watch,
                min(block.interval_seconds, watch),
                registry.kind(change.kind).word,
            )
        )
    return out


def check_row(target: WatchTarget, row: MetricRow) -> Breach | None:
    """The first bound `row` breaks, in metric-name order, or None."""
    for metric in sorted(target.bounds):
        bound, value = target.bounds[metric], row.values.get(metric)
        if value is None:
            continue
        if bound.max is not None and value > bound.max:
            side: Literal["max", "min"] = "max"
            limit = bound.max
        elif bound.min is not None and value < bound.min:
            side, limit = "min", bound.min
        else:
            continue
        return Breach(
            target.campaign,
            metric,
            value,
            limit,
            side,
            row.interval_start,
            row.interval_end,
            target.noun,
        )
    return None


async def read_latest(
    backend: Backend[Any], target: WatchTarget, settings: GuardSettings, sleep: Sleep
) -> MetricRow | None:
    """The most recent interval of the target's metrics; retries transient errors."""
    metrics = sorted(target.bounds)
    for attempt in range(1, settings.read_attempts + 1):
        try:
            rows = await backend.read_metrics(target.campaign_id, metrics)
        except TRANSIENT as exc:
            if attempt == settings.read_attempts:
                raise GuardReadError(
                    f"{target.campaign}: {exc.message} (after {attempt} attempts)"
                ) from exc
            await sleep(settings.retry_delay_seconds)
            continue
        except ApiError as exc:
            raise GuardReadError(f"{target.campaign}: {exc.message}") from exc
        return max(rows, key=lambda r: r.interval_start) if rows else None
    raise AssertionError("unreachable: read_attempts >= 1")


async def watch(
    backend: Backend[Any],
    targets: list[WatchTarget],
    *,
    settings: GuardSettings,
    clock: MonotonicClock,
    sleep: Sleep,
    progress: ProgressHook,
) -> WatchResult:
    """Read every target on its schedule until a breach, an unreadable metric, or the end."""
    schedule = sorted(
        ((t, i) for i, target in enumerate(targets) for t in target.read_times()),
        key=lambda pair: pair[0],
    )
    seen: dict[str, set[str]] = {target.campaign: set() for target in targets}
    start, readings = clock(), 0
    try:
        for at, index in schedule:
            delay = start + at - clock()
            if delay > 0:
                await sleep(delay)
            target = targets[index]
            try:
                row = await read_latest(backend, target, settings, sleep)
            except GuardReadError as exc:
                return WatchResult("unreadable", readings, error=str(exc))
            if row is None:
                continue
            readings += 1
            seen[target.campaign].update(m for m in target.bounds if m in row.values)
            breach = check_row(target, row)
            if breach is not None:
                return WatchResult("breached", readings, breach)
            progress(
                f"guard: {target.campaign} within bounds at +{at:g} s ({_values(target, row)})"
            )
    except asyncio.CancelledError:
        # Ctrl-C or SIGTERM (the caller cancels): the watch ends; the caller says so.
        return WatchResult("interrupted", readings)
    missing = [
        f"{t.campaign}.{m}" for t in targets for m in sorted(t.bounds) if m not in seen[t.campaign]
    ]
    if missing:
        return WatchResult(
            "unreadable", readings, error=f"no value was ever reported for {', '.join(missing)}"
        )
    return WatchResult("held", readings)


def _values(target: WatchTarget, row: MetricRow) -> str:
    return ", ".join(f"{m} {row.values[m]:g}" for m in sorted(target.bounds) if m in row.values)


async def watched_ids(backend: Backend[Any]) -> dict[str, str]:
    """Live name -> id of every resource of a watched kind (created ones included)."""
    live = await backend.observe()
    return {
        r.name: r.id
        for r in live.resources.values()
        if registry.kind(r.kind).predicted and r.id is not None
    }


async def guard_apply(
    backend: Backend[Any],
    *,
    plan: Plan,
    desired: DesiredState,
    pre_apply_snapshot_id: str,
    snapshots: SnapshotStore,
    journal_factory: Callable[[str], Journal],
    audit: AuditLog,
    secrets: Mapping[str, SecretStr],
    secret_envs: Mapping[ResourceAddress, str],
    settings: GuardSettings = GuardSettings(),
    clock: MonotonicClock | None = None,
    sleep: Sleep = asyncio.sleep,
    actor: str = "unknown",
    progress: ProgressHook | None = None,
    interruptible: Callable[[], AbstractContextManager[object]] | None = None,
) -> GuardOutcome:
    """Watch after a verified apply; on a breach restore the pre-apply snapshot, verified.

    `interruptible` is entered around the watch: the CLI turns Ctrl-C and SIGTERM into a
    cancellation there, which ends the watch as "interrupted" (recorded in the audit log;
    the verified changes stay live)."""
    say = progress or (lambda _msg: None)
    now = clock or asyncio.get_running_loop().time
    records = Records(audit)  # the apply is done: a full disk must not hide the verdict
    try:
        ids = await watched_ids(backend)
    except ApiError as exc:
        error = f"could not list campaigns: {exc.message}"
        records.audit_entry("guard-unreadable", snapshot_id=pre_apply_snapshot_id, error=error)
        return GuardOutcome(
            "unreadable",
            watch=WatchResult("unreadable", 0, error=error),
            unrecorded=tuple(records.unrecorded),
        )
    targets = watch_targets(
        plan, desired, ids, watch_seconds_override=settings.watch_seconds_override
    )
    names = tuple(t.campaign for t in targets)
    if not targets:
        return GuardOutcome("nothing-to-watch")
    longest = max(t.watch_seconds for t in targets)
    records.audit_entry(
        "guard-started",
        actor=actor,
        snapshot_id=pre_apply_snapshot_id,
        campaigns=list(names),
        watch_seconds=longest,
    )
    with interruptible() if interruptible is not None else contextlib.nullcontext():
        say(f"guard: watching {', '.join(names)} for {longest:g} s")
        result = await watch(
            backend, targets, settings=settings, clock=now, sleep=sleep, progress=say
        )
    if result.result == "interrupted":
        records.audit_entry(
            "guard-interrupted",
            snapshot_id=pre_apply_snapshot_id,
            readings=result.readings,
            changes="live and verified; not restored",
        )
        return GuardOutcome("interrupted", names, result, unrecorded=tuple(records.unrecorded))
    if result.result == "held":
        records.audit_entry("guard-finished", result="held", readings=result.readings)
        return GuardOutcome("held", names, result, unrecorded=tuple(records.unrecorded))
    if result.result == "unreadable":
        records.audit_entry(
            "guard-unreadable",
            snapshot_id=pre_apply_snapshot_id,
            readings=result.readings,
            error=result.error,
        )
        return GuardOutcome("unreadable", names, result, unrecorded=tuple(records.unrecorded))
    breach = result.breach
    assert breach is not None
    records.audit_entry(
        "guard-breach",
        actor=actor,
        campaign=breach.campaign,
        metric=breach.metric,
        value=breach.value,
        bound=breach.bound,
        side=breach.side,
        interval_start=breach.interval_start,
        snapshot_id=pre_apply_snapshot_id,
    )
    say(f"guard: BREACH: {breach.describe()}; restoring snapshot {pre_apply_snapshot_id}")
    restored = await restore_snapshot(
        backend,
        snapshots.load(pre_apply_snapshot_id),
        snapshots=snapshots,
        journal_factory=journal_factory,
        audit=audit,
        secrets=secrets,
        secret_envs=secret_envs,
        deadline=settings.restore_deadline_seconds,
        event="guard-restore",
        actor=actor,
        progress=say,
    )
    lkg: list[str] = []
    if restored.result == "restored":
        # The applied state just proved bad: last-known-good becomes the restored tenant.
        after = await backend.observe()

        def save_last_known_good() -> None:
            snap = snapshots.save(
                plan.environment,
                "guard-restored",
                full_snapshot_resources(after),
                plan_digest=plan.digest,
                git_commit=plan.git_commit,
            )
            snapshots.mark_last_known_good(snap.id)
            lkg.append(snap.id)

        records.keep("the last-known-good snapshot", save_last_known_good)
    return GuardOutcome(
        "breached",
        names,
        result,
        restored,
        lkg[0] if lkg else None,
        tuple(records.unrecorded) + restored.unrecorded,
    )


def guard_report(outcome: GuardOutcome, *, pre_apply_snapshot_id: str) -> str:
    """What the guard saw and did, for the end of `apply`'s output."""
    w = outcome.watch
    if outcome.result == "nothing-to-watch":
        return (
            "Guard: no created or updated campaign or skill has a verify block; nothing to watch.\n"
        )
    if outcome.result == "held" and w is not None:
        return (
            f"Guard: {', '.join(outcome.campaigns)} held every bound for the whole watch "
            f"({w.readings} reading(s)).\n"
        )
    if outcome.result == "interrupted":
        return (
            f"Guard interrupted after {w.readings if w is not None else 0} reading(s): the "
            "apply is complete and VERIFIED, its changes are live; the watch stopped early "
            "and nothing was restored.\n"
            f"  Watch them with `reconciler metrics`; undo with "
            f"`reconciler rollback --to {pre_apply_snapshot_id}`.\n"
        )
    if outcome.result == "unreadable":
        return (
            "Guard could not read metrics: "
            f"{w.error if w is not None else 'unknown error'}.\n"
            "  The applied changes are STILL LIVE and were NOT verified by the guard "
            "(not restored: an analytics outage is no evidence the changes are bad).\n"
            f"  Check them with `reconciler metrics`; undo with "
            f"`reconciler rollback --to {pre_apply_snapshot_id}`.\n"
        )
    breach = w.breach if w is not None else None
    lines = [f"Guard BREACH: {breach.describe() if breach else 'unknown'}."]
    r = outcome.restore
    if r is not None:
        for item in r.restored:
            state = "restored" if item.ok else "NEEDS ATTENTION"
            lines.append(f"  {state:<15} {item.address} ({item.action}){_reason(item.reason)}")
    if outcome.restored:
        lines.append(
            f"  Every resource this apply touched is back to snapshot {pre_apply_snapshot_id}"
            f" (verified); last-known-good: {outcome.last_known_good}."
        )
    else:
        lines.append(
            f"  The restore did NOT complete: run `reconciler rollback --to "
            f"{pre_apply_snapshot_id}` once the cause is fixed."
        )
    return "\n".join(lines) + "\n"


def _reason(reason: str | None) -> str:
    return f": {reason}" if reason else ""
