"""Issue 7 Measure: simulation wall time and events/s; plan prediction overhead.

Run: .venv/bin/python bench/bench_simulate.py
Prints each figure with its bound as a ratio (below 1.00x meets the bound).
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

from reconciler.capacity import Pacing, Traffic, predict, simulate
from reconciler.capacity.predict import _predict_cached

SIMULATE_BOUND_SEC = 1.0
PLAN_BOUND_SEC = 5.0
ROOT = Path(__file__).resolve().parent.parent

SCENARIO = Pacing(
    "predictive", agents=50, dial_ratio=3.0, max_simultaneous_calls=150, free_trunks=150
)
WHOLE_RUN = (
    "from reconciler.capacity import Pacing, Traffic, simulate;"
    "simulate(Pacing('predictive', 50, 3.0, 150, free_trunks=150), Traffic(),"
    " duration_minutes=60, replications=10, seed=0)"
)


def bench_simulation() -> None:
    """One 60-minute run of 50 agents at ratio 3.0, 150 lines, 150 trunks, 10 replications."""
    start = time.perf_counter()
    result = simulate(SCENARIO, Traffic(), duration_minutes=60, replications=10, seed=0)
    wall = time.perf_counter() - start
    print("simulate 50 agents x3.0 / 150 lines / 150 trunks, 60 min x 10 replications:")
    print(
        f"  wall (in process)  {wall:.3f} s / bound {SIMULATE_BOUND_SEC:.2f} s"
        f" = {wall / SIMULATE_BOUND_SEC:.2f}x"
    )
    print(f"  events             {result.events} simulated, {result.events / wall:,.0f} events/s")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", WHOLE_RUN], check=True, cwd=ROOT)
    whole = time.perf_counter() - start
    print(
        f"  wall (new process: interpreter, imports, run)  {whole:.3f} s / bound"
        f" {SIMULATE_BOUND_SEC:.2f} s = {whole / SIMULATE_BOUND_SEC:.2f}x"
    )
    print(
        f"  figures: abandonment {result.abandonment_rate:.4f}"
        f" (95% CI {result.abandonment_rate_ci95[0]:.4f}-{result.abandonment_rate_ci95[1]:.4f}),"
        f" utilisation {result.agent_utilization:.3f}, peak lines {result.peak_concurrent_calls}"
    )


def changed_campaigns(count: int) -> list[tuple[Pacing, Pacing, Traffic]]:
    """`count` distinct campaigns, each with a before and an after pacing (seeded mix)."""
    rng = random.Random(7)
    out: list[tuple[Pacing, Pacing, Traffic]] = []
    for i in range(count):
        agents = rng.choice([5, 10, 20, 25, 40, 50, 60, 80, 100, 150, 200, 300, 500, 1000])
        agents += i  # distinct even when the draw repeats
        kind = rng.random()
        traffic = Traffic(
            answer_rate=rng.choice([0.15, 0.2, 0.25, 0.3, 0.4]),
            talk_time_sec=rng.choice([120.0, 180.0, 240.0, 300.0]),
            wrap_time_sec=rng.choice([0.0, 0.0, 15.0, 30.0]),
            ring_time_sec=rng.choice([15.0, 20.0, 25.0]),
        )
        spacing = rng.choice([0, 0, 0, 100, 250])
        if kind < 0.7:
            ratio = round(rng.uniform(1.2, 4.0), 1)
            lines = int(agents * ratio)
            before = Pacing(
                "predictive",
                agents,
                ratio,
                lines,
                call_spacing_ms=spacing,
                warm_line_timeout_sec=rng.choice([0.0, 0.0, 2.0, 5.0]),
                free_trunks=lines + rng.choice([0, 10, 100]),
            )
            after = Pacing(
                "predictive",
                agents,
                round(ratio + 0.5, 1),
                int(agents * (ratio + 0.5)),
                call_spacing_ms=spacing,
                warm_line_timeout_sec=before.warm_line_timeout_sec,
                free_trunks=before.free_trunks,
            )
        else:
            dialer = "progressive" if kind < 0.9 else "preview"
            ratio_or_none = 1.0 if dialer == "progressive" else None
            before = Pacing(dialer, agents, ratio_or_none, agents, call_spacing_ms=spacing)
            after = Pacing(dialer, agents + 5, ratio_or_none, agents + 5, call_spacing_ms=spacing)
        out.append((before, after, traffic))
    return out


def bench_plan_predictions() -> None:
    """400 `predict` calls (before and after) for 200 distinct changed campaigns."""
    campaigns = changed_campaigns(200)
    _predict_cached.cache_clear()
    start = time.perf_counter()
    methods = {"analytic": 0, "simulation": 0}
    events = 0
    for before, after, traffic in campaigns:
        for pacing in (before, after):
            result = predict(pacing, traffic, budget="fast", seed=0)
            methods[result.method] += 1
            events += result.events
    wall = time.perf_counter() - start
    print("plan predictions, 200 changed campaigns (400 predict calls, cold cache):")
    print(f"  wall {wall:.3f} s / bound {PLAN_BOUND_SEC:.2f} s = {wall / PLAN_BOUND_SEC:.2f}x")
    print(
        f"  {methods['simulation']} simulated ({events} events), {methods['analytic']} closed form"
    )
    start = time.perf_counter()
    for before, after, traffic in campaigns:
        predict(before, traffic)
        predict(after, traffic)
    again = time.perf_counter() - start
    print(
        f"  same 400 again (warm cache) {again:.4f} s / bound {PLAN_BOUND_SEC:.2f} s"
        f" = {again / PLAN_BOUND_SEC:.4f}x"
    )


if __name__ == "__main__":
    bench_simulation()
    bench_plan_predictions()
