"""`reconciler rollback`: restore the last-known-good (or a named) snapshot, verified."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from reconciler.cli.apply import confirm, finish, progress_printer
from reconciler.cli.context import (
    Context,
    add_spec_dir,
    add_write_options,
    journal_factory,
    load_context,
)
from reconciler.cli.recover import recover_if_interrupted
from reconciler.dialer_v1.api import DialerApi
from reconciler.engine.apply import Outcome
from reconciler.engine.desired import secret_envs
from reconciler.engine.observe import observe
from reconciler.engine.recovery import restore_snapshot
from reconciler.errors import StateError
from reconciler.state.layout import StateDir
from reconciler.state.lock import StateLock
from reconciler.state.snapshots import Snapshot, SnapshotStore

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


# Snapshots of the whole tenant (taken after a verified apply or a guard restore); the
# others hold only what one apply touched.
WHOLE_TENANT_REASONS = ("applied", "guard-restored")


async def _not_in_snapshot(api: DialerApi, snapshot: Snapshot) -> list[str]:
    """Live campaigns and webhooks a whole-tenant snapshot does not hold (created since)."""
    if snapshot.reason not in WHOLE_TENANT_REASONS:
        return []
    live = await observe(api)
    held = {(r.kind, r.name) for r in snapshot.resources}
    return [f"Campaign.{n}" for n in sorted(live.campaigns) if ("Campaign", n) not in held] + [
        f"Webhook.{n}" for n in sorted(live.webhooks) if ("Webhook", n) not in held
    ]


async def _rollback(
    ctx: Context, args: argparse.Namespace, state: StateDir
) -> tuple[Outcome, list[str]]:
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
        extras = await _not_in_snapshot(api, snapshot)
        if extras:
            say(
                f"note: {len(extras)} live resource(s) were created after this snapshot and are "
                f"left alone (a rollback never deletes what it did not record): {', '.join(extras)}"
            )
        confirm(f'Roll "{ctx.environment}" back to {snapshot.id}?', "roll back", args.auto_approve)
        outcome = await restore_snapshot(
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
        return outcome, extras


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "rollback")
    state = ctx.state_dir()
    with StateLock(state, command="rollback"):
        outcome, extras = asyncio.run(_rollback(ctx, args, state))
    if outcome.result == "restored":
        for r in outcome.restored:
            print(f"  restored {r.address} ({r.action})")
        for n in outcome.notes:
            print(f"  note: {n}")
        print(
            f"Rollback complete: every resource recorded in snapshot {outcome.snapshot_id} "
            "holds its recorded content (verified)."
        )
        if extras:
            print(
                f"Left alone, not in the snapshot: {', '.join(extras)} (remove them from the "
                "tenant, or run apply with `prune: true`, if they should not exist)."
            )
        return 0
    return finish(outcome, ctx.environment)
