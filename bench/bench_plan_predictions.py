"""Plan overhead of predictions: 200 changed campaigns, through the CLI and the planner.

Run: .venv/bin/python bench/bench_plan_predictions.py
Writes a spec directory with 200 campaigns (a seeded mix of predictive, progressive and
preview; a varied carrier-sized pacing) and a live tenant where every campaign differs.
- The CLI process, the figure a user gets: `reconciler emulator` (a process) serves the live
  tenant; `reconciler plan SPEC` minus `reconciler plan SPEC --no-predict`, each a process
  (so each a cold prediction cache).
- The planner in process (labelled so): `build_plan` with `make_predictor(state)` minus the
  same plan without it, cold, then warm (memoised).
Prints each figure with its bound as a ratio (below 1.00x meets it).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import cli_env, emulator_process, figure, note, run_cli  # noqa: E402

from reconciler.capacity.predict import _predict_cached  # noqa: E402
from reconciler.desired import DesiredState, load_desired_state  # noqa: E402
from reconciler.dialer_v1.emulator import make_tenant  # noqa: E402
from reconciler.engine.from_specs import desired_resources, normalizer_for  # noqa: E402
from reconciler.engine.planner import PlanOptions, build_plan  # noqa: E402
from reconciler.engine.predict import make_predictor, with_prediction_warnings  # noqa: E402
from tests.factories import campaign_json, live_state  # noqa: E402

CAMPAIGNS = 200
BOUND_SEC = 5.0

TENANT = """apiVersion: dialer.cxone/v1
kind: Tenant
metadata: {name: bench}
spec:
  carrier: {max_trunks: 100000, current_utilization_percent: 10}
  compliance: {jurisdiction: US}
  simulation: {answer_rate: 0.25, talk_time_sec: 180, ring_time_sec: 20}
"""


def campaign_yaml(i: int, rng: random.Random) -> tuple[str, dict[str, object]]:
    """One campaign document and the live body it differs from."""
    name = f"Campaign_{i:03d}"
    agents = rng.choice([5, 10, 20, 25, 40, 50, 80, 100, 150, 200]) + i % 7
    kind = rng.random()
    if kind < 0.7:
        ratio = round(rng.uniform(1.2, 3.5), 1)
        algorithm = f"{{type: predictive, dial_ratio: {ratio}, abandonment_rate_target: 0.03}}"
        lines = int(agents * ratio)
        dialer, live_ratio = "predictive", round(ratio + 0.4, 1)
    elif kind < 0.9:
        algorithm, lines, dialer, live_ratio = "{type: progressive}", agents, "progressive", 1.0
    else:
        algorithm, lines, dialer, live_ratio = "{type: preview}", agents, "preview", None
    spacing = rng.choice([0, 0, 100])
    answer, talk = rng.choice([0.15, 0.2, 0.25, 0.3]), rng.choice([120, 180, 240])
    doc = f"""---
apiVersion: dialer.cxone/v1
kind: Campaign
metadata: {{name: {name}}}
spec:
  type: {dialer}
  concurrency: {{max_agents: {agents}, max_simultaneous_calls: {lines}, call_spacing_ms: {spacing}}}
  algorithm: {algorithm}
  calling_hours: {{start: "09:00", end: "20:00", timezone: America/New_York}}
  dnc_lists: [national, internal]
simulation: {{answer_rate: {answer}, talk_time_sec: {talk}}}
"""
    algo: dict[str, object] = {"type": dialer, "abandonment_rate_target": 0.03}
    algo["dial_ratio"] = live_ratio
    algo["agent_availability_estimate"] = 1.0
    algo["warm_line_timeout_sec"] = 0
    live = campaign_json(
        name,
        type=dialer,
        concurrency={"max_agents": agents + 5, "max_simultaneous_calls": lines + 5},
        algorithm=algo,
    )
    if dialer == "preview":
        live["algorithm"].pop("dial_ratio")
    return doc, live


def build(state: DesiredState, live: object, predict: bool) -> tuple[float, int, int]:
    start = time.perf_counter()
    predictor = make_predictor(state) if predict else None
    plan = build_plan(
        environment=state.environment,
        spec_digest=state.digest,
        desired=desired_resources(state),
        live=live,  # type: ignore[arg-type]
        options=PlanOptions(normalizer=normalizer_for(state)),
        predictor=predictor,
    )
    if predict:
        plan = with_prediction_warnings(plan, state)
    wall = time.perf_counter() - start
    predicted = sum(1 for c in plan.changes if c.prediction)
    return wall, len(plan.changes), predicted


def cli_overhead(spec: Path, lives: list[dict[str, object]], state: Path) -> tuple[float, float]:
    """(plan wall, plan --no-predict wall), each a new `reconciler` process."""
    seed = {"settings": make_tenant()["settings"], "campaigns": lives, "webhooks": []}
    with emulator_process(seed) as emu:
        env = cli_env(emu.url, state)
        with_predictions = run_cli(["plan", str(spec)], env)
        without = run_cli(["plan", str(spec), "--no-predict"], env)
    assert with_predictions.out.count("predicted") > 0, "the plan shows no prediction"
    return with_predictions.seconds, without.seconds


def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench"
        spec.mkdir()
        (spec / "tenant.yaml").write_text(TENANT, encoding="utf-8")
        docs, lives = [], []
        for i in range(CAMPAIGNS):
            doc, live = campaign_yaml(i, rng)
            docs.append(doc)
            lives.append(live)
        (spec / "campaigns.yaml").write_text("".join(docs), encoding="utf-8")
        state = load_desired_state(spec)
        cli_with, cli_without = cli_overhead(spec, lives, Path(tmp) / "state")
    live = live_state(campaigns=lives)
    base, changes, _ = build(state, live, predict=False)
    _predict_cached.cache_clear()
    with_pred, _, predicted = build(state, live, predict=True)
    overhead = with_pred - base
    warm, _, _ = build(state, live, predict=True)
    again = max(0.0, warm - base)  # memoised: within the noise of the plan itself
    print(f"== plan of {changes} changed campaigns ({predicted} with predictions before and after)")
    figure("prediction overhead (CLI processes)", cli_with - cli_without, "s", BOUND_SEC)
    note(f"reconciler plan {cli_with:.2f} s - reconciler plan --no-predict {cli_without:.2f} s")
    figure("planner in process: prediction overhead, cold", overhead, "s", BOUND_SEC, digits=3)
    note(f"plan without predictions {base:.3f} s")
    figure("planner in process: prediction overhead, warm", again, "s", BOUND_SEC, digits=3)


if __name__ == "__main__":
    main()
