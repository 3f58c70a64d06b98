"""Erlang B (blocking), Erlang C (waiting) and Erlang A (waiting with abandonment).

All three are computed without factorials or powers, so they stay exact to rounding for
hundreds or thousands of servers: Erlang B by the stable recursion
B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)); Erlang C and Erlang A from Erlang B.
The formulas: docs/capacity-model.md, Erlang B, C and A.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The Erlang A queue tail is summed until a term adds less than this share of the sum.
_TAIL_TOLERANCE = 1e-16
# ...or until this many terms, which only a near-zero patience rate on an overloaded queue
# reaches; the remainder is then below the last term times the (decaying) ratio anyway.
_TAIL_MAX_TERMS = 10_000_000


def _check(traffic_erlangs: float, servers: int) -> None:
    if not traffic_erlangs >= 0 or math.isinf(traffic_erlangs):
        raise ValueError(f"offered traffic must be a finite number >= 0, not {traffic_erlangs}")
    if servers < 0:
        raise ValueError(f"the number of servers must be >= 0, not {servers}")


def erlang_b(traffic_erlangs: float, servers: int) -> float:
    """Probability that a call offered to `servers` trunks carrying A Erlangs is blocked."""
    _check(traffic_erlangs, servers)
    blocking: float = 1  # an int start keeps Fraction arguments exact (tests use that)
    for n in range(1, servers + 1):
        carried = traffic_erlangs * blocking
        blocking = carried / (n + carried)
    return blocking


def erlang_c(traffic_erlangs: float, servers: int) -> float:
    """Probability that a call waits in an M/M/n queue (1.0 when A >= n: no steady state)."""
    _check(traffic_erlangs, servers)
    if traffic_erlangs >= servers:
        return 1.0
    blocking = erlang_b(traffic_erlangs, servers)
    # C = n·B / (n − A·(1 − B)): the standard identity, no subtraction of near-equal terms
    # because A < n.
    return servers * blocking / (servers - traffic_erlangs * (1.0 - blocking))


@dataclass(frozen=True)
class ErlangAResult:
    """Steady state of an M/M/n+M queue, seen by an arriving call."""

    p_wait: float  # probability that an arrival finds every server busy and waits
    p_abandon: float  # probability that an arrival hangs up before being served
    mean_wait_sec: float  # mean time in queue over all arrivals (served and abandoned)
    mean_queue_length: float  # mean number of calls waiting


def erlang_a(
    arrival_rate: float, mean_service_sec: float, servers: int, mean_patience_sec: float
) -> ErlangAResult:
    """M/M/n+M (Palm's Erlang A): waiting with exponential patience.

    `arrival_rate` is calls per second (Poisson); `mean_service_sec` the mean of the
    exponential service time; `servers` the agents; `mean_patience_sec` the mean of the
    exponential time a waiting caller is willing to wait (`math.inf`: nobody abandons,
    which is Erlang C and needs arrival_rate × mean_service_sec < servers).
    """
    if not arrival_rate >= 0 or math.isinf(arrival_rate):
        raise ValueError(f"arrival_rate must be a finite number >= 0, not {arrival_rate}")
    if not mean_service_sec > 0 or math.isinf(mean_service_sec):
        raise ValueError(f"mean_service_sec must be finite and > 0, not {mean_service_sec}")
    if servers < 1:
        raise ValueError(f"servers must be >= 1, not {servers}")
    if not mean_patience_sec > 0:
        raise ValueError(f"mean_patience_sec must be > 0, not {mean_patience_sec}")
    if arrival_rate == 0:
        return ErlangAResult(0.0, 0.0, 0.0, 0.0)
    traffic = arrival_rate * mean_service_sec
    blocking = erlang_b(traffic, servers)
    # Everything is relative to π_n, the probability that exactly n servers are busy and
    # nobody waits: Σ_{k<=n} π_k/π_n = 1/B(A, n), and the queue tail is
    # t_j = π_{n+j}/π_n = Π_{i=1..j} λ/(nμ + iθ). With S = Σ t_j and W = Σ j·t_j, the
    # share of time with a queue is q = B·S/(1 + B·S), π_n = B·(1 − q) and E[queue] = q·W/S;
    # S and W are carried as mantissa × e^log_scale so heavy overload cannot overflow.
    tail, weighted, log_scale = _queue_tail(
        arrival_rate, servers / mean_service_sec, mean_patience_sec
    )
    if blocking == 0.0 or tail == 0.0:
        queued_share = 0.0  # B underflowed: with A far below n nobody ever waits
        queue_length = 0.0
    else:
        log_ratio = math.log(blocking) + math.log(tail) + log_scale
        queued_share = _logistic(log_ratio)
        queue_length = queued_share * weighted / tail
    p_wait = blocking * (1.0 - queued_share) + queued_share
    mean_wait = queue_length / arrival_rate  # Little's law on the waiting room
    p_abandon = 0.0 if math.isinf(mean_patience_sec) else mean_wait / mean_patience_sec
    return ErlangAResult(p_wait, p_abandon, mean_wait, queue_length)


def _logistic(x: float) -> float:
    """1 / (1 + e^−x) without overflow for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


_RESCALE_ABOVE = 1e200


def _queue_tail(
    arrival_rate: float, full_service_rate: float, mean_patience_sec: float
) -> tuple[float, float, float]:
    """(S, W, L): Σ_j t_j = S·e^L and Σ_j j·t_j = W·e^L, t_j = Π_{i<=j} λ/(nμ + iθ)."""
    if math.isinf(mean_patience_sec):
        rho = arrival_rate / full_service_rate
        if rho >= 1.0:
            raise ValueError(
                "without abandonment the queue needs arrival_rate × mean_service_sec < servers"
                f" (load {rho:.3f} of capacity)"
            )
        # Geometric tail: Σ ρ^j = ρ/(1−ρ), Σ j ρ^j = ρ/(1−ρ)².
        return rho / (1.0 - rho), rho / (1.0 - rho) ** 2, 0.0
    patience_rate = 1.0 / mean_patience_sec
    term = 1.0
    total = 0.0
    weighted = 0.0
    log_scale = 0.0
    for j in range(1, _TAIL_MAX_TERMS + 1):
        term *= arrival_rate / (full_service_rate + j * patience_rate)
        total += term
        weighted += j * term
        if term > _RESCALE_ABOVE:
            # Overloaded with patient callers: the terms grow for a long while first.
            term /= _RESCALE_ABOVE
            total /= _RESCALE_ABOVE
            weighted /= _RESCALE_ABOVE
            log_scale += math.log(_RESCALE_ABOVE)
        # Terms grow while λ > nμ + jθ; only stop once they shrink and are negligible.
        if arrival_rate < full_service_rate + j * patience_rate and (
            j * term <= _TAIL_TOLERANCE * weighted
        ):
            break
    return total, weighted, log_scale
