"""`reconciler rollback`: show what restoring a snapshot changes, confirm, restore it, verified.

By default it restores the last-known-good snapshot, limited to what the repo manages and
what the reverted apply touched; `--whole-tenant` restores everything the snapshot holds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from reconciler.cli.apply import EXIT_UNRECORDED, finish
from reconciler.cli.context import (
    TOOL_VERSION,
    Context,
    add_spec_dir,
    add_write_options,
    load_context,
    now_iso,
)
from reconciler.cli.plan import render
from reconciler.cli.progress import apply_progress
from reconciler.engine.pipeline import ApplyHooks, RollbackReport, RollbackRequest, run_rollback
from reconciler.engine.plan import Plan
from reconciler.state.lock import StateLock

HELP = "restore the last-known-good snapshot (or --to SNAPSHOT_ID), verified"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "rollback",
        help=HELP,
        description=HELP + ". Shows what it will change first. Exit 0 restored (or nothing "
        "to restore); 1 failed or refused; 3 the restore failed and the tenant needs a person.",
    )
    add_spec_dir(p)
    p.add_argument(
        "--to",
        metavar="SNAPSHOT_ID",
        help="the snapshot to restore (default: the last-known-good; see `reconciler snapshots`)",
    )
    p.add_argument(
        "--whole-tenant",
        action="store_true",
        help="restore every resource the snapshot holds, also those the repo does not manage "
        "(default: only managed resources and what the reverted apply touched)",
    )
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="how to show what the rollback will change (as `plan` shows a plan)",
    )
    add_write_options(p, activation="restore activation")
    p.set_defaults(func=run)


async def _rollback(ctx: Context, args: argparse.Namespace) -> RollbackReport:
    ws = ctx.workspace(deadline=args.operation_timeout, auto_approve=args.auto_approve)

    def show(preview: Plan) -> None:
        sys.stdout.write(render(preview, args.format, ctx))

    hooks = ApplyHooks(
        show_plan=show,
        progress=lambda: apply_progress(sys.stderr, interactive=sys.stderr.isatty()),
    )
    request = RollbackRequest(
        ctx.desired,
        snapshot_id=args.to,
        whole_tenant=args.whole_tenant,
        created_at=now_iso(),
        tool_version=TOOL_VERSION,
    )
    async with ctx.backend() as backend:
        return await run_rollback(backend, ws, request, hooks)


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "rollback")
    with StateLock(ctx.state_dir(), command="rollback"):
        report = asyncio.run(_rollback(ctx, args))
    outcome = report.outcome
    if outcome is None:
        print(
            f"Nothing to roll back: every resource in scope already holds its content in "
            f"snapshot {report.snapshot.id}.",
            file=sys.stderr,
        )
        return 0
    if outcome.result != "restored":
        return finish(outcome, ctx.environment)
    out = sys.stderr if args.format != "text" else sys.stdout
    for r in outcome.restored:
        print(f"  restored {r.address} ({r.action})", file=out)
    for n in outcome.notes:
        print(f"  note: {n}", file=out)
    print(
        f"Rollback complete: the {len(outcome.restored)} resource(s) shown hold their content "
        f"in snapshot {outcome.snapshot_id} (verified).",
        file=out,
    )
    for what in outcome.unrecorded:
        print(f"  not recorded (the state directory refused it): {what}", file=sys.stderr)
    return EXIT_UNRECORDED if outcome.unrecorded else 0
