"""What the specs say about guardrails: windows per resource, protection, the gate's share.

Every resource document may carry `protect` and `change_windows` beside `spec`
(`models.GuardedDocument`, whatever its API); the Tenant carries the default windows, the
blast-radius share and `self_heal`. This module gathers them, with the place each window
was written, into one value of the desired state (`SpecGuardrails`); the engine asks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reconciler.desired.documents import ParsedDocument
from reconciler.desired.models import GuardedDocument, TenantDocument
from reconciler.guardrails import DEFAULT_MAX_CHANGE_SHARE, ChangeWindow
from reconciler.kinds import ResourceAddress


@dataclass(frozen=True)
class PlacedWindows:
    """A list of change windows as written: each window and where it starts."""

    windows: tuple[ChangeWindow, ...] = ()
    sources: tuple[str, ...] = ()  # "path:LINE:COL" of each window
    where: str | None = None  # "path:LINE:COL" of the `change_windows` key; None: not written
    owner: str = "Tenant"  # whose list: "Tenant" or the resource's address

    def __bool__(self) -> bool:
        return bool(self.windows)


@dataclass(frozen=True)
class ResourceGuards:
    """One resource document's own guardrail fields."""

    protect: bool = False
    windows: PlacedWindows | None = None  # None: the Tenant's list applies


@dataclass(frozen=True)
class SpecGuardrails:
    """The guardrails of one spec directory."""

    tenant_windows: PlacedWindows = PlacedWindows()
    resources: Mapping[ResourceAddress, ResourceGuards] = field(default_factory=dict)
    max_change_share: float = DEFAULT_MAX_CHANGE_SHARE
    self_heal: bool = False

    def windows_for(self, address: ResourceAddress) -> PlacedWindows:
        """The resource's own windows when its document sets them, else the Tenant's."""
        own = self.resources.get(address)
        if own is not None and own.windows is not None:
            return own.windows
        return self.tenant_windows

    @property
    def protected(self) -> frozenset[ResourceAddress]:
        """The resources whose documents say `protect: true`."""
        return frozenset(a for a, g in self.resources.items() if g.protect)

    @property
    def any_windows(self) -> bool:
        """Whether any list of windows is written (the Tenant's or a document's)."""
        return bool(self.tenant_windows) or any(
            g.windows is not None and bool(g.windows) for g in self.resources.values()
        )


def _placed(
    doc: ParsedDocument, loc: tuple[str, ...], windows: Iterable[ChangeWindow], owner: str
) -> PlacedWindows:
    listed = tuple(windows)
    return PlacedWindows(
        listed,
        tuple(doc.at((*loc, i)).render() for i in range(len(listed))),
        doc.key(loc).render() if doc.yaml.has(loc) else None,
        owner,
    )


def guardrails_of(docs: Iterable[ParsedDocument]) -> SpecGuardrails:
    """The guardrails the valid documents of one spec directory declare."""
    tenant = PlacedWindows()
    share, heal = DEFAULT_MAX_CHANGE_SHARE, False
    resources: dict[ResourceAddress, ResourceGuards] = {}
    for doc in docs:
        model = doc.model
        if isinstance(model, TenantDocument):
            spec = model.spec
            tenant = _placed(doc, ("spec", "change_windows"), spec.change_windows, "Tenant")
            share, heal = spec.max_change_share, spec.self_heal
        elif isinstance(model, GuardedDocument):
            address = ResourceAddress(doc.kind, doc.name)
            own = model.change_windows
            placed = None if own is None else _placed(doc, ("change_windows",), own, str(address))
            resources[address] = ResourceGuards(model.protect, placed)
    return SpecGuardrails(tenant, resources, share, heal)
