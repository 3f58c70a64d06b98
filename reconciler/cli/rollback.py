"""`reconciler rollback`: restore the last-known-good (or a named) snapshot, verified."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from reconciler.cli.apply import finish
from reconciler.cli.context import Context, add_spec_dir, add_write_options, load_context
from reconciler.engine.pipeline import RollbackReport, run_rollback
from reconciler.state.lock import StateLock

HELP = "restore the last-known-good snapshot (or --to SNAPSHOT_ID), verified"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "rollback",
        help=HELP,
        description=HELP + ". Exit 0 restored; 1 failed or refused; "
        "3 the restore failed and the tenant needs a person.",
    )
    add_spec_dir(p)
    p.add_argument(
        "--to",
        metavar="SNAPSHOT_ID",
        help="the snapshot to restore (default: the last-known-good; see `reconciler snapshots`)",
    )
    add_write_options(p, activation="restore activation")
    p.set_defaults(func=run)


async def _rollback(ctx: Context, args: argparse.Namespace) -> RollbackReport:
    ws = ctx.workspace(deadline=args.operation_timeout, auto_approve=args.auto_approve)
    async with ctx.backend() as backend:
        return await run_rollback(backend, ws, args.to)


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "rollback")
    with StateLock(ctx.state_dir(), command="rollback"):
        report = asyncio.run(_rollback(ctx, args))
    outcome = report.outcome
    if outcome.result != "restored":
        return finish(outcome, ctx.environment)
    for r in outcome.restored:
        print(f"  restored {r.address} ({r.action})")
    for n in outcome.notes:
        print(f"  note: {n}")
    print(
        f"Rollback complete: every resource recorded in snapshot {outcome.snapshot_id} "
        "holds its recorded content (verified)."
    )
    if report.left_alone:
        print(
            f"Left alone, not in the snapshot: {', '.join(map(str, report.left_alone))} "
            "(remove them from the tenant, or run apply with `prune: true`, if they should "
            "not exist)."
        )
    return 0
