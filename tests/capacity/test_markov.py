"""The exact PD-1 solver: closed forms, an independent dense solve, and the limits."""

from __future__ import annotations

import pytest

from reconciler.capacity.markov import _transitions, solve_pd1, stationary_gth


def test_closed_forms_for_ratio_one() -> None:
    solution = solve_pd1(10, 1.0, 180.0, 20.0, 0.25, 1000)
    assert solution.abandonment_rate == 0.0
    assert solution.occupancy == pytest.approx(180 / (180 + 20 / 0.25), rel=1e-12)
    assert solution.occupancy == pytest.approx(0.692308, abs=5e-7)
    assert solution.dial_rate == pytest.approx(0.153846, abs=5e-7)
    assert solution.mean_lines_in_use == pytest.approx(10.0, rel=1e-12)


def test_ratio_below_one_never_abandons() -> None:
    solution = solve_pd1(10, 0.6, 180.0, 20.0, 0.25, 1000)
    assert solution.abandonment_rate == 0.0
    assert solution.occupancy < 180 / 260


def dense_stationary(agents: int, ratio: float, cap: int) -> dict[tuple[int, int], float]:
    """Independent check: enumerate every (b, d) reachable, Gauss-solve π Q = 0, Σπ = 1."""
    start = (0, min(int(ratio * agents + 1e-9), cap))
    seen = {start: _transitions(start, agents, ratio, 180.0, 20.0, 0.25, cap)}
    todo = [start]
    while todo:
        for target, _ in seen[todo.pop()]:
            if target not in seen:
                seen[target] = _transitions(target, agents, ratio, 180.0, 20.0, 0.25, cap)
                todo.append(target)
    states = list(seen)
    index = {s: i for i, s in enumerate(states)}
    size = len(states)
    rows = [[0.0] * (size + 1) for _ in range(size)]
    for s, moves in seen.items():
        for target, rate in moves:
            rows[index[target]][index[s]] += rate
            rows[index[s]][index[s]] -= rate
    rows[-1] = [1.0] * size + [1.0]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col and rows[r][col] != 0.0:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return {s: rows[index[s]][-1] / rows[index[s]][index[s]] for s in states}


@pytest.mark.parametrize(("agents", "ratio", "cap"), [(4, 2.5, 100), (6, 2.0, 9), (5, 3.0, 100)])
def test_gth_agrees_with_a_dense_solve(agents: int, ratio: float, cap: int) -> None:
    pi = dense_stationary(agents, ratio, cap)
    solution = solve_pd1(agents, ratio, 180.0, 20.0, 0.25, cap)
    assert solution.states == len(pi)
    dial_rate = sum(p * d / 20.0 for (_, d), p in pi.items())
    abandoned = sum(p * d / 20.0 * 0.25 for (b, d), p in pi.items() if b == agents)
    assert solution.dial_rate == pytest.approx(dial_rate, rel=1e-10)
    assert solution.abandonment_rate == pytest.approx(abandoned / (0.25 * dial_rate), rel=1e-9)
    assert solution.occupancy == pytest.approx(
        sum(p * b for (b, _), p in pi.items()) / agents, rel=1e-10
    )


def test_gth_on_a_two_state_chain() -> None:
    assert stationary_gth([{1: 2.0}, {0: 6.0}]) == pytest.approx([0.75, 0.25])


@pytest.mark.parametrize("ratio", [1.3, 2.0, 3.0])
def test_little_law_holds(ratio: float) -> None:
    # Connected calls per second × mean talk = mean busy agents.
    s = solve_pd1(10, ratio, 180.0, 20.0, 0.25, 1000)
    assert s.answer_rate * (1 - s.abandonment_rate) * 180.0 == pytest.approx(s.occupancy * 10)


def test_abandonment_rises_with_the_dial_ratio() -> None:
    rates = [solve_pd1(10, c, 180.0, 20.0, 0.25, 1000).abandonment_rate for c in (1.2, 1.5, 2, 3)]
    assert rates == sorted(rates)
    assert rates[0] > 0.0
    assert len(set(rates)) == len(rates)


def test_abandonment_falls_as_agents_grow_at_a_fixed_ratio() -> None:
    rates = [solve_pd1(n, 2.0, 180.0, 20.0, 0.25, 1000).abandonment_rate for n in (2, 5, 10, 20)]
    assert rates == sorted(rates, reverse=True)
    assert len(set(rates)) == len(rates)


def test_a_line_cap_of_one_per_agent_cannot_abandon() -> None:
    # Lines = busy + dials <= n means dials <= idle agents: every answer finds an agent.
    assert solve_pd1(8, 3.0, 180.0, 20.0, 0.25, 8).abandonment_rate == 0.0


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        solve_pd1(0, 2.0, 180.0, 20.0, 0.25, 10)
    with pytest.raises(ValueError):
        solve_pd1(5, 2.0, 180.0, 20.0, 1.5, 10)
    with pytest.raises(ValueError):
        solve_pd1(1, 0.5, 180.0, 20.0, 0.25, 10)  # floor(0.5 × 1) = 0: never dials
