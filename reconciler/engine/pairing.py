"""Pairing: match desired to live resources by kind and name. No HTTP, no diffing.

A pair with no live side is a create, one with no desired side a delete (or an unmanaged
resource when pruning is off), both sides an update candidate (gitops-engine's reconcile).
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.dialer_v1.bodies import Body
from reconciler.engine.observe import LiveState


@dataclass(frozen=True)
class DesiredResource:
    """One resource of the desired state, independent of how the spec spelled it."""

    kind: str
    name: str
    body: Body  # webhooks: without the write-only token
    source: str | None = None  # "path:LINE:COL" of the document
    secret_env: str | None = None  # webhooks: the variable holding the token


@dataclass(frozen=True)
class LiveResource:
    """One live resource: its body, id and the versionTag every write must carry."""

    kind: str
    name: str
    id: str | None
    version_tag: str
    body: Body


@dataclass(frozen=True)
class Pair:
    kind: str
    name: str
    desired: DesiredResource | None
    live: LiveResource | None


def live_resources(live: LiveState) -> list[LiveResource]:
    """The live state as a flat list (settings are keyed by kind alone)."""
    out = [
        LiveResource(
            "DialerSettings",
            live.settings.body.name,
            None,
            live.settings.version_tag,
            live.settings.body,
        )
    ]
    out += [
        LiveResource("Campaign", name, c.id, c.version_tag, c.body)
        for name, c in sorted(live.campaigns.items())
    ]
    out += [
        LiveResource("Webhook", name, w.id, w.version_tag, w.body)
        for name, w in sorted(live.webhooks.items())
    ]
    return out


def pair(desired: list[DesiredResource], live: list[LiveResource]) -> list[Pair]:
    """Every (kind, name) on either side, sorted; the settings pair on kind alone."""

    def key(kind: str, name: str) -> tuple[str, str]:
        return (kind, "") if kind == "DialerSettings" else (kind, name)

    want = {key(d.kind, d.name): d for d in desired}
    have = {key(r.kind, r.name): r for r in live}
    pairs = []
    for k in sorted(set(want) | set(have)):
        d, r = want.get(k), have.get(k)
        name = d.name if d is not None else r.name if r is not None else k[1]
        pairs.append(Pair(k[0], name, d, r))
    return pairs
