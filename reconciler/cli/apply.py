"""`reconciler apply`: validate, plan (or load a reviewed plan), policy-check, apply, verify.

Exit 0 applied (or nothing to do); 1 failed and restored, refused, or nothing written;
3 failed and the restore failed: the live tenant needs a person.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from reconciler.cli.arguments import WATCH_SECONDS
from reconciler.cli.context import (
    TOOL_VERSION,
    Context,
    add_spec_dir,
    add_write_options,
    colour_enabled,
    journal_factory,
    load_context,
    now_iso,
)
from reconciler.cli.plan import add_no_predict
from reconciler.cli.progress import apply_progress
from reconciler.cli.recover import recover_if_interrupted
from reconciler.engine.apply import ApplyOptions, ApplyRun, Outcome
from reconciler.engine.desired import normalizer_for, plan_desired_state, secret_envs
from reconciler.engine.guard import GuardOutcome, GuardSettings, guard_apply, guard_report
from reconciler.engine.observe import LiveState, observe
from reconciler.engine.plan import Plan, load_plan
from reconciler.engine.policy import check_plan_policy, rejection
from reconciler.engine.predict import make_predictor
from reconciler.errors import ApplyFailed, ConfigError, PlanError, ReconcilerError, RestoreFailed
from reconciler.render.outcome import render_outcome_text
from reconciler.render.text import render_plan_text
from reconciler.state.layout import StateDir
from reconciler.state.lock import StateLock
from reconciler.state.snapshots import SnapshotStore

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


def check_fresh(saved: Plan, ctx: Context, live: LiveState) -> None:
    """Refuse a saved plan whose spec or live versionTags moved since it was made."""
    if saved.environment != ctx.environment:
        raise PlanError(f"the plan is for {saved.environment!r}, not {ctx.environment!r}")
    if saved.spec_digest != ctx.desired.digest:
        raise PlanError(
            "the plan is stale: the specs changed since it was made "
            f"({saved.spec_digest} != {ctx.desired.digest})",
            hint="run `reconciler plan --out` again and review the new plan",
        )
    now = live.version_tags()
    moved = [
        f"{kind}.{name}: {tag} -> {now.get(kind, {}).get(name, '(gone)')}"
        for kind, tags in saved.observed.items()
        for name, tag in tags.items()
        if now.get(kind, {}).get(name) != tag
    ] + [
        f"{kind}.{name}: (new) -> {tag}"
        for kind, tags in now.items()
        for name, tag in tags.items()
        if name not in saved.observed.get(kind, {})
    ]
    if moved:
        raise PlanError(
            "the plan is stale: the live tenant changed since it was made:\n  "
            + "\n  ".join(moved[:20])
            + (f"\n  ... and {len(moved) - 20} more" if len(moved) > 20 else ""),
            hint="run `reconciler plan --out` again and review the new plan",
        )


def confirm(question: str, verb: str, auto_approve: bool) -> None:
    """Ask on a terminal; refuse without --auto-approve when nobody can answer."""
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ConfigError(
            f"refusing to {verb} without confirmation in a non-interactive session",
            hint="review what it will do, then run again with --auto-approve",
        )
    if input(f"{question} Only 'yes' will be accepted: ").strip() != "yes":
        raise ApplyFailed(f"{verb} cancelled; nothing was written")


def progress_printer(stream: Any) -> Any:
    def say(message: str) -> None:
        print(message, file=stream, flush=True)

    return say


async def _apply(
    ctx: Context, args: argparse.Namespace, state: StateDir
) -> tuple[Outcome | None, GuardOutcome | None]:
    say = progress_printer(sys.stderr)
    async with ctx.client() as api:
        await recover_if_interrupted(
            ctx,
            api,
            state,
            say,
            deadline=args.operation_timeout,
            approve=lambda why: confirm(f"{why} Restore it now?", "apply", args.auto_approve),
        )
        if args.plan:
            saved = load_plan(Path(args.plan))
            live = await observe(api)
            check_fresh(saved, ctx, live)
            plan = saved
        else:
            plan, live = await plan_desired_state(
                api,
                ctx.desired,
                prune=ctx.prune,
                resend_secrets=args.resend_secrets,
                git_commit=ctx.git_commit,
                created_at=now_iso(),
                tool_version=TOOL_VERSION,
                predictor=None if args.no_predict else make_predictor(ctx.desired),
            )
        sys.stdout.write(render_plan_text(plan, colour=colour_enabled(sys.stdout, ctx.env)))
        if not plan.has_changes:
            return None, None
        confirm(
            f'Apply {len(plan.changes)} change(s) to "{plan.environment}"?',
            "apply",
            args.auto_approve,
        )
        report = await check_plan_policy(api, plan, ctx.carrier)
        for address, w in report.warnings:
            say(f"policy warning: {address}: {w.check}: {w.message}")
        if not report.passed:
            raise rejection(report)
        say(f"policy check passed for {report.checked} body(ies)")
        with apply_progress(sys.stderr, interactive=sys.stderr.isatty()) as (say_live, on_step):
            outcome = await ApplyRun(
                api,
                plan=plan,
                live=live,
                snapshots=SnapshotStore(state),
                journal_factory=journal_factory(state, "apply", plan.digest),
                audit=ctx.audit(),
                secrets=ctx.webhook_secrets(),
                normalizer=normalizer_for(ctx.desired),
                options=ApplyOptions(operation_deadline_seconds=args.operation_timeout),
                actor=ctx.actor,
                progress=say_live,
                on_step=on_step,
            ).run()
        if outcome.result != "applied":
            return outcome, None
        if args.no_verify:
            say("guard: skipped (--no-verify): the verify: blocks were NOT watched")
            return outcome, None
        guard = await guard_apply(
            api,
            plan=plan,
            desired=ctx.desired,
            pre_apply_snapshot_id=outcome.snapshot_id,
            snapshots=SnapshotStore(state),
            journal_factory=journal_factory(state, "guard", plan.digest),
            audit=ctx.audit(),
            secrets=ctx.webhook_secrets(),
            secret_envs=secret_envs(ctx.desired),
            settings=GuardSettings(
                watch_seconds_override=args.verify_watch_seconds,
                restore_deadline_seconds=args.operation_timeout,
            ),
            actor=ctx.actor,
            progress=say,
        )
        return outcome, guard


def finish(outcome: Outcome, environment: str) -> int:
    """Print the summary; map the result to the exit code."""
    text = render_outcome_text(outcome, environment=environment)
    if outcome.result == "applied":
        sys.stdout.write(text)
        return 0
    sys.stderr.write(text)
    if outcome.result == "restored":
        raise ApplyFailed(f"apply failed and was rolled back (snapshot {outcome.snapshot_id})")
    raise RestoreFailed(
        f"apply failed and the restore failed: {len(outcome.needs_attention)} resource(s) "
        f"need a person (snapshot {outcome.snapshot_id})"
    )


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "apply")
    state = ctx.state_dir()
    with StateLock(state, command="apply") as lock:
        if lock.stale_holder is not None:
            print(
                f"note: a previous run (pid {lock.stale_holder.pid}) died holding the state "
                "lock; the lock was stale and has been taken over",
                file=sys.stderr,
            )
        outcome, guard = asyncio.run(_apply(ctx, args, state))
    if outcome is None:
        return 0
    code = finish(outcome, ctx.environment)
    return code if guard is None else finish_guard(guard, outcome.snapshot_id)


def finish_guard(guard: GuardOutcome, snapshot_id: str) -> int:
    """Print the guard's report; a breach or an unreadable watch is never a success."""
    text = guard_report(guard, pre_apply_snapshot_id=snapshot_id)
    if guard.result in ("held", "nothing-to-watch"):
        sys.stdout.write(text)
        return 0
    sys.stderr.write(text)
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
