"""The capacity model's values: building Pacing from a body, validation, statistics."""

from __future__ import annotations

import pytest

from reconciler.capacity.model import Pacing, Traffic
from reconciler.capacity.stats import mean_ci95, ratio_ci95, t95
from reconciler.dialer_v1.bodies import CampaignBody, SettingsBody

SETTINGS = {
    "name": "Tenant dialer",
    "type": "predictive",
    "concurrency": {"max_agents": 50, "max_simultaneous_calls": 150, "call_spacing_ms": 250},
    "algorithm": {
        "type": "predictive",
        "dial_ratio": 3.0,
        "agent_availability_estimate": 0.9,
        "warm_line_timeout_sec": 2,
    },
}


def test_pacing_from_a_settings_body() -> None:
    pacing = Pacing.from_body(SettingsBody.model_validate(SETTINGS), free_trunks=82)
    assert pacing == Pacing(
        dialer_type="predictive",
        agents=50,
        dial_ratio=3.0,
        max_simultaneous_calls=150,
        call_spacing_ms=250,
        warm_line_timeout_sec=2.0,
        agent_availability_estimate=0.9,
        free_trunks=82,
    )
    assert isinstance(pacing.warm_line_timeout_sec, float)
    assert pacing.effective_ratio == 3.0


def test_pacing_from_a_progressive_campaign_body() -> None:
    body = CampaignBody.model_validate(
        {
            "name": "Collections_East",
            "type": "progressive",
            "concurrency": {"max_agents": 20, "max_simultaneous_calls": 20},
            "algorithm": {"type": "progressive"},
            "calling_hours": {"start": "08:00", "end": "21:00", "timezone": "America/New_York"},
            "dnc_lists": ["national"],
        }
    )
    pacing = Pacing.from_body(body, free_trunks=None)
    assert pacing.dialer_type == "progressive"
    assert pacing.dial_ratio == 1.0
    assert pacing.free_trunks is None
    assert pacing.effective_ratio == 1.0
    assert hash(pacing) == hash(Pacing.from_body(body, free_trunks=None))


@pytest.mark.parametrize(
    "fields",
    [
        {"answer_rate": 0.0},
        {"answer_rate": 1.5},
        {"talk_time_sec": 0.0},
        {"ring_time_sec": -1.0},
        {"wrap_time_sec": -0.1},
        {"talk_time_sec": float("inf")},
        {"talk_time_distribution": "gamma"},
    ],
)
def test_traffic_refuses_impossible_assumptions(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Traffic(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"dialer_type": "predictive", "agents": 5, "dial_ratio": None},
        {"dialer_type": "robocall", "agents": 5, "dial_ratio": 1.0},
        {"dialer_type": "predictive", "agents": 0, "dial_ratio": 2.0},
        {"dialer_type": "predictive", "agents": 5, "dial_ratio": 2.0, "free_trunks": -1},
        {
            "dialer_type": "predictive",
            "agents": 5,
            "dial_ratio": 2.0,
            "agent_availability_estimate": 0.0,
        },
    ],
)
def test_pacing_refuses_impossible_settings(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Pacing(max_simultaneous_calls=10, **fields)  # type: ignore[arg-type]


def test_t_quantiles() -> None:
    assert t95(1) == 12.706
    assert t95(9) == 2.262
    assert t95(35) == 2.042  # between tables: the smaller df, wider
    assert t95(1000) == 1.960
    with pytest.raises(ValueError):
        t95(0)


def test_ratio_interval() -> None:
    low, high = ratio_ci95([10.0, 12.0, 11.0], [100.0, 100.0, 100.0])
    # Equal denominators: the t-interval of the per-replication ratios.
    assert low == pytest.approx(0.11 - 4.303 * 0.01 / 3**0.5)
    assert high == pytest.approx(0.11 + 4.303 * 0.01 / 3**0.5)
    assert ratio_ci95([1.0, 3.0, 2.0], [100.0, 100.0, 100.0])[0] == 0.0  # clamped: a share
    # No abandonment in 110 answers does not prove a zero rate: exact upper bound for 0/110.
    assert ratio_ci95([0.0, 0.0], [50.0, 60.0]) == (0.0, pytest.approx(0.03298, abs=1e-5))
    assert ratio_ci95([0.0, 0.0], [0.0, 0.0]) == (0.0, 0.0)
    assert ratio_ci95([1.0], [10.0]) == (0.0, 1.0)
    assert mean_ci95([2.0, 4.0]) == pytest.approx((3 - 12.706, 3 + 12.706))
