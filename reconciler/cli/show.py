"""`reconciler show PLANFILE`: render a saved plan (no network), or say why it is stale.

Like `terraform show PLANFILE`: the plan is read, its digest checked, and printed as text,
Markdown or the JSON `plan --format json` printed. `--check SPEC_DIR` also reads the live
tenant (read-only) and says whether `apply --plan` would run it: exit 0 when it still fits,
1 when it is stale (each resource that moved, field by field) or made for other specs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from reconciler.cli.context import load_context
from reconciler.cli.plan import render_in
from reconciler.engine.plan import Plan, load_plan
from reconciler.engine.staleness import Staleness, explain
from reconciler.render.staleness import (
    render_staleness_json,
    render_staleness_markdown,
    render_staleness_text,
)

HELP = "render a saved plan (no network); --check SPEC_DIR says whether it is stale"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "show",
        help=HELP,
        description=HELP + ". Exit 0; with --check: 0 when `apply --plan` would run it, "
        "1 when it is stale or made for other specs.",
    )
    p.add_argument("plan_file", metavar="PLANFILE", help="a plan saved by `plan --out`")
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text (default), markdown (PR comment), json (as `plan --format json`)",
    )
    p.add_argument(
        "--check",
        metavar="SPEC_DIR",
        help="read the live tenant (read-only) and explain what moved since the plan was made",
    )
    p.set_defaults(func=run)


def _render_staleness(staleness: Staleness, fmt: str) -> str:
    if fmt == "json":
        return render_staleness_json(staleness)
    if fmt == "markdown":
        return render_staleness_markdown(staleness)
    return render_staleness_text(staleness)


async def _staleness(plan: Plan, spec_dir: str) -> Staleness:
    ctx = load_context(spec_dir, "show")
    async with ctx.backend() as backend:
        live = await backend.observe()
    # Another environment or other specs: `check_fresh` says so (a PlanError, exit 1).
    if plan.environment != ctx.environment or plan.spec_digest != ctx.desired.digest:
        plan.check_fresh(ctx.environment, ctx.desired.digest, live)
    return explain(plan, ctx.desired, live)


def run(args: argparse.Namespace) -> int:
    plan = load_plan(Path(args.plan_file))
    if args.check is None:
        sys.stdout.write(render_in(plan, args.format, os.environ))
        return 0
    staleness = asyncio.run(_staleness(plan, args.check))
    sys.stdout.write(_render_staleness(staleness, args.format))
    return 1 if staleness.stale else 0
