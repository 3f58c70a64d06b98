"""`reconciler simulate`: local capacity figures per campaign; `--remote` adds the API's.

Without `--remote` or `--from-history` nothing leaves the machine and no credentials are
needed. `--remote` asks the API's capacity simulator for the same campaigns and shows its
figures in their own column / JSON object, labelled, never mixed with the local ones, and
says what each model assumes and which one the plan uses (`MODELS`): the two can differ
widely, and a bare 0.00% beside 11.01% explains nothing.
`--from-history` replaces the `answer_rate` assumption by the mean `answerRate` of the
campaign's daily analytics; talk, wrap and ring times cannot be derived from the four
analytics metrics and stay as the specs say. Every assumption names its source.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import textwrap
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from typing import Any

from reconciler.capacity import Pacing, SimulationResult, Traffic, simulate
from reconciler.cli.arguments import DURATION_MINUTES, REPLICATIONS, SEED
from reconciler.cli.context import Context, add_spec_dir, load_context
from reconciler.desired import CampaignDoc, DesiredState
from reconciler.dialer_v1.api import DialerApi, SimulatorRequest, SimulatorResult
from reconciler.dialer_v1.bodies import body_to_json
from reconciler.engine.predict import figures_json, free_trunks_of, traffic_of
from reconciler.errors import ConfigError

HELP = "simulate each campaign's pacing locally (no network); --remote adds the API's figures"
DEFAULT_REPLICATIONS = 10
ASSUMPTIONS = ("answer_rate", "talk_time_sec", "wrap_time_sec", "ring_time_sec")
HISTORY_DAYS = 30


# What each model is, what it assumes and who uses it: one text for the report and the JSON.
MODELS: dict[str, dict[str, str]] = {
    "local": {
        "label": "local model",
        "method": "reconciler's own seeded discrete-event simulation of predictive pacing: "
        "dials are topped up to dial_ratio x idle agents; a live answer that finds no idle "
        "agent is abandoned (the 2-second rule); abandonment = abandoned / live answers",
        "inputs": "the traffic assumptions listed per campaign (answer rate, talk, wrap and "
        "ring times, each with its source), the campaign's pacing and the Tenant's free trunks",
    },
    "remote": {
        "label": "API simulator",
        "method": "the vendor's own capacity model, run by the API; its method and its "
        "definitions (e.g. of abandonment) are the vendor's and not visible here",
        "inputs": "only the pacing (concurrency, algorithm), the call volume the local model "
        "placed and the carrier limit; it is not sent the answer rate, talk, wrap or ring "
        "times and uses traffic assumptions of its own",
    },
}
PLAN_USES = "local"
GAP_ADVICE = (
    "A large gap usually means the two models assume different traffic: compare the "
    "answer_rate and talk_time_sec above with the tenant's history (`--from-history`). "
    "The plan's predictions and its predicted-abandonment warnings use the local model; "
    "nothing in plan or apply uses the API simulator's figures."
)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "simulate", help=HELP, description=HELP + ". Exit 0, 1 on error."
    )
    add_spec_dir(p)
    p.add_argument(
        "--campaign",
        action="append",
        metavar="NAME",
        help="simulate this campaign (repeatable; default: every campaign)",
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
        help=f"independent replications (default: the block's, else {DEFAULT_REPLICATIONS})",
    )
    p.add_argument(
        "--remote",
        action="store_true",
        help="also run the API's simulator (needs credentials); shown beside, never mixed",
    )
    p.add_argument(
        "--from-history",
        action="store_true",
        help=f"estimate answer_rate from the last {HISTORY_DAYS} days of the tenant's analytics",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="text table or JSON")
    p.set_defaults(func=run)


@dataclass(frozen=True)
class CampaignRun:
    """One campaign's inputs and, once run, its figures."""

    doc: CampaignDoc
    traffic: Traffic
    sources: dict[str, str]
    seed: int
    replications: int
    local: SimulationResult | None = None
    remote: SimulatorResult | None = None


