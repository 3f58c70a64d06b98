"""`reconciler drift`: scheduled drift detection (exit 0 in sync, 2 drift, 1 error)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from reconciler.cli.context import add_spec_dir, colour_enabled, load_context
from reconciler.cli.plan import compute
from reconciler.render.json import render_plan_json
from reconciler.render.markdown import render_drift_markdown
from reconciler.render.text import render_drift_text

HELP = "compare the live tenant with the specs; exit 0 in sync, 2 drift, 1 error"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("drift", help=HELP, description=HELP + ".")
    add_spec_dir(p)
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text (default), markdown (an issue body), json (the plan JSON)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "drift")
    plan, _ = asyncio.run(compute(ctx))
    if args.format == "json":
        sys.stdout.write(render_plan_json(plan))
    elif args.format == "markdown":
        sys.stdout.write(render_drift_markdown(plan, spec_dir=args.spec_dir))
    else:
        colour = colour_enabled(sys.stdout, ctx.env)
        sys.stdout.write(render_drift_text(plan, spec_dir=args.spec_dir, colour=colour))
    return 2 if plan.has_changes else 0
