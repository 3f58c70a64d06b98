"""`reconciler plan`: read the live tenant, print the plan, optionally save it."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reconciler.cli.context import (
    TOOL_VERSION,
    Context,
    add_spec_dir,
    colour_enabled,
    load_context,
    now_iso,
)
from reconciler.engine.from_specs import plan_desired_state
from reconciler.engine.guardrails import annotate, assess
from reconciler.engine.observe import LiveState
from reconciler.engine.plan import Plan, save_plan
from reconciler.engine.predict import make_predictor
from reconciler.engine.targeting import split_target
from reconciler.errors import ConfigError, StateError
from reconciler.kinds import ResourceAddress
from reconciler.render.json import render_plan_json
from reconciler.render.markdown import render_plan_markdown
from reconciler.render.text import render_plan_text
from reconciler.state.clock import utc_now
from reconciler.state.protected import load_protected

HELP = "read the live tenant and show what apply would change (read-only)"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "plan",
        help=HELP,
        description=HELP + ". Exit 0, or with --detailed-exitcode: "
        "0 no changes, 2 changes; 1 on error.",
    )
    add_spec_dir(p)
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text (terminal, default), markdown (PR comment), json",
    )
    p.add_argument("--out", metavar="PLAN", help="save the plan (JSON) for `apply --plan`")
    p.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when there are changes, 0 when there are none",
    )
    p.add_argument(
        "--resend-secrets",
        action="store_true",
        help="re-send write-only webhook tokens even when nothing else changed",
    )
    add_no_predict(p)
    add_target(p)
    p.set_defaults(func=run)


def checked_targets(targets: Sequence[str]) -> tuple[str, ...]:
    """The `--target` values, each `KIND/NAME` (ConfigError before anything is read)."""
    for text in targets:
        try:
            split_target(text)
        except ValueError as exc:
            raise ConfigError(f"argument --target: {exc}") from None
    return tuple(targets)


def add_target(parser: argparse.ArgumentParser) -> None:
    """`--target KIND/NAME` (repeatable): plan only those resources, as Terraform's -target."""
    parser.add_argument(
        "--target",
        dest="targets",
        action="append",
        default=[],
        metavar="KIND/NAME",
        help="plan only this resource (repeatable; e.g. Campaign/Collections_East); an "
        "unknown one is an error; the plan warns that it may be incomplete",
    )


def add_no_predict(parser: argparse.ArgumentParser) -> None:
    """`--no-predict`: skip the capacity predictions (and their warnings) in the plan."""
    parser.add_argument(
        "--no-predict",
        action="store_true",
        help="skip the predicted abandonment, utilisation and line use of each created or "
        "updated campaign (local capacity model, seeded) and the predicted-abandonment warnings",
    )


async def compute(
    ctx: Context,
    *,
    resend_secrets: bool = False,
    predict: bool = False,
    targets: Sequence[str] = (),
    guardrails: bool = False,
) -> tuple[Plan, LiveState]:
    """Observe and plan (with predictions when `predict`), closing the client afterwards.

    With `guardrails`, each change says whether its window is open now and the plan says
    when the blast-radius gate will trip (protections as the state directory recorded them,
    unknown when it holds no record).
    """
    async with ctx.backend() as backend:
        plan, live = await plan_desired_state(
            backend,
            ctx.desired,
            prune=ctx.prune,
            resend_secrets=resend_secrets,
            git_commit=ctx.git_commit,
            created_at=now_iso(),
            tool_version=TOOL_VERSION,
            predictor=make_predictor(ctx.desired) if predict else None,
            targets=targets,
        )
    if guardrails:
        plan = annotate(plan, assess(plan, ctx.desired, live, utc_now(), _protections(ctx)))
    return plan, live


def _protections(ctx: Context) -> frozenset[ResourceAddress] | None:
    """What the state directory recorded as protected; None (unknown) when it cannot say."""
    try:
        return load_protected(ctx.state_dir(create=False))
    except StateError as exc:  # read-only here: `apply` refuses with the same error
        print(f"warning: protections unknown: {exc.message}", file=sys.stderr)
        return None


def render(plan: Plan, fmt: str, ctx: Context) -> str:
    return render_in(plan, fmt, ctx.env)


def render_in(plan: Plan, fmt: str, env: Mapping[str, str]) -> str:
    """The plan as `--format` asks (colours only on a terminal without NO_COLOR)."""
    if fmt == "json":
        return render_plan_json(plan)
    if fmt == "markdown":
        return render_plan_markdown(plan)
    return render_plan_text(plan, colour=colour_enabled(sys.stdout, env))


def run(args: argparse.Namespace) -> int:
    targets = checked_targets(args.targets)
    ctx = load_context(args.spec_dir, "plan")
    plan, _ = asyncio.run(
        compute(
            ctx,
            resend_secrets=args.resend_secrets,
            predict=not args.no_predict,
            targets=targets,
            guardrails=True,
        )
    )
    sys.stdout.write(render(plan, args.format, ctx))
    for line in plan.missing_secrets(ctx.webhook_secrets()):
        print(f"warning: {line}: `apply` will refuse until it is", file=sys.stderr)
    if args.out:
        save_plan(plan, Path(args.out))
        print(f"Saved the plan to {args.out} (plan digest {plan.digest}).", file=sys.stderr)
    if args.detailed_exitcode and plan.has_changes:
        return 2
    return 0
