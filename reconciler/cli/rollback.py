"""`reconciler rollback`: restore the last-known-good (or a named) snapshot, verified."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from reconciler.cli.apply import confirm, finish, progress_printer
from reconciler.cli.context import Context, add_spec_dir, journal_factory, load_context
from reconciler.cli.recover import recover_if_interrupted
from reconciler.engine.apply import Outcome
from reconciler.engine.desired import secret_envs
from reconciler.engine.recovery import restore_snapshot
from reconciler.errors import StateError
from reconciler.state.layout import StateDir
from reconciler.state.lock import StateLock
from reconciler.state.snapshots import SnapshotStore

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
    p.add_argument(
        "--auto-approve",
        action="store_true",
        help="do not ask for confirmation (required when not interactive)",
    )
    p.add_argument(
        "--operation-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="deadline for each restore activation to complete (default 300)",
    )
    p.set_defaults(func=run)


async def _rollback(ctx: Context, args: argparse.Namespace, state: StateDir) -> Outcome:
    say = progress_printer(sys.stderr)
    store = SnapshotStore(state)
    async with ctx.client() as api:
        await recover_if_interrupted(
            ctx,
            api,
            state,
            say,
            deadline=args.operation_timeout,
            approve=lambda why: confirm(f"{why} Restore it now?", "roll back", args.auto_approve),
        )
        snapshot = store.load(args.to) if args.to else store.last_known_good()
        if snapshot is None:
            raise StateError(
                "there is no last-known-good snapshot yet",
                hint="name one with --to (see `reconciler snapshots`)",
            )
        say(
            f'rolling back "{ctx.environment}" to snapshot {snapshot.id} '
            f"({snapshot.reason}, {snapshot.created_at}, {len(snapshot.resources)} resource(s))"
        )
        confirm(f'Roll "{ctx.environment}" back to {snapshot.id}?', "roll back", args.auto_approve)
        return await restore_snapshot(
            api,
            snapshot,
            snapshots=store,
            journal_factory=journal_factory(state, "rollback"),
            audit=ctx.audit(),
            secrets=ctx.webhook_secrets(),
            secret_envs=secret_envs(ctx.desired),
            deadline=args.operation_timeout,
            event="rollback",
            actor=ctx.actor,
            progress=say,
        )


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "rollback")
    state = ctx.state_dir()
    with StateLock(state, command="rollback"):
        outcome = asyncio.run(_rollback(ctx, args, state))
    if outcome.result == "restored":
        for r in outcome.restored:
            print(f"  restored {r.address} ({r.action})")
        for n in outcome.notes:
            print(f"  note: {n}")
        print(f"Rollback complete: the tenant matches snapshot {outcome.snapshot_id}.")
        return 0
    return finish(outcome, ctx.environment)
