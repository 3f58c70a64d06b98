"""`reconciler audit`: the API's audit log; `reconciler audit verify`: the local chain."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reconciler.cli.arguments import add_time_range
from reconciler.cli.context import DEFAULT_STATE_DIR, Context, load_context
from reconciler.cli.query import explain_refusal
from reconciler.dialer_v1.errors import ValidationError
from reconciler.errors import ConfigError
from reconciler.state.layout import StateDir

HELP = "page through the API's audit log, or `audit verify SPEC_DIR` to check the local chain"
USAGE = (
    "reconciler audit SPEC_DIR [--entity E] [--from T] [--to T] [--format table|json]\n"
    "       reconciler audit verify SPEC_DIR"
)
# (API query parameter, argparse dest, option) of the options that filter the API's log
_LOG_OPTIONS = (
    ("entity", "entity", "--entity"),
    ("from", "start", "--from"),
    ("to", "end", "--to"),
)


class _VerifyOrSpecDir(argparse.Action):
    """`verify SPEC_DIR` is the sub-command that checks the local chain; a lone word is the
    SPEC_DIR whose API audit log to read. Anything else is a usage error at parse time."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        words = [str(v) for v in (values or [])]
        if words[:1] == ["verify"]:
            if len(words) != 2:
                parser.error(
                    "`audit verify` checks the local audit log of one environment and needs "
                    "its SPEC_DIR: reconciler audit verify SPEC_DIR"
                    if len(words) == 1
                    else f"`audit verify` takes one SPEC_DIR, not {len(words) - 1}"
                )
            namespace.verify, namespace.spec_dir = True, words[1]
        elif len(words) == 1:
            namespace.verify, namespace.spec_dir = False, words[0]
        else:
            parser.error(f"one SPEC_DIR expected, not {len(words)}: {' '.join(words)}")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "audit",
        help=HELP,
        description=HELP + ". Exit 0; 1 on error or a broken chain.",
        usage=USAGE,
    )
    p.add_argument(
        "words",
        nargs="+",
        action=_VerifyOrSpecDir,
        metavar="[verify] SPEC_DIR",
        help="SPEC_DIR to read the API's audit log, or `verify SPEC_DIR` to check the local "
        "hash chain",
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


def _local_log(ctx: Context) -> Path:
    root = Path(ctx.env.get("RECONCILER_STATE_DIR") or DEFAULT_STATE_DIR)
    return StateDir(root, ctx.environment).audit_path


async def _remote(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.desired.api == "cxone-admin":
        # The admin API has audit history for campaigns (reporting groups) only.
        raise ConfigError(
            "the CXone admin API keeps no audit history of skills or their parameters: the "
            f"local audit log ({_local_log(ctx)}) is the only record of who changed a skill "
            "through this tool",
            hint=f"reconciler audit verify {args.spec_dir} checks it",
        )
    try:
        async with ctx.client() as api:
            rows = [
                e
                async for e in api.iter_audit_logs(
                    entity=args.entity, start=args.start, end=args.end
                )
            ]
    except ValidationError as exc:
        sent = {param: (flag, getattr(args, dest)) for param, dest, flag in _LOG_OPTIONS}
        raise explain_refusal(exc, sent) from exc
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
    if args.verify:
        given = [flag for _, dest, flag in _LOG_OPTIONS if getattr(args, dest) is not None]
        if given:
            raise ConfigError(
                f"{', '.join(given)} {'filters' if len(given) == 1 else 'filter'} the API's "
                "audit log; `audit verify` checks the "
                "whole local chain and takes only SPEC_DIR",
                hint=f"reconciler audit verify {args.spec_dir}",
            )
        return _verify(load_context(args.spec_dir, "audit"))
    return asyncio.run(_remote(load_context(args.spec_dir, "audit"), args))