def assumption_sources(state: DesiredState, name: str) -> dict[str, str]:
    """Where each traffic assumption came from: campaign, tenant or default."""
    own = state.campaign(name).simulation
    tenant = state.tenant.spec.simulation if state.tenant else None
    out = {}
    for key in ASSUMPTIONS:
        if own is not None and key in own.model_fields_set:
            out[key] = "campaign simulation block"
        elif tenant is not None and key in tenant.model_fields_set:
            out[key] = "Tenant simulation block"
        else:
            out[key] = "default"
    return out


def selected(state: DesiredState, names: list[str] | None) -> list[CampaignDoc]:
    """The campaigns asked for (all by default); ConfigError naming unknown ones."""
    if not names:
        return list(state.campaigns)
    known = {c.name for c in state.campaigns}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(
            f"no campaign named {', '.join(unknown)} in {state.spec_dir}",
            hint=f"campaigns: {', '.join(sorted(known)) or '(none)'}",
        )
    return [state.campaign(n) for n in dict.fromkeys(names)]


def prepare(state: DesiredState, args: argparse.Namespace) -> list[CampaignRun]:
    """Inputs for every selected campaign, from the specs and the flags."""
    runs = []
    for doc in selected(state, args.campaign):
        block = state.simulation_for(doc.name)
        seed = args.seed if args.seed is not None else (block.seed or 0)
        reps = args.replications or block.replications or DEFAULT_REPLICATIONS
        runs.append(
            CampaignRun(doc, traffic_of(block), assumption_sources(state, doc.name), seed, reps)
        )
    return runs


async def with_history(api: DialerApi, runs: list[CampaignRun]) -> list[CampaignRun]:
    """Replace answer_rate by the mean daily answerRate of each live campaign."""
    ids = {c.body.name: c.id async for c in api.iter_campaigns()}
    out = []
    for r in runs:
        cid = ids.get(r.doc.name)
        if cid is None:
            note = "specs (no history: the campaign is not live yet)"
            out.append(replace(r, sources={**r.sources, "answer_rate": note}))
            continue
        rows = [
            row
            async for row in api.iter_metrics(cid, metrics=["answerRate"], group_by="day")
            if "answerRate" in row.values
        ]
        values = [row.values["answerRate"] for row in rows if 0 < row.values["answerRate"] <= 1]
        if not values:
            note = "specs (no history: the API reported no answerRate)"
            out.append(replace(r, sources={**r.sources, "answer_rate": note}))
            continue
        mean = sum(values) / len(values)
        source = (
            f"history: mean answerRate of {len(values)} daily interval(s) "
            f"{rows[0].interval_start} .. {rows[-1].interval_end}"
        )
        out.append(
            replace(
                r,
                traffic=replace(r.traffic, answer_rate=round(mean, 6)),
                sources={**r.sources, "answer_rate": source},
            )
        )
    return out


def run_local(
    runs: list[CampaignRun],
    trunks: int | None,
    minutes: float,
    progress: Callable[[str, int, int], None] | None,
) -> list[CampaignRun]:
    """The local figures of every campaign (CPU only)."""
    out = []
    for r in runs:
        hook = None
        if progress is not None:
            name = r.doc.name

            def hook(done: int, total: int, name: str = name) -> None:
                progress(name, done, total)

        result = simulate(
            Pacing.from_body(r.doc.body, trunks),
            r.traffic,
            duration_minutes=minutes,
            replications=r.replications,
            seed=r.seed,
            progress=hook,
        )
        out.append(replace(r, local=result))
    return out


async def run_remote(
    api: DialerApi, runs: list[CampaignRun], trunks: int | None, minutes: float
) -> list[CampaignRun]:
    """Ask the API's simulator for the same campaigns and the local model's call volume."""
    out = []
    for r in runs:
        assert r.local is not None
        body = r.doc.body
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


def remote_json(result: SimulatorResult | None) -> dict[str, Any] | None:
    """The API simulator's figures under the API's own meanings (labelled `source`)."""
    if result is None:
        return None
    return {
        "source": "API simulator: the vendor's model, with its own assumptions",
        "abandonment_rate": result.predicted_abandonment_rate,
        "agent_utilization": result.agent_utilization,
        "average_wait_sec": result.average_wait_time_sec,
        "peak_concurrent_calls": result.peak_concurrent_calls,
        "calls_blocked_by_carrier": result.calls_blocked_by_carrier,
        "calls_placed": result.calls_placed,
        "calls_connected": result.calls_connected,
    }


