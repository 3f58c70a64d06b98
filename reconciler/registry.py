"""Every API the tool speaks and every kind of resource, collected once.

An API package declares its `ApiDescriptor` (its kinds, how a tenant is observed); this
module lists them. A new kind is one descriptor in its API's `kinds.py`; a new API is one
more entry in `APIS` (and a client the CLI can build: `reconciler/cli/context.py`).
"""

from __future__ import annotations

from typing import Any

from reconciler.cxone_admin.kinds import CXONE_ADMIN
from reconciler.dialer_v1.kinds import DIALER_V1
from reconciler.kinds import ApiDescriptor, KindDescriptor, ResourceAddress

DEFAULT_API = DIALER_V1.name
APIS: dict[str, ApiDescriptor[Any]] = {api.name: api for api in (DIALER_V1, CXONE_ADMIN)}
KINDS: dict[str, KindDescriptor[Any]] = {k.name: k for api in APIS.values() for k in api.kinds}


def api(name: str) -> ApiDescriptor[Any]:
    """The API called `name`; KeyError when there is none."""
    return APIS[name]


def kind(name: str) -> KindDescriptor[Any]:
    """The descriptor of kind `name` (kind names are unique across APIs); KeyError if none."""
    return KINDS[name]


def change_order(kind_name: str, name: str, delete: bool) -> tuple[int, int, str]:
    """Position of a change in a plan: creates and updates first, then deletes; within each,
    the kinds' apply order, then the name."""
    found = KINDS.get(kind_name)
    return (1 if delete else 0, found.order if found is not None else 99, name)


def same_resource(a: ResourceAddress, b: ResourceAddress) -> bool:
    """Whether two addresses name one resource (a singleton is one whatever its name)."""
    if a.kind != b.kind:
        return False
    found = KINDS.get(a.kind)
    return a.name == b.name or (found is not None and found.singleton)
