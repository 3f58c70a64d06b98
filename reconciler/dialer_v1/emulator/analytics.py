"""GET /analytics/dialer/metrics: deterministic pseudo-random rows, overridable by tests."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.dialer_v1.emulator.bodies import InvalidBody
from reconciler.dialer_v1.emulator.clock import iso, parse_iso

JsonDict = dict[str, Any]

# Plausible ranges per metric: a value is drawn uniformly inside, keyed by a hash.
METRIC_RANGES: dict[str, tuple[float, float, int]] = {
    "efficiency": (0.60, 0.95, 3),
    "abandonmentRate": (0.005, 0.028, 4),
    "answerRate": (0.15, 0.45, 3),
    "averageWaitTime": (1.0, 15.0, 1),
}
INTERVALS = {"hour": 3600, "day": 86400}
DEFAULT_SPAN = {"hour": 24, "day": 7}
MAX_INTERVALS = 10_000


def _value(seed: int, campaign_id: str, metric: str, start: int) -> float:
    low, high, digits = METRIC_RANGES[metric]
    digest = hashlib.sha256(f"{seed}:{campaign_id}:{metric}:{start}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return round(low + (high - low) * fraction, digits)


def parse_query(
    metrics: Sequence[str], group_by: str | None, start: str | None, end: str | None, now: float
) -> tuple[list[str], int, int, int]:
    """(metrics, interval seconds, first interval start, end) for a query, or InvalidBody."""
    chosen = list(dict.fromkeys(metrics)) or list(METRIC_RANGES)
    unknown = [m for m in chosen if m not in METRIC_RANGES]
    if unknown:
        known = ", ".join(METRIC_RANGES)
        raise InvalidBody([{"field": "metrics", "message": f"unknown {unknown}; known: {known}"}])
    group = group_by or "hour"
    if group not in INTERVALS:
        raise InvalidBody([{"field": "groupBy", "message": "must be hour or day"}])
    step = INTERVALS[group]
    # By default: the last 24 hours (or 7 days) up to the end of the current interval.
    stop = _time(end, "to") if end else math.ceil(now / step) * step
    first = _time(start, "from") if start else stop - DEFAULT_SPAN[group] * step
    first = math.floor(first / step) * step
    if first >= stop:
        raise InvalidBody([{"field": "from", "message": "must be before to"}])
    if (stop - first) / step > MAX_INTERVALS:
        raise InvalidBody([{"field": "from", "message": f"at most {MAX_INTERVALS} intervals"}])
    return chosen, step, int(first), int(stop)


def _time(text: str, name: str) -> float:
    try:
        return parse_iso(text)
    except ValueError as exc:
        raise InvalidBody([{"field": name, "message": "not an ISO 8601 time"}]) from exc


def interval_starts(first: int, stop: int, step: int) -> list[str]:
    """The keys of every interval in [first, stop), zero-padded so they sort as numbers."""
    return [f"{t:012d}" for t in range(first, stop, step)]


def row(
    key: str,
    step: int,
    campaign_id: str,
    metrics: Sequence[str],
    seed: int,
    overrides: Mapping[str, float],
) -> JsonDict:
    """One result row for the interval whose start is `key` (seconds since the epoch)."""
    start = int(key)
    data: JsonDict = {
        "campaignId": campaign_id,
        "intervalStart": iso(start).replace(".000Z", "Z"),
        "intervalEnd": iso(start + step).replace(".000Z", "Z"),
    }
    for metric in metrics:
        value = overrides.get(metric)
        data[metric] = value if value is not None else _value(seed, campaign_id, metric, start)
    return data
