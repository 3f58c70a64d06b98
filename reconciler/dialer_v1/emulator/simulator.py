"""POST /dialer/simulator/run: the emulator's OWN capacity model (contract §10).

Deliberately simple and closed-form (Erlang B on lines and on agents) so answers are
deterministic and instant. Clients must show these figures as the API's and never
assume they match the project's local simulation.
"""

from __future__ import annotations

import math
from typing import Any

import pydantic

from reconciler.dialer_v1.bodies import Algorithm, Body, Concurrency
from reconciler.dialer_v1.emulator.bodies import InvalidBody, details_of

JsonDict = dict[str, Any]

# The emulator's fixed traffic assumptions (a real tenant would use its own history).
ANSWER_RATE = 0.3
TALK_TIME_SEC = 180.0
RING_TIME_SEC = 20.0


class CarrierLimits(Body):
    maxConcurrent: int = pydantic.Field(ge=1, le=100000)


class SimulatorRequestBody(Body):
    durationMinutes: int = pydantic.Field(ge=1, le=1440)
    concurrency: Concurrency
    algorithm: Algorithm
    simulatedCallVolume: int = pydantic.Field(ge=0, le=10_000_000)
    carrierLimits: CarrierLimits | None = None


def erlang_b(traffic: float, servers: int) -> float:
    """Blocking probability for `traffic` Erlangs on `servers`, by the stable recursion."""
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def run_simulation(data: Any) -> JsonDict:
    """The simulator's answer for a request body, or InvalidBody."""
    if not isinstance(data, dict):
        raise InvalidBody([{"field": "body", "message": "the body must be a JSON object"}])
    try:
        req = SimulatorRequestBody.model_validate(data)
    except pydantic.ValidationError as exc:
        raise InvalidBody(details_of(exc)) from exc
    seconds = req.durationMinutes * 60.0
    agents = max(
        1, math.floor(req.concurrency.max_agents * req.algorithm.agent_availability_estimate)
    )
    ratio = req.algorithm.dial_ratio or 1.0
    # Lines: dials in flight (up to agents x ratio) plus calls in talk (up to agents).
    lines = min(req.concurrency.max_simultaneous_calls, math.ceil(agents * ratio) + agents)
    if req.carrierLimits is not None:
        lines = min(lines, req.carrierLimits.maxConcurrent)
    volume = req.simulatedCallVolume
    dial_rate = volume / seconds
    line_traffic = dial_rate * (RING_TIME_SEC + ANSWER_RATE * TALK_TIME_SEC)
    blocked = round(volume * erlang_b(line_traffic, lines))
    answered = (volume - blocked) * ANSWER_RATE
    agent_traffic = answered / seconds * TALK_TIME_SEC
    abandonment = erlang_b(agent_traffic, agents) if ratio > 1.0 else 0.0
    connected = round(answered * (1 - abandonment))
    utilization = min(1.0, connected * TALK_TIME_SEC / (agents * seconds))
    idle_agent_seconds = agents * seconds * (1 - utilization)
    wait = idle_agent_seconds / connected if connected else seconds
    peak = min(lines, math.ceil(line_traffic + 2 * math.sqrt(line_traffic)))
    return {
        "predictedAbandonmentRate": round(abandonment, 4),
        "agentUtilization": round(utilization, 4),
        "averageWaitTimeSec": round(wait, 2),
        "peakConcurrentCalls": peak,
        "callsBlockedByCarrier": blocked,
        "callsPlaced": volume,
        "callsConnected": connected,
    }
