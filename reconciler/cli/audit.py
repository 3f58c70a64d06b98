"""`reconciler audit`: the API's audit log; `reconciler audit verify`: the local chain."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from reconciler.cli.arguments import add_time_range
from reconciler.cli.context import Context, load_context

HELP = "page through the API's audit log, or `audit verify SPEC_DIR` to check the local chain"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("audit", help=HELP, description=HELP + ".")
    p.add_argument(
        "words",
        nargs="+",
        metavar="[verify] SPEC_DIR",
        help="SPEC_DIR, or `verify SPEC_DIR` to check the local hash chain",
    )
    p.add_argument(
        "--entity",
        choices=("dialer", "campaign", "webhook"),
        help="only entries about this kind of resource",
    )
    add_time_range(p, from_help="first entry's time", to_help="end of the time range")
    p.add_argument(
        "--format", choices=("table", "json"), default="table", help="table (default) or json"
    )
    p.set_defaults(func=run)


def _verify(ctx: Context) -> int:
    result = ctx.audit().verify()
    if result.ok:
        print(f"audit log OK: {result.entries} entries, hash chain intact")
        return 0
    print(f"audit log BROKEN at line {result.line}: {result.problem}", file=sys.stderr)
    return 1


async def _remote(ctx: Context, args: argparse.Namespace) -> int:
    async with ctx.client() as api:
        rows = [
            e async for e in api.iter_audit_logs(entity=args.entity, start=args.start, end=args.end)
        ]
    if args.format == "json":
        print(json.dumps([e.__dict__ for e in rows], indent=2, sort_keys=True))
        return 0
    print(f"{'TIMESTAMP':<22} {'ACTOR':<20} {'ACTION':<10} {'ENTITY':<9} {'ID':<14} TAGS")
    for e in rows:
        print(
            f"{e.timestamp:<22} {e.actor[:20]:<20} {e.action:<10} {e.entity:<9} "
            f"{e.entity_id:<14} {e.version_tag_before or '-'} -> {e.version_tag_after or '-'}"
        )
    print(f"{len(rows)} entries")
    return 0


def run(args: argparse.Namespace) -> int:
    words = list(args.words)
    if words[0] == "verify" and len(words) == 2:
        return _verify(load_context(words[1], "audit"))
    if len(words) != 1:
        print("usage: reconciler audit [verify] SPEC_DIR", file=sys.stderr)
        return 1
    return asyncio.run(_remote(load_context(words[0], "audit"), args))
