"""`reconciler apply`: validate, plan (or load a reviewed plan), policy-check, apply, verify.

Exit 0 applied (or nothing to do); 1 failed and restored, refused, or nothing written;
3 failed and the restore failed: the live tenant needs a person.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reconciler.cli.arguments import WATCH_SECONDS
from reconciler.cli.context import (
    TOOL_VERSION,
    Context,
    add_spec_dir,
    add_write_options,
    colour_enabled,
    load_context,
    now_iso,
)
from reconciler.cli.plan import add_no_predict, add_target, checked_targets
from reconciler.cli.progress import apply_progress
from reconciler.engine.guard import GuardOutcome, guard_report
from reconciler.engine.guardrails import Overrides
from reconciler.engine.outcome import Outcome
from reconciler.engine.pipeline import ApplyHooks, ApplyReport, ApplyRequest, run_apply
from reconciler.engine.plan import Plan, load_plan
from reconciler.engine.predict import make_predictor
from reconciler.engine.staleness import StalePlanExplained
from reconciler.errors import ApplyFailed, ConfigError, ReconcilerError, RestoreFailed
from reconciler.render.outcome import render_outcome_text
from reconciler.render.staleness import render_staleness_text
from reconciler.render.text import render_plan_text
from reconciler.state.lock import StateLock

HELP = "apply the specs: validate, snapshot, write, verify; restore the snapshot on failure"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "apply",
        help=HELP,
        description=HELP + ". Exit 0 applied; 1 failed and restored "
        "(or nothing written); 3 failed and the restore failed.",
    )
    add_spec_dir(p)
    p.add_argument("--plan", metavar="PLAN", help="apply this saved plan; refused when stale")
    add_write_options(p, activation="activation")
    p.add_argument(
        "--resend-secrets",
        action="store_true",
        help="re-send write-only webhook tokens even when nothing else changed",
    )
    add_no_predict(p)
    add_target(p)
    p.add_argument(
        "--allow-large-change",
        action="store_true",
        help="apply even when the plan updates or deletes more than max_change_share of the "
        "managed resources, or deletes one protected at the last successful apply (audited)",
    )
    p.add_argument(
        "--override-window",
        metavar="REASON",
        help="apply changes outside their change windows; REASON is recorded in the audit log",
    )
    p.add_argument(
        "--no-verify",
        action="store_true",
        help="skip the post-apply guard (the specs' verify: blocks); the apply says so",
    )
    p.add_argument(
        "--verify-watch-seconds",
        type=WATCH_SECONDS,
        metavar="SECONDS",
        help="watch every guarded campaign this long instead of its watch_seconds "
        "(the interval shrinks to fit); for CI and demos",
    )
    p.set_defaults(func=run)


def _reason(text: str | None) -> str | None:
    """The `--override-window` reason, stripped; ConfigError when it is empty."""
    if text is not None and not text.strip():
        raise ConfigError(
            'argument --override-window: give a reason, e.g. "incident 4711: hotfix"; it is '
            "recorded in the audit log"
        )
    return text.strip() if text is not None else None


def _request(ctx: Context, args: argparse.Namespace) -> ApplyRequest:
    if args.plan and args.targets:
        raise ConfigError(
            "--target cannot be combined with --plan: a saved plan holds its own targets",
            hint="make the targeted plan with `reconciler plan --target ... --out PLAN`",
        )
    return ApplyRequest(
        desired=ctx.desired,
        saved_plan=load_plan(Path(args.plan)) if args.plan else None,
        resend_secrets=args.resend_secrets,
        predictor=None if args.no_predict else make_predictor(ctx.desired),
        guard=not args.no_verify,
        watch_seconds_override=args.verify_watch_seconds,
        carrier=ctx.carrier,
        git_commit=ctx.git_commit,
        created_at=now_iso(),
        tool_version=TOOL_VERSION,
        targets=checked_targets(args.targets),
        overrides=Overrides(args.allow_large_change, _reason(args.override_window)),
    )


# Exit codes when a signal ends the guard's watch (128 + the signal, as shells report).
INTERRUPTED_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupts:
    """Turns Ctrl-C and SIGTERM into a cancellation of the running task, while entered."""

    def __init__(self) -> None:
        self.received: list[signal.Signals] = []

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        assert task is not None

        def on(sig: signal.Signals) -> None:
            self.received.append(sig)
            task.cancel()

        for sig in INTERRUPTED_EXIT:
            loop.add_signal_handler(sig, on, sig)
        try:
            yield
        finally:
            for sig in INTERRUPTED_EXIT:
                loop.remove_signal_handler(sig)


async def _apply(ctx: Context, args: argparse.Namespace, interrupts: Interrupts) -> ApplyReport:
    ws = ctx.workspace(deadline=args.operation_timeout, auto_approve=args.auto_approve)

    def show_plan(plan: Plan) -> None:
        sys.stdout.write(render_plan_text(plan, colour=colour_enabled(sys.stdout, ctx.env)))

    hooks = ApplyHooks(
        show_plan=show_plan,
        progress=lambda: apply_progress(sys.stderr, interactive=sys.stderr.isatty()),
        interruptible=interrupts,
    )
    async with ctx.backend() as backend:
        return await run_apply(backend, ws, _request(ctx, args), hooks)


# Done and verified on the tenant, but the local records (snapshot, journal, audit log)
# are incomplete: not a plain success, and not a failure to restore.
EXIT_UNRECORDED = 4


def finish(outcome: Outcome, environment: str) -> int:
    """Print the summary of an apply (or of a failed rollback); map it to the exit code."""
    text = render_outcome_text(outcome, environment=environment)
    if outcome.result == "applied":
        (sys.stderr if outcome.unrecorded else sys.stdout).write(text)
        return EXIT_UNRECORDED if outcome.unrecorded else 0
    sys.stderr.write(text)
    if outcome.operation == "apply" and outcome.result == "restored":
        raise ApplyFailed(f"apply failed and was rolled back (snapshot {outcome.snapshot_id})")
    failed = (
        "apply failed and the restore failed"
        if outcome.operation == "apply"
        else (f"{outcome.operation} failed")
    )
    raise RestoreFailed(
        f"{failed}: {len(outcome.needs_attention)} resource(s) need a person "
        f"(snapshot {outcome.snapshot_id})"
    )


def run(args: argparse.Namespace) -> int:
    checked_targets(args.targets), _reason(args.override_window)  # before anything is read
    ctx = load_context(args.spec_dir, "apply")
    with StateLock(ctx.state_dir(), command="apply") as lock:
        if lock.stale_holder is not None:
            print(
                f"note: a previous run (pid {lock.stale_holder.pid}) died holding the state "
                "lock; the lock was stale and has been taken over",
                file=sys.stderr,
            )
        interrupts = Interrupts()
        try:
            report = asyncio.run(_apply(ctx, args, interrupts))
        except StalePlanExplained as exc:  # what moved, then the error line
            sys.stderr.write(render_staleness_text(exc.staleness))
            raise
    if report.outcome is None:
        return 0
    code = finish(report.outcome, ctx.environment)
    if report.guard is None:
        return code
    guard_code = finish_guard(report.guard, report.outcome.snapshot_id, interrupts.received)
    return guard_code or code


def finish_guard(guard: GuardOutcome, snapshot_id: str, signals: list[signal.Signals]) -> int:
    """Print the guard's report; a breach or an unreadable watch is never a success."""
    text = guard_report(guard, pre_apply_snapshot_id=snapshot_id)
    if guard.result in ("held", "nothing-to-watch"):
        sys.stdout.write(text)
        for what in guard.unrecorded:
            print(f"  not recorded: {what}", file=sys.stderr)
        return EXIT_UNRECORDED if guard.unrecorded else 0
    sys.stderr.write(text)
    if guard.result == "interrupted":
        return INTERRUPTED_EXIT[signals[0]] if signals else INTERRUPTED_EXIT[signal.SIGINT]
    if guard.result == "unreadable":
        raise ReconcilerError(
            "guard could not read metrics: the applied changes are still live, unverified",
            hint=f"check `reconciler metrics`; undo with `reconciler rollback --to {snapshot_id}`",
        )
    if guard.restored:
        raise ApplyFailed(f"the guard saw a breach and rolled the apply back ({snapshot_id})")
    raise RestoreFailed(
        f"the guard saw a breach and the restore failed (snapshot {snapshot_id}): "
        "the live tenant needs a person"
    )
