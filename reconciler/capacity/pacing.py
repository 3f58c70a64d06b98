"""A seeded discrete-event simulation of one campaign's pacing.

Baseline: PD-1 (docs/capacity-model.md), exactly. n agents; each dial holds a line for Exp(mean r),
then is a live answer with probability p, else the line is released; a live answer with
an idle agent connects at once and talks for Exp(mean h) holding its line; with no idle
agent it is abandoned. After every event the outstanding dials are topped up to
floor(c × idle agents), never beyond the line cap, and never cancelled. Abandonment rate =
abandoned / live answers. `markov.solve_pd1` solves the same chain exactly; the tests hold
the two together.

Extensions, each off in the baseline configuration:
- Wrap-up (`wrap_time_sec` > 0): after a talk the line is released at once and the agent
  stays busy for Exp(mean wrap) of after-call work before being idle again. Utilisation
  counts talk and wrap time.
- Call spacing (`call_spacing_ms` > 0): two dial launches are at least that far apart;
  dials the pacing wants earlier are launched one by one as the gap allows.
- Warm line (`warm_line_timeout_sec` > 0): a live answer that finds no idle agent waits,
  holding its line, first come first served, for up to the timeout; an agent who frees
  up takes the oldest waiting call. Regulation (docs/capacity-model.md): a call connected within 2 s
  of the answer is not abandoned; one connected later, or dropped at the timeout, is.
  `average_wait_sec` is the mean over live answers of the time waited for an agent.
- Lognormal talk times: same mean h, coefficient of variation 1.0 (so also the same
  variance as the exponential, and only the shape, a heavier right tail with most talks
  shorter than the mean, differs).
- Agent availability estimate e (< 1): the pacing discounts the idle agents it sees and
  targets floor(c × idle × e) dials; it only ever damps, and never stops a dialer that
  would dial without it: if floor(c × idle) >= 1 the target is at least 1. With e = 1
  this is PD-1's floor(c × idle).
- The line cap: ringing dials + calls in talk + calls waiting on the warm line never
  exceed `max_simultaneous_calls`; the dialer does not try beyond it.
- Carrier free trunks: this campaign's lines are the carrier's busy trunks. A launch
  that finds every free trunk in use is blocked and counted in `calls_blocked_by_carrier`;
  the dialer stops trying until the next event (so one blocked attempt per event at most).
- Progressive dials exactly one call per idle agent (c = 1); the estimate applies as for
  predictive. Since every dial is matched to an idle agent it never abandons.
- Preview: the agent starts the call, one per idle agent (c = 1, the estimate is not
  used), and stays with it; no abandonment. The preview reading time is not modelled, so
  in these figures preview behaves like progressive with e = 1.

Each replication starts near the fluid steady state (talking and wrapping agents from the
flow balance h·p·c·e/r) rather than empty, then runs a warm-up whose events are simulated
but not counted, then measures `duration_minutes`. Replication i draws from its own
`random.Random` seeded by (seed, i): the same seed gives the same figures.
"""

from __future__ import annotations

import heapq
import math
import random
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from reconciler.capacity.markov import FLOOR_EPSILON
from reconciler.capacity.model import Pacing, SimulationResult, Traffic
from reconciler.capacity.stats import ratio_ci95

CONNECT_WINDOW_SEC = 2.0  # 47 CFR 64.1200(a)(7), Ofcom, CRTC: connect within 2 s
LOGNORMAL_CV = 1.0

_RING_END, _TALK_END, _WRAP_END, _WARM_TIMEOUT, _SPACING = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class ReplicationFigures:
    """What one replication counted in its measured window."""

    placed: int
    answered: int
    abandoned: int
    blocked: int
    busy_agent_seconds: float
    measured_sec: float  # the window actually measured (shorter if max_events cut it)
    wait_seconds: float
    peak_lines: int
    events: int  # warm-up included


def default_warmup_sec(traffic: Traffic) -> float:
    """Two mean agent cycles plus a ring: the start-up transient is then negligible."""
    return 2.0 * (traffic.talk_time_sec + traffic.wrap_time_sec) + traffic.ring_time_sec


