"""The values the capacity model takes and gives: Traffic, Pacing, SimulationResult."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from reconciler.dialer_v1.bodies import SettingsBody

TalkTimeDistribution = Literal["exponential", "lognormal"]
Method = Literal["simulation", "analytic"]


@dataclass(frozen=True)
class Traffic:
    """Traffic assumptions: the `simulation:` block of a Tenant or Campaign (README)."""

    answer_rate: float = 0.25  # share of dials answered by a live person, (0, 1]
    talk_time_sec: float = 180.0  # mean talk time, > 0
    wrap_time_sec: float = 0.0  # mean after-call work (exponential), >= 0
    ring_time_sec: float = 20.0  # mean time a dial holds a line before it resolves, > 0
    talk_time_distribution: TalkTimeDistribution = "exponential"

    def __post_init__(self) -> None:
        if not 0 < self.answer_rate <= 1:
            raise ValueError(f"answer_rate must be in (0, 1], not {self.answer_rate}")
        for name in ("talk_time_sec", "ring_time_sec"):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number > 0, not {value}")
        if not (self.wrap_time_sec >= 0 and math.isfinite(self.wrap_time_sec)):
            raise ValueError(
                f"wrap_time_sec must be a finite number >= 0, not {self.wrap_time_sec}"
            )
        if self.talk_time_distribution not in ("exponential", "lognormal"):
            raise ValueError(
                "talk_time_distribution must be 'exponential' or 'lognormal',"
                f" not {self.talk_time_distribution!r}"
            )


@dataclass(frozen=True)
class Pacing:
    """How one campaign dials: its settings body plus the carrier's free trunks."""

    dialer_type: Literal["predictive", "progressive", "preview"]
    agents: int
    dial_ratio: float | None
    max_simultaneous_calls: int
    call_spacing_ms: int = 0
    warm_line_timeout_sec: float = 0.0
    agent_availability_estimate: float = 1.0
    free_trunks: int | None = None  # None: an unlimited carrier

    def __post_init__(self) -> None:
        if self.dialer_type not in ("predictive", "progressive", "preview"):
            raise ValueError(f"unknown dialer_type {self.dialer_type!r}")
        if self.agents < 1 or self.max_simultaneous_calls < 1:
            raise ValueError("agents and max_simultaneous_calls must be >= 1")
        if self.dialer_type == "predictive" and not (
            self.dial_ratio is not None and self.dial_ratio > 0
        ):
            raise ValueError("a predictive dialer needs a dial_ratio > 0")
        if self.call_spacing_ms < 0 or self.warm_line_timeout_sec < 0:
            raise ValueError("call_spacing_ms and warm_line_timeout_sec must be >= 0")
        if not 0 < self.agent_availability_estimate <= 1:
            raise ValueError("agent_availability_estimate must be in (0, 1]")
        if self.free_trunks is not None and self.free_trunks < 0:
            raise ValueError("free_trunks must be >= 0 (or None for an unlimited carrier)")

    @classmethod
    def from_body(cls, body: SettingsBody, free_trunks: int | None) -> Pacing:
        """The pacing of a DialerSettings or Campaign body on a carrier with `free_trunks`."""
        return cls(
            dialer_type=body.type,
            agents=body.concurrency.max_agents,
            dial_ratio=body.algorithm.dial_ratio,
            max_simultaneous_calls=body.concurrency.max_simultaneous_calls,
            call_spacing_ms=body.concurrency.call_spacing_ms,
            warm_line_timeout_sec=float(body.algorithm.warm_line_timeout_sec),
            agent_availability_estimate=body.algorithm.agent_availability_estimate,
            free_trunks=free_trunks,
        )

    @classmethod
    def for_skill(
        cls,
        *,
        agents: int,
        maximum_ratio: float,
        preview: bool,
        abandon_timeout_sec: float,
        free_trunks: int | None,
    ) -> Pacing:
        """The pacing of a Personal Connection skill: `agents` (the skill's staffing, which
        the API does not configure), up to `maximum_ratio` calls per idle agent, a live
        answer held `abandon_timeout_sec` for an agent; every record a preview when the
        skill asks for confirmation by default. A skill has no line cap of its own: the
        dialer never wants more than agents x ratio lines, and the carrier (or the business
        unit's port limit) caps the rest."""
        if preview:
            return cls("preview", agents, None, agents, free_trunks=free_trunks)
        return cls(
            "predictive",
            agents,
            float(maximum_ratio),
            max(1, math.ceil(agents * maximum_ratio)),
            warm_line_timeout_sec=float(abandon_timeout_sec),
            free_trunks=free_trunks,
        )

    @property
    def effective_ratio(self) -> float:
        """Dials per idle agent: the ratio for predictive, 1 for progressive and preview."""
        if self.dialer_type == "predictive" and self.dial_ratio is not None:
            return self.dial_ratio
        return 1.0


@dataclass(frozen=True)
class SimulationResult:
    """The `local` object of the simulate JSON (docs/capacity-model.md, What the model reports).

    Counts are per replication (one `duration_minutes` window), averaged over the
    replications and rounded; `abandonment_rate` is pooled over all replications
    (abandoned / live answers) and its interval comes from the spread between them (with
    no abandonment at all: [0, the exact 95% upper bound for 0 of N live answers]).
    `events` is the total simulated events (warm-up included) over all replications.
    `note` says how the figures were obtained when that is not a plain simulation; it is
    for people and is not part of `to_json`.
    """

    abandonment_rate: float
    abandonment_rate_ci95: tuple[float, float]
    agent_utilization: float
    average_wait_sec: float
    peak_concurrent_calls: int
    calls_blocked_by_carrier: int
    calls_placed: int
    calls_answered: int
    calls_abandoned: int
    replications: int
    events: int
    method: Method
    note: str = ""

    def to_json(self) -> dict[str, object]:
        """The JSON object with exactly the keys docs/capacity-model.md lists."""
        low, high = self.abandonment_rate_ci95
        return {
            "abandonment_rate": _round(self.abandonment_rate),
            "abandonment_rate_ci95": [_round(low), _round(high)],
            "agent_utilization": _round(self.agent_utilization),
            "average_wait_sec": _round(self.average_wait_sec),
            "peak_concurrent_calls": self.peak_concurrent_calls,
            "calls_blocked_by_carrier": self.calls_blocked_by_carrier,
            "calls_placed": self.calls_placed,
            "calls_answered": self.calls_answered,
            "calls_abandoned": self.calls_abandoned,
            "replications": self.replications,
            "events": self.events,
            "method": self.method,
        }


def _round(value: float) -> float:
    # Six decimals: well below any figure a reviewer compares, and stable in golden files.
    return round(value, 6)
