"""`reconciler simulate`: local capacity figures per campaign or staffed outbound skill.

Without `--remote` or `--from-history` nothing leaves the machine and no credentials are
needed. On the modelled dialer API, `--remote` asks the API's capacity simulator for the
same campaigns and shows its figures beside the local ones (`render/simulate.py`). The
CXone admin API has no simulator: there `--remote` reads the live skills, for the
`maximumRatio` (and the other pacing settings) the specs leave out, and the business
unit's `outboundPortLimit` as the line limit. `--from-history` replaces the `answer_rate`
assumption by the tenant's own: the mean daily `answerRate` of a campaign's analytics, or a
skill's connects / dials over the last 30 days; talk, wrap and ring times stay as the specs
say. Every assumption names its source.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel

from reconciler.cli.arguments import DURATION_MINUTES, REPLICATIONS, SEED
from reconciler.cli.context import Context, add_spec_dir, load_context
from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.cxone_admin.kinds import business_unit_of
from reconciler.cxone_admin.metrics import read_skill_metrics
from reconciler.dialer_v1.api import DialerApi, SimulatorRequest
from reconciler.dialer_v1.bodies import body_to_json
from reconciler.engine.predict import free_trunks_of
from reconciler.engine.simulation import SimulationRun, campaign_runs, run_local, skill_runs
from reconciler.render.simulate import SimulateReport, render_simulate_json, render_simulate_text

HELP = "simulate each campaign's (or staffed skill's) pacing locally; --remote adds the API's"
HISTORY_DAYS = 30


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "simulate", help=HELP, description=HELP + ". Exit 0, 1 on error."
    )
    add_spec_dir(p)
    p.add_argument(
        "--campaign",
        "--skill",
        action="append",
        metavar="NAME",
        help="simulate this campaign (or outbound skill, with api: cxone-admin); repeatable; "
        "default: every one",
    )
    p.add_argument("--seed", type=SEED, help="random seed (default: the block's seed, else 0)")
    p.add_argument(
        "--duration-minutes",
        type=DURATION_MINUTES,
        default=60.0,
        metavar="M",
        help="simulated time per replication (default 60)",
    )
    p.add_argument(
        "--replications",
        type=REPLICATIONS,
        metavar="R",
        help="independent replications (default: the block's, else 10)",
    )
    p.add_argument(
        "--remote",
        action="store_true",
        help="dialer-v1: also run the API's simulator, shown beside, never mixed; "
        "cxone-admin: read the live skills' settings and the unit's line limit",
    )
    p.add_argument(
        "--from-history",
        action="store_true",
        help=f"estimate answer_rate from the last {HISTORY_DAYS} days of the tenant's figures",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="text table or JSON")
    p.set_defaults(func=run)


# --- dialer-v1 -----------------------------------------------------------------------------


def _with_answer_rate(r: SimulationRun, rate: float | None, source: str) -> SimulationRun:
    """The run with the history's answer rate (or the specs' one and why)."""
    if rate is None:
        return replace(r, sources={**r.sources, "answer_rate": f"specs (no history: {source})"})
    return replace(
        r,
        traffic=replace(r.traffic, answer_rate=round(rate, 6)),
        sources={**r.sources, "answer_rate": f"history: {source}"},
    )


async def with_history(api: DialerApi, runs: list[SimulationRun]) -> list[SimulationRun]:
    """Replace answer_rate by the mean daily answerRate of each live campaign."""
    ids = {c.body.name: c.id async for c in api.iter_campaigns()}
    out = []
    for r in runs:
        cid = ids.get(r.name)
        if cid is None:
            out.append(_with_answer_rate(r, None, "the campaign is not live yet"))
            continue
        rows = [
            row
            async for row in api.iter_metrics(cid, metrics=["answerRate"], group_by="day")
            if "answerRate" in row.values
        ]
        values = [row.values["answerRate"] for row in rows if 0 < row.values["answerRate"] <= 1]
        if not values:
            out.append(_with_answer_rate(r, None, "the API reported no answerRate"))
            continue
        source = (
            f"mean answerRate of {len(values)} daily interval(s) "
            f"{rows[0].interval_start} .. {rows[-1].interval_end}"
        )
        out.append(_with_answer_rate(r, sum(values) / len(values), source))
    return out


async def run_remote(
    api: DialerApi, runs: list[SimulationRun], trunks: int | None, minutes: float
) -> list[SimulationRun]:
    """Ask the API's simulator for the same campaigns and the local model's call volume."""
    out = []
    for r in runs:
        assert r.local is not None and r.campaign is not None
        body = r.campaign.body
        request = SimulatorRequest(
            duration_minutes=max(1, round(minutes)),
            concurrency=body.concurrency,
            algorithm_json=body_to_json(body.algorithm),
            # The API needs a call volume: the one the local model placed, so that both
            # answer for the same offered traffic.
            simulated_call_volume=r.local.calls_placed,
            carrier_max_concurrent=trunks or body.concurrency.max_simultaneous_calls,
        )
        out.append(replace(r, remote=await api.run_simulator(request)))
    return out


async def simulate_campaigns(ctx: Context, args: argparse.Namespace) -> SimulateReport:
    """History (if asked), the local runs, then the API simulator's (if asked)."""
    trunks = free_trunks_of(ctx.desired)
    runs = campaign_runs(
        ctx.desired, args.campaign, trunks, seed=args.seed, replications=args.replications
    )
    if args.remote or args.from_history:
        async with ctx.client() as api:
            if args.from_history:
                runs = await with_history(api, runs)
            runs = run_local(runs, args.duration_minutes, tty_progress(sys.stderr))
            if args.remote:
                runs = await run_remote(api, runs, trunks, args.duration_minutes)
    else:
        runs = run_local(runs, args.duration_minutes, tty_progress(sys.stderr))
    return _report(ctx, args, runs, trunks)