def comparison(local: SimulationResult, remote: SimulatorResult | None) -> dict[str, Any] | None:
    """How far the API's abandonment is from the local estimate, and whether it is inside
    the local 95% interval (None without `--remote`)."""
    if remote is None:
        return None
    lo, hi = local.abandonment_rate_ci95
    theirs = remote.predicted_abandonment_rate
    return {
        "abandonment_rate_gap": round(theirs - local.abandonment_rate, 6),
        "remote_inside_local_ci95": lo <= theirs <= hi,
    }


def report_json(state: DesiredState, runs: list[CampaignRun], args: argparse.Namespace) -> str:
    """The simulate JSON: figures per campaign with their assumptions, sources, pacing and
    seed; with `--remote` the API's beside them, a comparison, and what each model is."""
    minutes = args.duration_minutes
    trunks = free_trunks_of(state)
    campaigns = []
    for r in runs:
        assert r.local is not None
        body = r.doc.body
        campaigns.append(
            {
                "name": r.doc.name,
                "type": body.type,
                "assumptions": {
                    "answer_rate": r.traffic.answer_rate,
                    "talk_time_sec": r.traffic.talk_time_sec,
                    "wrap_time_sec": r.traffic.wrap_time_sec,
                    "ring_time_sec": r.traffic.ring_time_sec,
                    "talk_time_distribution": r.traffic.talk_time_distribution,
                },
                "assumption_sources": r.sources,
                "pacing": {
                    "max_agents": body.concurrency.max_agents,
                    "dial_ratio": body.algorithm.dial_ratio,
                    "max_simultaneous_calls": body.concurrency.max_simultaneous_calls,
                    "call_spacing_ms": body.concurrency.call_spacing_ms,
                    "warm_line_timeout_sec": body.algorithm.warm_line_timeout_sec,
                    "agent_availability_estimate": body.algorithm.agent_availability_estimate,
                    "free_trunks": trunks,
                },
                "seed": r.seed,
                "local": {"note": _plain_note(r, minutes), **figures_json(r.local)},
                "remote": remote_json(r.remote),
                "comparison": comparison(r.local, r.remote),
            }
        )
    data = {
        "format_version": 1,
        "environment": state.environment,
        "seed": args.seed if args.seed is not None else 0,
        "duration_minutes": int(minutes) if float(minutes).is_integer() else minutes,
        "remote_requested": bool(args.remote),
        "models": {"local": MODELS["local"], "remote": MODELS["remote"] if args.remote else None},
        "plan_uses": PLAN_USES,
        "campaigns": campaigns,
    }
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _plain_note(r: CampaignRun, minutes: float) -> str:
    return (
        f"discrete-event simulation: {r.replications} independent seeded replications of"
        f" {minutes:g} min after a warm-up; interval from the spread between replications"
    )


def _pct(x: float) -> str:
    return f"{x * 100:.2f}%"


def _rows(local: SimulationResult, remote: SimulatorResult | None) -> list[tuple[str, str, str]]:
    lo, hi = local.abandonment_rate_ci95
    r = remote
    return [
        (
            "abandonment rate",
            f"{_pct(local.abandonment_rate)} (95% CI {_pct(lo)}-{_pct(hi)})",
            _pct(r.predicted_abandonment_rate) if r else "",
        ),
        (
            "agent utilisation",
            _pct(local.agent_utilization),
            _pct(r.agent_utilization) if r else "",
        ),
        (
            "average wait",
            f"{local.average_wait_sec:.2f} s",
            f"{r.average_wait_time_sec:.2f} s" if r else "",
        ),
        (
            "peak concurrent calls",
            str(local.peak_concurrent_calls),
            str(r.peak_concurrent_calls) if r else "",
        ),
        (
            "calls blocked by carrier",
            str(local.calls_blocked_by_carrier),
            str(r.calls_blocked_by_carrier) if r else "",
        ),
        ("calls placed", str(local.calls_placed), str(r.calls_placed) if r else ""),
        ("calls answered (live)", str(local.calls_answered), "-" if r else ""),
        ("calls abandoned", str(local.calls_abandoned), "-" if r else ""),
        ("calls connected", "-", str(r.calls_connected)) if r else ("", "", ""),
    ]


