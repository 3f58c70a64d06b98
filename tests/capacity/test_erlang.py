"""Erlang B/C against published tables and exact rationals; Erlang A against a chain."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from reconciler.capacity.erlang import erlang_a, erlang_b, erlang_c


def carried_at(blocking: float, servers: int) -> float:
    """The offered traffic at which `servers` block with probability `blocking`."""
    low, high = 0.0, float(servers) * 4
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if erlang_b(mid, servers) < blocking else (low, mid)
    return (low + high) / 2


@pytest.mark.parametrize(
    ("servers", "blocking", "erlangs"),
    [(5, 0.02, 1.657), (15, 0.01, 8.108), (1, 0.01, 0.0101), (10, 0.05, 6.216)],
)
def test_erlang_b_matches_published_tables(servers: int, blocking: float, erlangs: float) -> None:
    assert carried_at(blocking, servers) == pytest.approx(erlangs, abs=5e-4)


def test_erlang_b_exact_rationals() -> None:
    assert erlang_b(Fraction(3), 5) == Fraction(81, 736)  # type: ignore[arg-type]
    assert erlang_b(3.0, 5) == pytest.approx(81 / 736, rel=1e-14)
    assert erlang_b(Fraction(1), 1) == Fraction(1, 2)  # type: ignore[arg-type]
    assert erlang_b(2.0, 0) == 1.0


def direct_erlang_c(traffic: Fraction, servers: int) -> Fraction:
    """The textbook formula with factorials, exact: an independent check."""
    top = traffic**servers / math.factorial(servers) * servers / (servers - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(servers)) + top
    return top / bottom


@pytest.mark.parametrize(("traffic", "servers"), [(8, 10), (Fraction(1, 2), 1), (45, 50), (3, 5)])
def test_erlang_c_against_the_direct_formula(traffic: int | Fraction, servers: int) -> None:
    expected = float(direct_erlang_c(Fraction(traffic), servers))
    assert erlang_c(float(traffic), servers) == pytest.approx(expected, rel=1e-12)


def test_erlang_c_is_certain_waiting_when_overloaded() -> None:
    assert erlang_c(10.0, 10) == 1.0
    assert erlang_c(12.0, 10) == 1.0


def test_hundreds_of_servers_stay_finite_and_ordered() -> None:
    previous = 1.0
    for servers in (100, 500, 1000, 2000, 5000):
        value = erlang_b(0.9 * servers, servers)
        assert 0.0 < value < previous
        previous = value
        assert erlang_b(0.9 * servers, servers) <= erlang_c(0.9 * servers, servers) < 1.0
    # A factorial-based formula overflows here (1000! has 2568 digits).
    assert erlang_c(950.0, 1000) == pytest.approx(
        float(direct_erlang_c(Fraction(950), 1000)), rel=1e-9
    )


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        erlang_b(-1.0, 3)
    with pytest.raises(ValueError):
        erlang_b(1.0, -1)
    with pytest.raises(ValueError):
        erlang_a(1.0, 10.0, 0, 5.0)
    with pytest.raises(ValueError):
        erlang_a(2.0, 10.0, 10, math.inf)  # overloaded, nobody abandons: no steady state


def truncated_chain(
    arrival_rate: float, service_sec: float, servers: int, patience_sec: float, states: int
) -> list[float]:
    """Stationary law of the M/M/n+M birth-death chain cut at `states`, by dense Gauss."""
    size = states
    generator = [[0.0] * size for _ in range(size)]
    for k in range(size):
        if k + 1 < size:
            generator[k][k + 1] = arrival_rate
        if k > 0:
            generator[k][k - 1] = min(k, servers) / service_sec + max(k - servers, 0) / patience_sec
        generator[k][k] = -sum(generator[k])
    # Solve π Q = 0 with Σ π = 1: transpose, replace the last equation by the sum.
    rows = [[generator[j][i] for j in range(size)] + [0.0] for i in range(size)]
    rows[-1] = [1.0] * size + [1.0]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col and rows[r][col] != 0.0:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][-1] / rows[i][i] for i in range(size)]


@pytest.mark.parametrize(
    ("arrival_rate", "service_sec", "servers", "patience_sec"),
    [(8 / 180, 180.0, 10, 60.0), (0.1, 180.0, 10, 30.0), (0.5, 4.0, 3, 2.0), (0.02, 180, 5, 300)],
)
def test_erlang_a_matches_a_truncated_birth_death_chain(
    arrival_rate: float, service_sec: float, servers: int, patience_sec: float
) -> None:
    pi = truncated_chain(arrival_rate, service_sec, servers, patience_sec, servers + 120)
    p_wait = sum(pi[servers:])
    queue = sum((k - servers) * p for k, p in enumerate(pi) if k > servers)
    result = erlang_a(arrival_rate, service_sec, servers, patience_sec)
    assert result.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert result.mean_queue_length == pytest.approx(queue, rel=1e-9)
    assert result.p_abandon == pytest.approx(queue / patience_sec / arrival_rate, rel=1e-9)
    assert result.mean_wait_sec == pytest.approx(queue / arrival_rate, rel=1e-9)


def test_erlang_a_without_abandonment_is_erlang_c() -> None:
    result = erlang_a(8 / 180, 180.0, 10, math.inf)
    assert result.p_wait == pytest.approx(erlang_c(8.0, 10), rel=1e-12)
    assert result.p_abandon == 0.0
    # M/M/n mean wait: C / (nμ − λ).
    assert result.mean_wait_sec == pytest.approx(erlang_c(8.0, 10) / (10 / 180 - 8 / 180))


def test_erlang_a_overload_sheds_the_excess_and_survives_huge_tails() -> None:
    # Twice the capacity, patient callers: about half abandon; the tail runs to 1e5 terms.
    result = erlang_a(20 / 180, 180.0, 10, 1e6)
    assert result.p_wait == pytest.approx(1.0)
    assert result.p_abandon == pytest.approx(0.5, rel=1e-6)
    assert erlang_a(1 / 180, 180.0, 1000, 60.0).p_wait == 0.0