def simulate(
    pacing: Pacing,
    traffic: Traffic,
    *,
    duration_minutes: float = 60,
    replications: int = 10,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    warmup_sec: float | None = None,
) -> SimulationResult:
    """Simulate `replications` independent `duration_minutes` windows of the campaign."""
    if replications < 1:
        raise ValueError("replications must be >= 1")
    if not duration_minutes > 0:
        raise ValueError("duration_minutes must be > 0")
    window = duration_minutes * 60.0
    warmup = default_warmup_sec(traffic) if warmup_sec is None else warmup_sec
    runs: list[ReplicationFigures] = []
    for i in range(replications):
        rng = random.Random(f"reconciler.capacity/{seed}/{i}")
        runs.append(run_replication(pacing, traffic, rng, warmup_sec=warmup, window_sec=window))
        if progress is not None:
            progress(i + 1, replications)
    return summarise(runs, pacing.agents, window)


def summarise(
    runs: list[ReplicationFigures], agents: int, report_window_sec: float
) -> SimulationResult:
    """Pool replications into a SimulationResult, counts per `report_window_sec`, rounded."""
    measured = sum(r.measured_sec for r in runs)
    windows = measured / report_window_sec if measured > 0 else 1.0
    answered = sum(r.answered for r in runs)
    abandoned = sum(r.abandoned for r in runs)
    return SimulationResult(
        abandonment_rate=abandoned / answered if answered else 0.0,
        abandonment_rate_ci95=ratio_ci95(
            [float(r.abandoned) for r in runs], [float(r.answered) for r in runs]
        ),
        agent_utilization=(
            sum(r.busy_agent_seconds for r in runs) / (agents * measured) if measured else 0.0
        ),
        average_wait_sec=sum(r.wait_seconds for r in runs) / answered if answered else 0.0,
        peak_concurrent_calls=max(r.peak_lines for r in runs),
        calls_blocked_by_carrier=round(sum(r.blocked for r in runs) / windows),
        calls_placed=round(sum(r.placed for r in runs) / windows),
        calls_answered=round(answered / windows),
        calls_abandoned=round(abandoned / windows),
        replications=len(runs),
        events=sum(r.events for r in runs),
        method="simulation",
    )


