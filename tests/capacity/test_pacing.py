"""The simulation against PD-1 (closed forms and the exact chain) and its extensions."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import pytest

from reconciler.capacity.markov import solve_pd1
from reconciler.capacity.model import Pacing, SimulationResult, Traffic
from reconciler.capacity.pacing import ReplicationFigures, run_replication, simulate
from reconciler.capacity.stats import mean_ci95

BASE = Traffic()  # p 0.25, h 180 s, r 20 s, wrap 0, exponential: PD-1's example
WINDOW = 4 * 3600.0


def replications(pacing: Pacing, traffic: Traffic, count: int = 12) -> list[ReplicationFigures]:
    return [
        run_replication(
            pacing, traffic, random.Random(f"test/{i}"), warmup_sec=600.0, window_sec=WINDOW
        )
        for i in range(count)
    ]


def ci(values: list[float]) -> tuple[float, float]:
    return mean_ci95(values)


def predictive(agents: int, ratio: float, cap: int = 10_000, **extra: object) -> Pacing:
    return Pacing("predictive", agents, ratio, cap, **extra)  # type: ignore[arg-type]


def test_baseline_ratio_one_meets_the_closed_forms() -> None:
    runs = replications(predictive(10, 1.0), BASE)
    occupancy = ci([r.busy_agent_seconds / (10 * WINDOW) for r in runs])
    dial_rate = ci([r.placed / WINDOW for r in runs])
    assert occupancy[0] <= 0.692308 <= occupancy[1]
    assert dial_rate[0] <= 0.153846 <= dial_rate[1]
    assert sum(r.abandoned for r in runs) == 0
    assert sum(r.answered for r in runs) > 1000
    assert max(r.peak_lines for r in runs) == 10  # lines in use = n, exactly


@pytest.mark.parametrize(
    ("agents", "ratio", "cap"), [(10, 2.0, 1000), (10, 3.0, 1000), (8, 3.0, 14)]
)
def test_baseline_matches_the_exact_chain(agents: int, ratio: float, cap: int) -> None:
    exact = solve_pd1(agents, ratio, 180.0, 20.0, 0.25, cap)
    result = simulate(predictive(agents, ratio, cap), BASE, duration_minutes=240, replications=12)
    low, high = result.abandonment_rate_ci95
    assert low <= exact.abandonment_rate <= high
    assert high - low < 0.5 * exact.abandonment_rate  # the interval is informative
    runs = replications(predictive(agents, ratio, cap), BASE)
    occupancy = ci([r.busy_agent_seconds / (agents * WINDOW) for r in runs])
    assert occupancy[0] <= exact.occupancy <= occupancy[1]
    dial_rate = ci([r.placed / WINDOW for r in runs])
    assert dial_rate[0] <= exact.dial_rate <= dial_rate[1]
    assert max(r.peak_lines for r in runs) <= cap


def test_abandonment_rises_with_the_dial_ratio() -> None:
    results = [simulate(predictive(20, c), BASE, replications=8) for c in (1.5, 2.5, 4.0)]
    for lower, higher in itertools.pairwise(results):
        assert lower.abandonment_rate_ci95[1] < higher.abandonment_rate_ci95[0]


def test_abandonment_falls_as_agents_grow_at_a_fixed_ratio() -> None:
    results = [simulate(predictive(n, 2.5), BASE, replications=8) for n in (4, 16, 64)]
    for smaller, larger in itertools.pairwise(results):
        assert larger.abandonment_rate_ci95[1] < smaller.abandonment_rate_ci95[0]


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"wrap_time_sec": 30.0},
        {"talk_time_distribution": "lognormal"},
    ],
)
@pytest.mark.parametrize("dialer", ["progressive", "preview"])
def test_one_call_per_agent_never_abandons(variant: dict[str, object], dialer: str) -> None:
    traffic = replace(BASE, **variant)  # type: ignore[arg-type]
    ratio = 1.0 if dialer == "progressive" else None
    for pacing in (
        Pacing(dialer, 12, ratio, 100),  # type: ignore[arg-type]
        Pacing(dialer, 12, ratio, 100, call_spacing_ms=3000, warm_line_timeout_sec=5.0),  # type: ignore[arg-type]
        Pacing(dialer, 12, ratio, 6, agent_availability_estimate=0.5),  # type: ignore[arg-type]
    ):
        result = simulate(pacing, traffic, replications=3)
        assert result.calls_abandoned == 0
        assert result.abandonment_rate == 0.0
        assert result.average_wait_sec == 0.0
        assert result.calls_answered > 0


@pytest.mark.parametrize("distribution", ["exponential", "lognormal"])
def test_wrap_up_keeps_agents_busy_as_renewal_theory_says(distribution: str) -> None:
    # One call per idle agent: each agent cycles r/p ringing, h talking, w wrapping.
    traffic = Traffic(wrap_time_sec=60.0, talk_time_distribution=distribution)  # type: ignore[arg-type]
    runs = replications(Pacing("progressive", 10, 1.0, 100), traffic)
    occupancy = ci([r.busy_agent_seconds / (10 * WINDOW) for r in runs])
    assert occupancy[0] <= 240 / (240 + 80) <= occupancy[1]


def test_same_seed_same_figures_other_seed_other_figures() -> None:
    pacing = predictive(15, 2.5, warm_line_timeout_sec=4.0, call_spacing_ms=200)
    first = simulate(pacing, BASE, duration_minutes=30, replications=3, seed=11)
    again = simulate(pacing, BASE, duration_minutes=30, replications=3, seed=11)
    other = simulate(pacing, BASE, duration_minutes=30, replications=3, seed=12)
    assert first == again
    assert first != other


def test_progress_reports_each_replication() -> None:
    seen: list[tuple[int, int]] = []
    simulate(predictive(5, 2.0), BASE, duration_minutes=5, replications=3,
             progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_the_carrier_blocks_dials_beyond_its_free_trunks() -> None:
    capped = simulate(predictive(50, 3.0, 150, free_trunks=40), BASE, replications=3)
    assert capped.calls_blocked_by_carrier > 0
    assert capped.peak_concurrent_calls <= 40
    roomy = simulate(predictive(50, 3.0, 150, free_trunks=150), BASE, replications=3)
    assert roomy.calls_blocked_by_carrier == 0
    assert roomy.peak_concurrent_calls <= 150


def test_the_dialer_never_exceeds_its_simultaneous_call_cap() -> None:
    result = simulate(predictive(50, 3.0, 60), BASE, replications=3)
    assert result.peak_concurrent_calls == 60  # the cap binds and is reached
    assert result.calls_blocked_by_carrier == 0


def test_call_spacing_limits_the_launch_rate() -> None:
    result = simulate(predictive(50, 3.0, call_spacing_ms=10_000), BASE, replications=2)
    assert 350 <= result.calls_placed <= 361  # at most one launch per 10 s in 60 minutes
    unspaced = simulate(predictive(50, 3.0), BASE, replications=2)
    assert unspaced.calls_placed > 3 * result.calls_placed


def test_warm_line_waits_count_as_abandoned_after_two_seconds() -> None:
    # Short talks free an agent every 3 s on average, so a 2 s hold often finds one.
    traffic = Traffic(answer_rate=0.5, talk_time_sec=30.0, ring_time_sec=10.0)
    pacing = predictive(10, 3.0)
    none, two, long = (
        simulate(replace(pacing, warm_line_timeout_sec=hold), traffic, replications=6)
        for hold in (0.0, 2.0, 60.0)
    )
    assert none.average_wait_sec == 0.0
    assert 0.0 < two.average_wait_sec <= 2.0
    assert long.average_wait_sec > two.average_wait_sec
    # Holding for 2 s saves the calls an agent takes within the window...
    assert two.abandonment_rate_ci95[1] < none.abandonment_rate_ci95[0]
    # ...a longer hold saves none more for the regulation (docs/capacity-model.md): it is no better.
    assert long.abandonment_rate >= two.abandonment_rate_ci95[0]


def test_an_availability_estimate_below_one_damps_the_pacing() -> None:
    full = simulate(predictive(20, 3.0), BASE, replications=6)
    damped = simulate(predictive(20, 3.0, agent_availability_estimate=0.5), BASE, replications=6)
    assert damped.abandonment_rate_ci95[1] < full.abandonment_rate_ci95[0]
    assert damped.calls_placed < full.calls_placed
    # A damped estimate still dials for a single idle agent.
    tiny = simulate(predictive(1, 1.5, agent_availability_estimate=0.3), BASE, replications=2)
    assert tiny.calls_answered > 0


def test_to_json_has_exactly_the_documented_keys() -> None:
    result = simulate(predictive(10, 2.0), BASE, duration_minutes=10, replications=2)
    data = result.to_json()
    assert list(data) == [
        "abandonment_rate", "abandonment_rate_ci95", "agent_utilization", "average_wait_sec",
        "peak_concurrent_calls", "calls_blocked_by_carrier", "calls_placed", "calls_answered",
        "calls_abandoned", "replications", "events", "method",
    ]  # fmt: skip
    assert data["method"] == "simulation"
    assert isinstance(result, SimulationResult)
    assert result.events > 0


def test_invalid_runs_are_refused() -> None:
    with pytest.raises(ValueError):
        simulate(predictive(10, 2.0), BASE, replications=0)
    with pytest.raises(ValueError):
        simulate(predictive(10, 2.0), BASE, duration_minutes=0)
