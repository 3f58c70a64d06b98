"""The blast-radius gate: refuse a plan that changes too much of the tenant at once.

As octoDNS's update/delete thresholds: the share of managed resources (those with a
document) that a plan updates or deletes, against `max_change_share` (default 0.3). A plan
at exactly the share passes; there is no minimum size (one change out of two is 50%). A
plan that updates or deletes anything while nothing is managed (an empty repository with
`prune: true` would delete every live resource) always trips. Separately, a resource that
carried `protect: true` at the last successful apply is never pruned without the override.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated

from pydantic import Field

DEFAULT_MAX_CHANGE_SHARE = 0.3
OVERRIDE_FLAG = "--allow-large-change"

# For the Tenant model: a share in (0, 1].
ChangeShare = Annotated[float, Field(gt=0, le=1)]


@dataclass(frozen=True)
class GateVerdict:
    """Whether a plan's updates and deletes fit the allowed share of managed resources."""

    changes: int  # updates + deletes
    managed: int
    max_share: float

    @property
    def share(self) -> float:
        """The share the plan changes (infinite when it changes something of nothing)."""
        if self.managed == 0:
            return 0.0 if self.changes == 0 else float("inf")
        return self.changes / self.managed

    @property
    def passes(self) -> bool:
        """True when the share is at most `max_share` (equal passes)."""
        if self.managed == 0:
            return self.changes == 0
        # The share as written ("0.3"), exactly: 3/10 passes at 0.3 whatever floats do.
        return Fraction(self.changes, self.managed) <= Fraction(repr(self.max_share))

    @property
    def message(self) -> str:
        """`40.00% is over 30.00% (4/10): --allow-large-change required`, or within."""
        counts = f"({self.changes}/{self.managed})"
        if self.managed == 0 and self.changes:
            return (
                f"{self.changes} updates or deletes with no managed resources {counts}:"
                f" {OVERRIDE_FLAG} required"
            )
        share, bound = f"{self.share:.2%}", f"{self.max_share:.2%}"
        if self.passes:
            return f"{share} is within {bound} {counts}"
        return f"{share} is over {bound} {counts}: {OVERRIDE_FLAG} required"


def blast_radius(updates: int, deletes: int, managed: int, max_share: float) -> GateVerdict:
    """The gate's verdict on a plan with `updates` and `deletes` of `managed` resources."""
    if min(updates, deletes, managed) < 0:
        raise ValueError("updates, deletes and managed are counts: none can be negative")
    if not 0 < max_share <= 1:
        raise ValueError(f"max_change_share {max_share!r} is not in (0, 1]")
    return GateVerdict(updates + deletes, managed, max_share)


def protected_deletes(
    deletes: Iterable[str], protected_at_last_apply: Collection[str]
) -> tuple[str, ...]:
    """The deletes (in plan order) of resources protected at the last successful apply."""
    return tuple(name for name in deletes if name in protected_at_last_apply)