def run_replication(
    pacing: Pacing,
    traffic: Traffic,
    rng: random.Random,
    *,
    warmup_sec: float,
    window_sec: float,
    max_events: int | None = None,
) -> ReplicationFigures:
    """One replication: fluid warm start, warm-up, then `window_sec` measured.

    `max_events` caps the events of the measured window: the window ends early when they
    are spent (a hard bound on the cost, whatever the floor size), `measured_sec` says so.
    """
    agents = pacing.agents
    preview = pacing.dialer_type == "preview"
    ratio = pacing.effective_ratio
    estimate = 1.0 if preview else pacing.agent_availability_estimate
    damped = ratio * estimate
    damping = estimate < 1.0
    cap = pacing.max_simultaneous_calls
    trunks = pacing.free_trunks if pacing.free_trunks is not None else cap + 1
    spacing = pacing.call_spacing_ms / 1000.0
    warm = pacing.warm_line_timeout_sec
    answer_p = traffic.answer_rate
    wrap_rate = 1.0 / traffic.wrap_time_sec if traffic.wrap_time_sec > 0 else 0.0

    expo = rng.expovariate
    rand = rng.random
    ring_time = partial(expo, 1.0 / traffic.ring_time_sec)
    talk_time = _talk_sampler(rng, traffic)
    push = heapq.heappush
    pop = heapq.heappop
    heap: list[tuple[float, int]] = []
    queue: deque[float] = deque()  # warm-line deadlines, oldest first

    talking, wrapping = _fluid_start(pacing, traffic, damped)
    for _ in range(talking):
        push(heap, (talk_time(), _TALK_END))
    for _ in range(wrapping):
        push(heap, (expo(wrap_rate), _WRAP_END))
    idle = agents - talking - wrapping
    ringing = waiting = 0
    lines = talking

    placed = answered = abandoned = blocked = events = 0
    busy_area = wait_sum = 0.0
    peak = lines
    next_launch = 0.0
    spacing_pending = False
    t = last = 0.0
    stop = warmup_sec
    end = warmup_sec + window_sec
    measuring = False
    limit = sys.maxsize
    while True:
        # Pacing: top the outstanding dials up after every event (and at the start).
        if idle:
            target = idle if preview else int(damped * idle + FLOOR_EPSILON)
            if damping and target == 0 and ratio * idle + FLOOR_EPSILON >= 1.0:
                target = 1
            need = target - ringing
            if need > 0:
                room = cap - lines
                if need > room:
                    need = room
                while need > 0:
                    if t < next_launch:
                        if not spacing_pending:
                            push(heap, (next_launch, _SPACING))
                            spacing_pending = True
                        break
                    if lines >= trunks:
                        blocked += 1
                        break
                    ringing += 1
                    lines += 1
                    placed += 1
                    push(heap, (t + ring_time(), _RING_END))
                    next_launch = t + spacing
                    need -= 1
                if lines > peak:
                    peak = lines
        if events >= limit:
            end = t  # the event budget is spent: the measured window ends here
            break
        if not heap:
            # Nothing in flight and nothing to dial: the floor stays idle to the end.
            if not measuring:
                placed = answered = abandoned = blocked = 0
                wait_sum = 0.0
                peak = lines
            busy_area = busy_area if measuring else 0.0
            break
        when, kind = pop(heap)
        if when > stop:
            busy_area += (agents - idle) * (stop - last)
            last = stop
            if measuring:
                break
            # End of the warm-up: keep the state, forget what was counted.
            measuring = True
            if max_events is not None:
                limit = events + max_events
            placed = answered = abandoned = blocked = 0
            busy_area = wait_sum = 0.0
            peak = lines
            stop = end
            if when > stop:
                busy_area += (agents - idle) * (stop - last)
                break
        busy_area += (agents - idle) * (when - last)
        last = t = when
        events += 1

        if kind == _RING_END:
            ringing -= 1
            if rand() < answer_p:
                answered += 1
                if idle:
                    idle -= 1
                    talking += 1
                    push(heap, (t + talk_time(), _TALK_END))
                elif warm > 0.0:
                    waiting += 1
                    queue.append(t + warm)
                    push(heap, (t + warm, _WARM_TIMEOUT))
                else:
                    abandoned += 1
                    lines -= 1
            else:
                lines -= 1
            continue
        if kind == _TALK_END:
            talking -= 1
            lines -= 1
            if wrap_rate:
                wrapping += 1
                push(heap, (t + expo(wrap_rate), _WRAP_END))
                continue
        elif kind == _WRAP_END:
            wrapping -= 1
        elif kind == _WARM_TIMEOUT:
            while queue and queue[0] <= t:
                queue.popleft()
                waiting -= 1
                lines -= 1
                abandoned += 1
                wait_sum += warm
            continue
        else:  # _SPACING
            spacing_pending = False
            continue
        # An agent is free (talk ended without wrap-up, or wrap-up ended).
        if waiting:
            waited = t - (queue.popleft() - warm)
            waiting -= 1
            wait_sum += waited
            if waited > CONNECT_WINDOW_SEC:
                abandoned += 1
            talking += 1
            push(heap, (t + talk_time(), _TALK_END))
        else:
            idle += 1

    return ReplicationFigures(
        placed=placed,
        answered=answered,
        abandoned=abandoned,
        blocked=blocked,
        busy_agent_seconds=busy_area,
        measured_sec=end - warmup_sec if measuring else window_sec,
        wait_seconds=wait_sum,
        peak_lines=peak,
        events=events,
    )


def _talk_sampler(rng: random.Random, traffic: Traffic) -> Callable[[], float]:
    mean = traffic.talk_time_sec
    if traffic.talk_time_distribution == "lognormal":
        sigma = math.sqrt(math.log(1.0 + LOGNORMAL_CV**2))
        return partial(rng.lognormvariate, math.log(mean) - sigma * sigma / 2.0, sigma)
    return partial(rng.expovariate, 1.0 / mean)


def _fluid_start(pacing: Pacing, traffic: Traffic, damped_ratio: float) -> tuple[int, int]:
    """(talking, wrapping) agents of the fluid steady state, within the line cap.

    Flow balance with every answer connected: talks start at p·c·e·idle/r and end at
    talking/h, so talking = k·idle with k = h·p·c·e/r, and wrapping = talking·wrap/h.
    """
    h, w = traffic.talk_time_sec, traffic.wrap_time_sec
    k = h * traffic.answer_rate * damped_ratio / traffic.ring_time_sec
    idle = pacing.agents / (1.0 + k * (1.0 + w / h))
    talking = min(round(k * idle), pacing.agents, pacing.max_simultaneous_calls)
    if pacing.free_trunks is not None:
        talking = min(talking, pacing.free_trunks)
    wrapping = min(round(k * idle * w / h), pacing.agents - talking)
    return talking, wrapping
