"""Predictions for the plan: the simulation's figures within a time budget.

The plan asks for a prediction before and after every created or changed campaign, and
200 changed campaigns must add under 5 s. Three things keep it there:

- Where the answer is known in closed form it is used (`method: "analytic"`): a dialer
  that keeps exactly one call per idle agent (progressive; predictive at ratio 1 with
  estimate 1; preview), with no call spacing and lines and trunks for every agent, never
  abandons, and each agent alternates independently between ringing (mean r/p until a
  live answer), talk (h) and wrap-up (w), so utilisation = (h + w) / (h + w + r/p) for
  any talk-time distribution.
- Otherwise the `fast` budget simulates about `FAST_EVENT_BUDGET` events in total:
  `FAST_REPLICATIONS` replications whose window (at most 60 minutes) and warm-up shrink
  for large floors, which generate many events per simulated minute. Counts are scaled
  to 60 minutes; the interval is wider than a full run's and says so honestly.
  `full` runs `simulate` with its defaults (60 minutes, 10 replications).
- Results are memoised on (pacing, traffic, budget, seed): all four are frozen values
  and the computation is a pure function of them, so a campaign whose pacing did not
  change, or the same pacing in two environments, is computed once per process.
"""

from __future__ import annotations

import random
from dataclasses import replace
from functools import lru_cache
from typing import Literal

from reconciler.capacity.model import Pacing, SimulationResult, Traffic
from reconciler.capacity.pacing import (
    default_warmup_sec,
    run_replication,
    simulate,
    summarise,
)

Budget = Literal["fast", "full"]

REPORT_WINDOW_SEC = 3600.0  # counts are always reported per 60 minutes
FAST_EVENT_BUDGET = 6000
FAST_REPLICATIONS = 4


def predict(
    pacing: Pacing, traffic: Traffic, *, budget: Budget = "fast", seed: int = 0
) -> SimulationResult:
    """Predicted figures for one campaign; `method` and `note` say how they were made."""
    if budget not in ("fast", "full"):
        raise ValueError(f"budget must be 'fast' or 'full', not {budget!r}")
    return _predict_cached(pacing, traffic, budget, seed)


@lru_cache(maxsize=4096)
def _predict_cached(
    pacing: Pacing, traffic: Traffic, budget: Budget, seed: int
) -> SimulationResult:
    analytic = closed_form(pacing, traffic)
    if analytic is not None:
        return analytic
    if budget == "full":
        return simulate(pacing, traffic, seed=seed)
    return _fast_simulation(pacing, traffic, seed)


def closed_form(pacing: Pacing, traffic: Traffic) -> SimulationResult | None:
    """Exact figures for one-call-per-idle-agent pacing, or None where none is known."""
    one_per_agent = pacing.dialer_type == "preview" or (
        pacing.effective_ratio == 1.0 and pacing.agent_availability_estimate == 1.0
    )
    lines_enough = pacing.max_simultaneous_calls >= pacing.agents and (
        pacing.free_trunks is None or pacing.free_trunks >= pacing.agents
    )
    if not (one_per_agent and lines_enough and pacing.call_spacing_ms == 0):
        return None
    h, w = traffic.talk_time_sec, traffic.wrap_time_sec
    cycle = h + w + traffic.ring_time_sec / traffic.answer_rate
    answered = pacing.agents * REPORT_WINDOW_SEC / cycle
    return SimulationResult(
        abandonment_rate=0.0,
        abandonment_rate_ci95=(0.0, 0.0),
        agent_utilization=(h + w) / cycle,
        average_wait_sec=0.0,
        peak_concurrent_calls=pacing.agents,
        calls_blocked_by_carrier=0,
        calls_placed=round(answered / traffic.answer_rate),
        calls_answered=round(answered),
        calls_abandoned=0,
        replications=0,
        events=0,
        method="analytic",
        note=(
            "closed form: one call per idle agent never abandons; utilisation"
            " (h + w) / (h + w + r/p); counts are the steady-state mean per 60 minutes;"
            " peak concurrent calls is the bound of one line per agent"
        ),
    )


def _event_rate(pacing: Pacing, traffic: Traffic) -> float:
    """Rough simulated events per second, from the fluid flow balance."""
    h, w, p = traffic.talk_time_sec, traffic.wrap_time_sec, traffic.answer_rate
    k = h * p * pacing.effective_ratio * pacing.agent_availability_estimate
    k /= traffic.ring_time_sec
    talking = min(pacing.agents * k / (1.0 + k * (1.0 + w / h)), pacing.max_simultaneous_calls)
    dials = talking / h / p
    if pacing.call_spacing_ms:
        # Spacing throttles launches; each throttled launch also costs a timer event.
        dials = min(dials, 2000.0 / pacing.call_spacing_ms)
    # Per dial one resolution; per connected call one talk end and one wrap end if any.
    return max(dials * (1.0 + p * (1.0 + (1.0 if w > 0 else 0.0))), 1e-9)


def _fast_simulation(pacing: Pacing, traffic: Traffic, seed: int) -> SimulationResult:
    per_replication = FAST_EVENT_BUDGET / FAST_REPLICATIONS / _event_rate(pacing, traffic)
    warmup = min(default_warmup_sec(traffic), 0.25 * per_replication)
    window = min(REPORT_WINDOW_SEC, per_replication - warmup)
    runs = [
        run_replication(
            pacing,
            traffic,
            random.Random(f"reconciler.capacity.predict/{seed}/{i}"),
            warmup_sec=warmup,
            window_sec=window,
            max_events=FAST_EVENT_BUDGET // FAST_REPLICATIONS,
        )
        for i in range(FAST_REPLICATIONS)
    ]
    result = summarise(runs, pacing.agents, REPORT_WINDOW_SEC)
    measured = sum(run.measured_sec for run in runs) / len(runs)
    return replace(
        result,
        note=(
            f"fast prediction: {FAST_REPLICATIONS} replications of {measured / 60:.1f} min"
            f" after {warmup:.0f} s warm-up, counts scaled to 60 min"
        ),
    )
