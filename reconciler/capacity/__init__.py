"""The local capacity model: Erlang formulas, a pacing simulation and the PD-1 oracle.

No network and no numeric libraries. The plan and the `simulate` command call:

- `Pacing.from_body(body, free_trunks)` and `Traffic(...)` to describe a campaign,
- `simulate(pacing, traffic, duration_minutes=, replications=, seed=, progress=)`,
- `predict(pacing, traffic, budget="fast"|"full", seed=)` within the plan's time budget,
- `SimulationResult.to_json()` for the `local` object of the JSON outputs,
- `erlang_b`, `erlang_c`, `erlang_a` for trunk and queue sizing,
- `solve_pd1(...)` for the exact solution of the reference model PD-1.

The model is described in docs/capacity-model.md.
"""

from reconciler.capacity.erlang import ErlangAResult, erlang_a, erlang_b, erlang_c
from reconciler.capacity.markov import PD1Solution, solve_pd1
from reconciler.capacity.model import Pacing, SimulationResult, Traffic
from reconciler.capacity.pacing import CONNECT_WINDOW_SEC, LOGNORMAL_CV, simulate
from reconciler.capacity.predict import predict

__all__ = [
    "CONNECT_WINDOW_SEC",
    "LOGNORMAL_CV",
    "ErlangAResult",
    "PD1Solution",
    "Pacing",
    "SimulationResult",
    "Traffic",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "predict",
    "simulate",
    "solve_pd1",
]
