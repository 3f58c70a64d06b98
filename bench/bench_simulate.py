"""Issue 7 Measure: `reconciler simulate` wall time; the simulator's events/s.

One 60-minute run of 50 agents at ratio 3.0, 150 lines, 150 free trunks, 10 replications:
- the CLI process, the figure a user gets: `reconciler simulate SPEC --campaign NAME
  --duration-minutes 60 --replications 10 --seed 0` (interpreter start and imports included);
- the capacity model in process (labelled so): `simulate(...)`, its wall and events/s.
The plan's prediction overhead is measured in bench_plan_predictions.py.
Run: .venv/bin/python bench/bench_simulate.py
Prints each figure with its bound as a ratio (below 1.00x meets the bound).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from measure import figure, note, run_cli

from reconciler.capacity import Pacing, Traffic, simulate

SIMULATE_BOUND_SEC = 1.0
SCENARIO = Pacing(
    "predictive", agents=50, dial_ratio=3.0, max_simultaneous_calls=150, free_trunks=150
)
# The same scenario as spec files: 150 trunks, none in use; the simulation defaults.
SPEC = """\
apiVersion: dialer.cxone/v1
kind: Tenant
metadata: {name: bench}
spec:
  carrier: {max_trunks: 150, current_utilization_percent: 0}
---
apiVersion: dialer.cxone/v1
kind: Campaign
metadata: {name: Bench_Predictive}
spec:
  type: predictive
  concurrency: {max_agents: 50, max_simultaneous_calls: 150}
  algorithm: {type: predictive, dial_ratio: 3.0, abandonment_rate_target: 0.03}
  calling_hours: {start: "09:00", end: "20:00", timezone: America/New_York}
  dnc_lists: [national]
"""
CLI = ["--campaign", "Bench_Predictive", "--duration-minutes", "60", "--replications", "10"]


def bench_simulation() -> None:
    """One 60-minute run of 50 agents at ratio 3.0, 150 lines, 150 trunks, 10 replications."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench"
        spec.mkdir()
        (spec / "specs.yaml").write_text(SPEC, encoding="utf-8")
        run = run_cli(["simulate", str(spec), *CLI, "--seed", "0", "--format", "json"])
    start = time.perf_counter()
    result = simulate(SCENARIO, Traffic(), duration_minutes=60, replications=10, seed=0)
    wall = time.perf_counter() - start
    print("== simulate 50 agents x3.0 / 150 lines / 150 trunks, 60 min x 10 replications")
    figure("simulate (CLI process)", run.seconds, "s", SIMULATE_BOUND_SEC)
    note(f"its own CPU {run.cpu_seconds:.2f} s; answer: {_summary(json.loads(run.out))}")
    figure("capacity model in process: simulate()", wall, "s", SIMULATE_BOUND_SEC, digits=3)
    note(f"{result.events} events simulated, {result.events / wall:,.0f} events/s")
    note(
        f"figures: abandonment {result.abandonment_rate:.4f}"
        f" (95% CI {result.abandonment_rate_ci95[0]:.4f}-{result.abandonment_rate_ci95[1]:.4f}),"
        f" utilisation {result.agent_utilization:.3f}, peak lines {result.peak_concurrent_calls}"
    )


def _summary(answer: dict[str, Any]) -> str:
    """What the CLI answered, to compare with the run in process."""
    local = answer["campaigns"][0]["local"]
    return f"abandonment {local['abandonment_rate']:.4f}, {local['events']} events"


if __name__ == "__main__":
    bench_simulation()
