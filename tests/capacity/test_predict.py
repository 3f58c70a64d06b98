"""Predictions for the plan: closed form where exact, bounded simulation otherwise."""

from __future__ import annotations

import pytest

from reconciler.capacity.model import Pacing, Traffic
from reconciler.capacity.pacing import simulate
from reconciler.capacity.predict import (
    FAST_EVENT_BUDGET,
    FAST_REPLICATIONS,
    closed_form,
    predict,
)

BASE = Traffic()


@pytest.mark.parametrize(
    "pacing",
    [
        Pacing("progressive", 10, 1.0, 10),
        Pacing("preview", 10, None, 50, agent_availability_estimate=0.4),
        Pacing("predictive", 10, 1.0, 10, free_trunks=10),
    ],
)
def test_one_call_per_agent_is_predicted_in_closed_form(pacing: Pacing) -> None:
    traffic = Traffic(wrap_time_sec=20.0)
    result = predict(pacing, traffic)
    assert result.method == "analytic"
    assert "closed form" in result.note
    assert result.abandonment_rate == 0.0
    assert result.agent_utilization == pytest.approx(200 / 280)
    # The simulation agrees with the closed form within its interval.
    simulated = simulate(pacing, traffic, duration_minutes=240, replications=6)
    assert simulated.calls_abandoned == 0
    assert simulated.agent_utilization == pytest.approx(200 / 280, abs=0.02)
    assert simulated.calls_answered / 4 == pytest.approx(result.calls_answered, rel=0.05)


@pytest.mark.parametrize(
    "pacing",
    [
        Pacing("progressive", 10, 1.0, 9),  # the cap is below one line per agent
        Pacing("progressive", 10, 1.0, 10, free_trunks=5),
        Pacing("progressive", 10, 1.0, 10, call_spacing_ms=500),
        Pacing("progressive", 10, 1.0, 10, agent_availability_estimate=0.5),
        Pacing("predictive", 10, 1.5, 100),
    ],
)
def test_no_closed_form_outside_its_assumptions(pacing: Pacing) -> None:
    assert closed_form(pacing, BASE) is None
    assert predict(pacing, BASE).method == "simulation"


def test_fast_prediction_is_close_to_a_full_run() -> None:
    pacing = Pacing("predictive", 20, 2.0, 100)
    fast = predict(pacing, BASE)
    full = predict(pacing, BASE, budget="full")
    assert fast.method == full.method == "simulation"
    assert fast.replications == FAST_REPLICATIONS
    assert full.replications == 10
    assert "fast prediction" in fast.note
    assert fast.agent_utilization == pytest.approx(full.agent_utilization, abs=0.04)
    # Counts are per 60 minutes whatever window the fast run measured.
    assert fast.calls_answered == pytest.approx(full.calls_answered, rel=0.15)
    low, high = fast.abandonment_rate_ci95
    assert low <= full.abandonment_rate <= high


def test_fast_prediction_cost_is_bounded_for_the_largest_floor() -> None:
    pacing = Pacing("predictive", 5000, 3.0, 15000)
    result = predict(pacing, BASE)
    # The measured windows are capped at the budget; the warm-up adds at most about a
    # quarter of it per replication (plus the estimate's error).
    assert 0 < result.events <= 2 * FAST_EVENT_BUDGET
    assert result.calls_answered > 0
    assert 0.5 < result.agent_utilization <= 1.0


def test_predictions_are_memoised_and_seeded() -> None:
    pacing = Pacing("predictive", 12, 2.2, 100)
    first = predict(pacing, BASE, seed=3)
    assert predict(Pacing("predictive", 12, 2.2, 100), Traffic(), seed=3) is first
    assert predict(pacing, BASE, seed=4) != first


def test_an_unknown_budget_is_refused() -> None:
    with pytest.raises(ValueError):
        predict(Pacing("predictive", 12, 2.2, 100), BASE, budget="slow")  # type: ignore[arg-type]
