"""`reconciler drift`: scheduled drift detection; with `--heal`, self-healing.

Exit 0 in sync, 2 drift (healed or not), 1 error (or a heal that failed and was restored),
3 a heal whose restore failed too, 4 healed and verified but not fully recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from reconciler.cli.apply import EXIT_UNRECORDED
from reconciler.cli.context import (
    TOOL_VERSION,
    Context,
    add_spec_dir,
    add_write_options,
    colour_enabled,
    load_context,
    now_iso,
)
from reconciler.cli.plan import compute
from reconciler.cli.progress import apply_progress
from reconciler.engine.heal import HealReport, HealRequest, run_heal
from reconciler.engine.outcome import Outcome
from reconciler.engine.pipeline import ApplyHooks
from reconciler.engine.plan import Plan
from reconciler.errors import ApplyFailed, RestoreFailed
from reconciler.render.json import render_plan_json
from reconciler.render.markdown import render_drift_markdown
from reconciler.render.outcome import render_outcome_text
from reconciler.render.text import render_drift_text
from reconciler.state.lock import StateLock

HELP = "compare the live tenant with the specs; exit 0 in sync, 2 drift, 1 error"
EXIT_DRIFT = 2


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "drift",
        help=HELP,
        description=HELP + ". With --heal (for a Tenant that sets self_heal: true): "
        "re-apply the specs where windows and the blast-radius gate allow, as apply does; "
        "exit 2 when drift was found (healed or not), 3 when a heal's restore failed.",
    )
    add_spec_dir(p)
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text (default), markdown (an issue body), json (the plan JSON)",
    )
    p.add_argument(
        "--heal",
        action="store_true",
        help="re-apply the specs to what drifted (only when the Tenant sets self_heal: true), "
        "inside change windows and under the gate, with apply's snapshot, journal, restore "
        "and audit",
    )
    add_write_options(p, activation="activation of a heal")
    p.set_defaults(func=run)


def render(plan: Plan, args: argparse.Namespace, ctx: Context, heal: HealReport | None) -> str:
    """The drift report in the chosen format (with what the heal did, if it ran)."""
    if args.format == "json":
        if heal is None:
            return render_plan_json(plan)
        data = {**plan.to_json(), "heal": heal.to_json()}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if args.format == "markdown":
        return render_drift_markdown(plan, spec_dir=args.spec_dir, heal=heal)
    colour = colour_enabled(sys.stdout, ctx.env)
    return render_drift_text(plan, spec_dir=args.spec_dir, colour=colour, heal=heal)


async def _heal(ctx: Context, args: argparse.Namespace) -> HealReport:
    ws = ctx.workspace(deadline=args.operation_timeout, auto_approve=args.auto_approve)
    hooks = ApplyHooks(
        show_plan=lambda _plan: None,  # the drift report says what is healed
        progress=lambda: apply_progress(sys.stderr, interactive=sys.stderr.isatty()),
    )
    request = HealRequest(
        desired=ctx.desired,
        carrier=ctx.carrier,
        git_commit=ctx.git_commit,
        created_at=now_iso(),
        tool_version=TOOL_VERSION,
    )
    async with ctx.backend() as backend:
        return await run_heal(backend, ws, request, hooks)


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "drift")
    if not args.heal:
        plan, _ = asyncio.run(compute(ctx))
        sys.stdout.write(render(plan, args, ctx, None))
        return EXIT_DRIFT if plan.has_changes else 0
    with StateLock(ctx.state_dir(), command="drift --heal"):
        report = asyncio.run(_heal(ctx, args))
    sys.stdout.write(render(report.drift, args, ctx, report))
    if report.outcome is None:
        return EXIT_DRIFT if report.drift.has_changes else 0
    return _finish_heal(report.outcome, ctx.environment)


def _finish_heal(outcome: Outcome, environment: str) -> int:
    """The heal's apply summary (on stderr: stdout holds the report), mapped to the exit."""
    sys.stderr.write(render_outcome_text(outcome, environment=environment))
    if outcome.result == "applied":
        return EXIT_UNRECORDED if outcome.unrecorded else EXIT_DRIFT
    if outcome.result == "restored":
        raise ApplyFailed(f"the heal failed and was rolled back (snapshot {outcome.snapshot_id})")
    raise RestoreFailed(
        f"the heal failed and the restore failed: {len(outcome.needs_attention)} resource(s) "
        f"need a person (snapshot {outcome.snapshot_id})"
    )