def _report(
    ctx: Context,
    args: argparse.Namespace,
    runs: list[SimulationRun],
    trunks: int | None,
    skipped: tuple[str, ...] = (),
    read_live: str | None = None,
) -> SimulateReport:
    return SimulateReport(
        ctx.environment,
        runs,
        args.seed,
        args.duration_minutes,
        bool(args.remote),
        trunks,
        skipped,
        read_live,
    )


# --- cxone-admin ---------------------------------------------------------------------------


async def skill_history(
    api: CxoneAdminClient, runs: list[SimulationRun], ids: dict[str, int]
) -> list[SimulationRun]:
    """Replace answer_rate by each live skill's connects / dials of the last 30 days."""
    end = datetime.now(timezone.utc).replace(microsecond=0)
    start = end - timedelta(days=HISTORY_DAYS)
    out = []
    for r in runs:
        if r.name not in ids:
            out.append(_with_answer_rate(r, None, "the skill is not in the tenant"))
            continue
        found = await read_skill_metrics(api, ids[r.name], start, end, "auto")
        dials = sum(row.values.get("dials", 0.0) for row in found.rows)
        connects = sum(row.values.get("connects", 0.0) for row in found.rows)
        named = found.source.replace("-", " ")
        if not dials or not 0 < connects <= dials:
            out.append(_with_answer_rate(r, None, f"the {named} show no dials"))
            continue
        source = f"connects / dials of the {named}, {_day(start)} .. {_day(end)}"
        out.append(_with_answer_rate(r, connects / dials, source))
    return out


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _line_limit(ctx: Context, unit_limit: int | None) -> tuple[int | None, str | None]:
    """The tighter of the Tenant's carrier and the business unit's port limit."""
    carrier = free_trunks_of(ctx.desired)
    found = [
        (v, why)
        for v, why in ((carrier, "Tenant carrier"), (unit_limit, "business unit outboundPortLimit"))
        if v is not None
    ]
    return min(found) if found else (None, None)


async def simulate_skills(ctx: Context, args: argparse.Namespace) -> SimulateReport:
    """The staffed skills' local runs: offline from the specs, with `--remote` the live
    skills and the unit's line limit filling what the specs leave out."""
    live: dict[str, BaseModel] = {}
    unit_limit: int | None = None
    async with AsyncExitStack() as stack:
        backend = None
        if args.remote or args.from_history:
            backend = await stack.enter_async_context(ctx.backend())
            observed = await backend.observe()
            skills = observed.of_kind("OutboundSkill")
            if args.remote:
                live = {r.name: r.body for r in skills}
                unit = business_unit_of(observed)
                unit_limit = unit.outboundPortLimit if unit is not None else None
        trunks, trunks_from = _line_limit(ctx, unit_limit)
        runs, skipped = skill_runs(
            ctx.desired,
            args.campaign,
            trunks,
            live,
            trunks_from=trunks_from,
            seed=args.seed,
            replications=args.replications,
        )
        if args.from_history and backend is not None:
            ids = {r.name: int(r.id) for r in skills if r.id is not None}
            runs = await skill_history(backend.client, runs, ids)
    runs = run_local(runs, args.duration_minutes, tty_progress(sys.stderr))
    read = [
        what
        for what, asked in (
            ("the live skills and the business unit's line limit", args.remote),
            ("30 days of the skills' dials and connects", args.from_history),
        )
        if asked
    ]
    return _report(ctx, args, runs, trunks, tuple(skipped), " and ".join(read) or None)


def tty_progress(stream: Any) -> Callable[[str, int, int], None] | None:
    """A one-line progress indicator on a terminal; None when output is redirected."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None

    def show(name: str, done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\r  simulating {name}: {done}/{total} replications", end=end, file=stream)
        stream.flush()

    return show


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "simulate")
    compute = simulate_skills if ctx.desired.api == "cxone-admin" else simulate_campaigns
    report = asyncio.run(compute(ctx, args))
    render = render_simulate_json if args.format == "json" else render_simulate_text
    sys.stdout.write(render(report))
    return 0
