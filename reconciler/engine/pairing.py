"""Pairing: match desired to live resources by kind and name. No HTTP, no diffing.

A pair with no live side is a create, one with no desired side a delete (or an unmanaged
resource when pruning is off), both sides an update candidate (gitops-engine's reconcile).
A singleton kind (the dialer settings) pairs on its kind alone, whatever the names.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from reconciler import registry
from reconciler.kinds import LiveResource, LiveState, ResourceAddress


@dataclass(frozen=True)
class DesiredResource:
    """One resource of the desired state, independent of how the spec spelled it."""

    kind: str
    name: str
    body: BaseModel  # without any write-only secret
    source: str | None = None  # "path:LINE:COL" of the document
    secret_env: str | None = None  # the variable holding the kind's write-only secret

    @property
    def address(self) -> ResourceAddress:
        return ResourceAddress(self.kind, self.name)


@dataclass(frozen=True)
class Pair:
    kind: str
    name: str
    desired: DesiredResource | None
    live: LiveResource | None

    @property
    def address(self) -> ResourceAddress:
        return ResourceAddress(self.kind, self.name)


def pair(desired: list[DesiredResource], live: LiveState) -> list[Pair]:
    """Every resource on either side, sorted by kind and name."""

    def key(kind: str, name: str) -> tuple[str, str]:
        return registry.kind(kind).pair_key(name)

    want = {key(d.kind, d.name): d for d in desired}
    have = {key(r.kind, r.name): r for r in live.resources.values()}
    pairs = []
    for k in sorted(set(want) | set(have)):
        d, r = want.get(k), have.get(k)
        name = d.name if d is not None else r.name if r is not None else k[1]
        pairs.append(Pair(k[0], name, d, r))
    return pairs
