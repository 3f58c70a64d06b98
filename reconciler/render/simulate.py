"""`reconciler simulate`'s report, as text and JSON: pure functions of the runs.

The local figures and, with `--remote` on the modelled dialer API, the API simulator's
figures beside them, labelled, never mixed, with what each model is, what it assumes and
which one the plan uses (`MODELS`): the two can differ widely, and a bare 0.00% beside
11.01% explains nothing.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import Any

from reconciler.capacity import SimulationResult
from reconciler.dialer_v1.api import SimulatorResult
from reconciler.engine.predict import figures_json
from reconciler.engine.simulation import ASSUMPTIONS, SimulationRun

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
SKIPPED_REASON = "no staffing.agents: the model needs the skill's agents"


@dataclass(frozen=True)
class SimulateReport:
    """Everything the report shows."""

    environment: str
    runs: list[SimulationRun]
    seed: int | None
    minutes: float
    remote_requested: bool
    free_trunks: int | None
    skipped: tuple[str, ...] = ()
    read_live: str | None = None  # what was read of a tenant with no simulator (cxone-admin)

    @property
    def compared(self) -> bool:
        """Whether the API simulator's figures sit beside the local ones."""
        return any(r.remote is not None for r in self.runs)


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


def _plain_note(r: SimulationRun, minutes: float) -> str:
    return (
        f"discrete-event simulation: {r.replications} independent seeded replications of"
        f" {minutes:g} min after a warm-up; interval from the spread between replications"
    )


def render_simulate_json(report: SimulateReport) -> str:
    """The simulate JSON: figures per campaign (or skill) with their assumptions, sources,
    pacing and seed; with `--remote` the API's beside them, a comparison, and what each
    model is."""
    minutes = report.minutes
    campaigns = []
    for r in report.runs:
        assert r.local is not None
        campaigns.append(
            {
                "name": r.name,
                "kind": r.kind,
                "type": r.type,
                "assumptions": {
                    "answer_rate": r.traffic.answer_rate,
                    "talk_time_sec": r.traffic.talk_time_sec,
                    "wrap_time_sec": r.traffic.wrap_time_sec,
                    "ring_time_sec": r.traffic.ring_time_sec,
                    "talk_time_distribution": r.traffic.talk_time_distribution,
                },
                "assumption_sources": r.sources,
                "pacing": dict(r.pacing_json),
                "seed": r.seed,
                "local": {"note": _plain_note(r, minutes), **figures_json(r.local)},
                "remote": remote_json(r.remote),
                "comparison": comparison(r.local, r.remote),
            }
        )
    data = {
        "format_version": 1,
        "environment": report.environment,
        "seed": report.seed if report.seed is not None else 0,
        "duration_minutes": int(minutes) if float(minutes).is_integer() else minutes,
        "remote_requested": report.remote_requested,
        "models": {
            "local": MODELS["local"],
            "remote": MODELS["remote"] if report.compared else None,
        },
        "plan_uses": PLAN_USES,
        "campaigns": campaigns,
        "skipped": [{"name": name, "reason": SKIPPED_REASON} for name in report.skipped],
    }
    if report.read_live is not None:
        data["read_live"] = report.read_live
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


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


def _header(report: SimulateReport) -> str:
    trunks = report.free_trunks
    if report.read_live is not None:
        done = f" (local model; read from the tenant: {report.read_live})"
    elif report.remote_requested:
        done = ""
    else:
        done = " (local model only; no request was made)"
    return (
        f'Capacity simulation for "{report.environment}": {report.minutes:g} min per '
        f"replication, free trunks {trunks if trunks is not None else 'unlimited'}{done}"
    )


def render_simulate_text(report: SimulateReport) -> str:
    """A table per campaign: assumptions with their sources, local (and remote) figures."""
    lines = [_header(report)]
    for r in report.runs:
        assert r.local is not None
        lines += [
            "",
            f"{r.name} ({r.describe()}; seed {r.seed}, {r.replications} replications)",
        ]
        for key in ASSUMPTIONS:
            lines.append(f"  {key:<15} {getattr(r.traffic, key):<8g} from {r.sources[key]}")
        header = ("figure", "local model", "API simulator" if report.compared else "")
        rows = [header] + [row for row in _rows(r.local, r.remote) if row[0]]
        w0 = max(len(row[0]) for row in rows)
        w1 = max(len(row[1]) for row in rows)
        for row in rows:
            lines.append(f"  {row[0]:<{w0}}  {row[1]:<{w1}}  {row[2]}".rstrip())
        if r.local.note:
            lines.append(f"  note: {r.local.note}")
        lines += _gap_lines(r.local, r.remote)
    if report.skipped:
        lines += ["", f"Skipped ({SKIPPED_REASON}): {', '.join(report.skipped)}"]
    if report.compared:
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