def report_text(state: DesiredState, runs: list[CampaignRun], args: argparse.Namespace) -> str:
    """A table per campaign: assumptions with their sources, local (and remote) figures."""
    trunks = free_trunks_of(state)
    lines = [
        f'Capacity simulation for "{state.environment}": {args.duration_minutes:g} min per '
        f"replication, free trunks {trunks if trunks is not None else 'unlimited'}"
        + ("" if args.remote else " (local model only; no request was made)"),
    ]
    for r in runs:
        assert r.local is not None
        body = r.doc.body
        ratio = body.algorithm.dial_ratio
        lines += [
            "",
            f"{r.doc.name} ({body.type}, {body.concurrency.max_agents} agents"
            + (f", ratio {ratio:g}" if ratio is not None else "")
            + f", {body.concurrency.max_simultaneous_calls} lines;"
            f" seed {r.seed}, {r.replications} replications)",
        ]
        for key in ASSUMPTIONS:
            lines.append(f"  {key:<15} {getattr(r.traffic, key):<8g} from {r.sources[key]}")
        header = ("figure", "local model", "API simulator" if args.remote else "")
        rows = [header] + [row for row in _rows(r.local, r.remote) if row[0]]
        w0 = max(len(row[0]) for row in rows)
        w1 = max(len(row[1]) for row in rows)
        for row in rows:
            lines.append(f"  {row[0]:<{w0}}  {row[1]:<{w1}}  {row[2]}".rstrip())
        if r.local.note:
            lines.append(f"  note: {r.local.note}")
        lines += _gap_lines(r.local, r.remote)
    if args.remote:
        lines += ["", *_models_text()]
    return "\n".join(lines) + "\n"


def _gap_lines(local: SimulationResult, remote: SimulatorResult | None) -> list[str]:
    if remote is None:
        return []
    lo, hi = local.abandonment_rate_ci95
    theirs = _pct(remote.predicted_abandonment_rate)
    where = "inside" if lo <= remote.predicted_abandonment_rate <= hi else "OUTSIDE"
    return [
        f"  abandonment: the API simulator's {theirs} is {where} the local model's 95% "
        f"interval {_pct(lo)}-{_pct(hi)} (see why the two differ, below)"
    ]


def _models_text() -> list[str]:
    """What each column is, what it assumes, and which one the plan uses."""
    lines = ["Why the two columns differ:"]
    for key in ("local", "remote"):
        model = MODELS[key]
        text = f"{model['method']}. Inputs: {model['inputs']}."
        label = f"  {model['label']:<13}  "
        lines += textwrap.wrap(
            text, width=92, initial_indent=label, subsequent_indent=" " * len(label)
        )
    lines += textwrap.wrap(GAP_ADVICE, width=92, initial_indent="  ", subsequent_indent="  ")
    return lines


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


async def compute(ctx: Context, args: argparse.Namespace) -> list[CampaignRun]:
    """History (if asked), the local runs, then the remote ones (if asked)."""
    runs = prepare(ctx.desired, args)
    trunks = free_trunks_of(ctx.desired)
    progress = tty_progress(sys.stderr)
    async with AsyncExitStack() as stack:
        api: DialerApi | None = None
        if args.remote or args.from_history:
            api = await stack.enter_async_context(ctx.client())
        if args.from_history:
            assert api is not None
            runs = await with_history(api, runs)
        runs = run_local(runs, trunks, args.duration_minutes, progress)
        if args.remote:
            assert api is not None
            runs = await run_remote(api, runs, trunks, args.duration_minutes)
    return runs


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "simulate")
    runs = asyncio.run(compute(ctx, args))
    if args.format == "json":
        sys.stdout.write(report_json(ctx.desired, runs, args))
    else:
        sys.stdout.write(report_text(ctx.desired, runs, args))
    return 0
