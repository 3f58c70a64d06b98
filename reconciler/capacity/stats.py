"""Confidence intervals from independent replications (Student t, no scipy)."""

from __future__ import annotations

import math
from collections.abc import Sequence

# Two-sided 95% quantiles t_{0.975, df} of Student's t (any statistics table).
_T95 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
    17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064,
    25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000,
    120: 1.980,
}  # fmt: skip
_Z95 = 1.960


def t95(df: int) -> float:
    """t_{0.975, df}; between tabulated df the smaller df's (wider, conservative) value."""
    if df < 1:
        raise ValueError("a t quantile needs at least one degree of freedom")
    if df in _T95:
        return _T95[df]
    below = [d for d in _T95 if d < df]
    return _Z95 if df > 120 else _T95[max(below)]


def ratio_ci95(numerators: Sequence[float], denominators: Sequence[float]) -> tuple[float, float]:
    """95% interval of Σ num / Σ den over replications (ratio estimator, delta method).

    The residuals z_i = num_i − R·den_i carry the replication-to-replication spread of
    the pooled ratio R; its standard error is s_z / (√k · mean den). Clamped to [0, 1]:
    the ratios here are shares. With one replication there is no spread to measure and
    the interval is [0, 1]; with no event in any replication, see below.
    """
    k = len(numerators)
    total_den = sum(denominators)
    if k < 2 or total_den <= 0:
        return (0.0, 1.0) if k < 2 else (0.0, 0.0)
    if sum(numerators) == 0:
        # No event at all: the spread is zero but the rate is not known to be zero. The
        # exact (Clopper-Pearson) upper bound for 0 of N, 1 − 0.025^(1/N) ≈ 3.7/N.
        return 0.0, 1.0 - 0.025 ** (1.0 / total_den)
    ratio = sum(numerators) / total_den
    residuals = [n - ratio * d for n, d in zip(numerators, denominators, strict=True)]
    variance = sum(z * z for z in residuals) / (k - 1)
    half = t95(k - 1) * math.sqrt(variance / k) / (total_den / k)
    return max(0.0, ratio - half), min(1.0, ratio + half)


def mean_ci95(values: Sequence[float]) -> tuple[float, float]:
    """95% t-interval of the mean of independent replications ((x, x) for one value)."""
    k = len(values)
    mean = sum(values) / k
    if k < 2:
        return mean, mean
    variance = sum((v - mean) ** 2 for v in values) / (k - 1)
    half = t95(k - 1) * math.sqrt(variance / k)
    return mean - half, mean + half
