"""The exact stationary solution of the reference pacing model (docs/capacity-model.md, PD-1).

PD-1 is a continuous-time Markov chain on (busy agents b, outstanding dials d): talks end
at rate b/h, dials resolve at rate d/r (a live answer with probability p), and after every
event the dialer tops the outstanding dials up to min(floor(c × idle), cap − b) without
ever cancelling one. Only topped-up states are kept: the top-up is instantaneous, so a
transition lands directly in the topped-up state.

The chain is solved with the GTH (Grassmann–Taksar–Heyman) state reduction: it only adds
and multiplies non-negative numbers, so it is accurate to rounding even when the
probabilities span many orders of magnitude. States are ordered by (b, d); transitions
change b by at most one, so the fill-in stays inside a band of about `cap` states and the
cost is about states × cap², pure Python. Meant for the small chains a test oracle needs
(a few hundred states), not for sizing a 500-agent floor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

# A product c × idle that is an integer in exact arithmetic may land a hair below it in
# floating point (e.g. 1.1 × 10); the floor must not lose that dial.
FLOOR_EPSILON = 1e-9

State = tuple[int, int]


@dataclass(frozen=True)
class PD1Solution:
    """Steady-state figures of PD-1 (rates per second)."""

    abandonment_rate: float  # abandoned / live answers
    occupancy: float  # mean busy agents / agents
    dial_rate: float  # dials launched per second
    answer_rate: float  # live answers per second
    mean_lines_in_use: float  # mean dials in progress + calls in talk
    states: int  # size of the reachable chain


def _top_up(busy: int, dials: int, agents: int, dial_ratio: float, line_cap: int) -> int:
    target = min(int(dial_ratio * (agents - busy) + FLOOR_EPSILON), line_cap - busy)
    return dials if dials >= target else target


def _transitions(
    state: State,
    agents: int,
    dial_ratio: float,
    talk_time_sec: float,
    ring_time_sec: float,
    answer_rate: float,
    line_cap: int,
) -> list[tuple[State, float]]:
    """Outgoing (target, rate) pairs of a topped-up state; self-loops are dropped."""
    busy, dials = state
    moves: list[tuple[State, float]] = []
    if busy:
        moves.append(
            (
                (busy - 1, _top_up(busy - 1, dials, agents, dial_ratio, line_cap)),
                busy / talk_time_sec,
            )
        )
    if dials:
        resolve = dials / ring_time_sec
        # Not answered, or answered with no idle agent (abandoned): either way the line
        # is released and b is unchanged.
        lost = 1.0 - answer_rate if busy < agents else 1.0
        moves.append(
            ((busy, _top_up(busy, dials - 1, agents, dial_ratio, line_cap)), resolve * lost)
        )
        if busy < agents:
            moves.append(
                (
                    (busy + 1, _top_up(busy + 1, dials - 1, agents, dial_ratio, line_cap)),
                    resolve * answer_rate,
                )
            )
    return [(target, rate) for target, rate in moves if target != state and rate > 0]


def solve_pd1(
    agents: int,
    dial_ratio: float,
    talk_time_sec: float,
    ring_time_sec: float,
    answer_rate: float,
    line_cap: int,
) -> PD1Solution:
    """Exact stationary figures of PD-1 with n agents, ratio c, means h and r, answer p."""
    if agents < 1 or line_cap < 1:
        raise ValueError("agents and line_cap must be >= 1")
    if not (dial_ratio > 0 and talk_time_sec > 0 and ring_time_sec > 0):
        raise ValueError("dial_ratio, talk_time_sec and ring_time_sec must be > 0")
    if not 0 < answer_rate <= 1:
        raise ValueError("answer_rate must be in (0, 1]")
    start = (0, _top_up(0, 0, agents, dial_ratio, line_cap))
    if start[1] == 0:
        raise ValueError("the dialer never dials: floor(dial_ratio × agents) is 0")
    graph: dict[State, list[tuple[State, float]]] = {}
    frontier = [start]
    while frontier:
        state = frontier.pop()
        if state in graph:
            continue
        graph[state] = _transitions(
            state, agents, dial_ratio, talk_time_sec, ring_time_sec, answer_rate, line_cap
        )
        frontier.extend(target for target, _ in graph[state] if target not in graph)
    order = sorted(graph)
    index = {state: i for i, state in enumerate(order)}
    rates = [{index[t]: rate for t, rate in graph[s]} for s in order]
    pi = stationary_gth(rates)
    dial_rate = sum(p * d / ring_time_sec for p, (_, d) in zip(pi, order, strict=True))
    abandoned = sum(
        p * d / ring_time_sec * answer_rate
        for p, (b, d) in zip(pi, order, strict=True)
        if b == agents
    )
    answers = dial_rate * answer_rate
    return PD1Solution(
        abandonment_rate=abandoned / answers if answers else 0.0,
        occupancy=sum(p * b for p, (b, _) in zip(pi, order, strict=True)) / agents,
        dial_rate=dial_rate,
        answer_rate=answers,
        mean_lines_in_use=sum(p * (b + d) for p, (b, d) in zip(pi, order, strict=True)),
        states=len(order),
    )


def stationary_gth(rates: list[dict[int, float]]) -> list[float]:
    """Stationary distribution of an irreducible CTMC given as rows {target: rate}."""
    size = len(rates)
    rows = [dict(row) for row in rates]
    cols: dict[int, set[int]] = defaultdict(set)
    for i, row in enumerate(rows):
        row.pop(i, None)
        for j in row:
            cols[j].add(i)
    exits = [0.0] * size
    for k in range(size - 1, 0, -1):
        outs = [(j, rate) for j, rate in rows[k].items() if j < k]
        total = sum(rate for _, rate in outs)
        if total <= 0:
            raise ValueError("the chain is not irreducible: a state cannot reach lower states")
        exits[k] = total
        for i in cols[k]:
            if i >= k:
                continue
            row_i = rows[i]
            share = row_i[k] / total
            row_i[k] = share
            for j, rate in outs:
                if j != i:
                    row_i[j] = row_i.get(j, 0.0) + share * rate
                    cols[j].add(i)
    pi = [0.0] * size
    pi[0] = 1.0
    # rows[i][k] now holds the reduced rate i -> k divided by k's exit rate.
    incoming: list[list[tuple[int, float]]] = [[] for _ in range(size)]
    for i, row in enumerate(rows):
        for k, share in row.items():
            if i < k:
                incoming[k].append((i, share))
    for k in range(1, size):
        pi[k] = sum(pi[i] * share for i, share in incoming[k])
    norm = sum(pi)
    return [p / norm for p in pi]
