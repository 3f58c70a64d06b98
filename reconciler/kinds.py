"""The vocabulary every stage shares about resources: kinds, addresses, live resources, writes.

A *kind* (Campaign, DialerSettings, OutboundSkill...) belongs to one API. Everything the
engine needs to know about a kind lives in its `KindDescriptor`: its apply order, whether it
is a singleton, its body model, how a body goes to and from JSON, where a write-only secret
sits, how the diff treats its lists, and its `KindOps` (how one resource is read and
written). An API is an `ApiDescriptor`: its kinds and how a whole tenant is observed. The
engine never branches on a kind's name: it asks the descriptor (octoDNS registers record
types the same way; gitops-engine keeps one kind order).

Descriptors are declared by each API package (`reconciler/dialer_v1/kinds.py`, ...) and
collected in `reconciler/registry.py`. This module imports nothing of the API packages, so
both they and the engine can import it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, SecretStr

# Whether a write reached the tenant: decided where its error is raised (see
# `landed_of`), recorded once to the journal, the audit log and the run's steps.
Landed = Literal["no", "yes", "unknown"]
WriteAction = Literal["create", "update", "delete"]

ApiT = TypeVar("ApiT")
ApiContra = TypeVar("ApiContra", contravariant=True)


@dataclass(frozen=True, order=True)
class ResourceAddress:
    """Which resource: its kind and its name (`Campaign.Collections_East` when printed)."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}.{self.name}"


@dataclass(frozen=True)
class SecretField:
    """A write-only secret inside a body: never read back, never stored, sent from the env."""

    path: tuple[str, ...]  # e.g. ("auth", "token")
    owner: str  # what holds it, for messages: "webhook"
    noun: str  # what it is: "token"

    @property
    def what(self) -> str:
        return f"{self.owner} {self.noun}"

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    def strip(self, data: dict[str, Any]) -> dict[str, Any]:
        """`data` without the secret (in place, and returned)."""
        node: Any = data
        for part in self.path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(self.path[-1], None)
        return data


@dataclass(frozen=True)
class LiveResource:
    """One resource as the API answered: body, id, and the tag a write must be checked against.

    `parts` holds per-part tags where the API writes a resource in parts (the blocks of an
    outbound skill, each with a digest for a tag); `flags` carries facts a plan reports
    (e.g. "running").
    """

    address: ResourceAddress
    id: str | None
    version_tag: str
    body: BaseModel
    parts: Mapping[str, str] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()

    @property
    def kind(self) -> str:
        return self.address.kind

    @property
    def name(self) -> str:
        return self.address.name


@dataclass(frozen=True)
class WriteRequest:
    """One write the engine asks a kind to perform."""

    address: ResourceAddress
    action: WriteAction
    resource_id: str | None
    version_tag: str | None  # the tag the resource must still have (None for a create)
    body: dict[str, Any] | None  # JSON without secrets; None for a delete
    secret: SecretStr | None = None
    parts: Mapping[str, str] = field(default_factory=dict)  # expected tags per part
    # Set-like parts of the body (a skill's DNC groups) are the whole truth: live members not
    # listed are removed (pruning, and every restore); otherwise only missing ones are added.
    exact: bool = False


@dataclass(frozen=True)
class WriteResult:
    """What one write did: the resource written and the tag it holds afterwards."""

    resource_id: str | None
    version_tag_after: str | None
    operation_id: str | None = None


@dataclass(frozen=True)
class CarrierCapacity:
    """The carrier's trunks and how busy other traffic keeps them (from the Tenant)."""

    max_trunks: int
    current_utilization_percent: float

    @property
    def free_trunks(self) -> float:
        return self.max_trunks * (1 - self.current_utilization_percent / 100)


@dataclass(frozen=True)
class CallingClock:
    """Where and when a resource calls: its IANA time zone and daily hours ("HH:MM").

    Change windows read `time_zone: campaign` in `zone` and `during: calling_hours` as
    [start, end) of each local day; a resource without one is tenant-wide (UTC).
    """

    zone: str
    start: str
    end: str


@dataclass(frozen=True)
class PolicyFinding:
    check: str
    message: str
    field: str | None = None


@dataclass(frozen=True)
class PolicyResult:
    """An API's own verdict on one body it is about to receive."""

    compliance_status: Literal["PASS", "FAIL"]
    violations: tuple[PolicyFinding, ...] = ()
    warnings: tuple[PolicyFinding, ...] = ()

    @property
    def passed(self) -> bool:
        return self.compliance_status == "PASS"


@dataclass(frozen=True)
class MetricRow:
    """One interval of a resource's metrics, by name (`abandonmentRate`...); absent: missing."""

    resource_id: str
    interval_start: str
    interval_end: str
    values: dict[str, float]


class KindOps(Protocol[ApiContra]):
    """How one kind's resources are read and written through an API client."""

    async def read(self, api: ApiContra, name: str, resource_id: str | None) -> LiveResource | None:
        """The resource now (by id, or by name when the id is unknown); None if absent."""
        ...

    async def write(self, api: ApiContra, request: WriteRequest, deadline: float) -> WriteResult:
        """Create, update or delete; raises a typed API error carrying `landed`."""
        ...


@dataclass(frozen=True)
class ExportLayout:
    """Where `export` writes a kind's documents and which JSON Schema they name."""

    directory: str  # "" for a file at the top ("dialer-settings.yaml"), else "campaigns"
    schema: str  # "campaign" -> schemas/campaign.schema.json
    file: str | None = None  # a fixed file name for a singleton ("dialer-settings")
    # A live body as a document's `spec`, and what a spec cannot hold and was left out,
    # where that is not the body's JSON (a skill's unknown fields, its inactive zones).
    spec: Callable[[BaseModel], tuple[dict[str, Any], list[str]]] | None = None


@dataclass(frozen=True)
class KindDescriptor(Generic[ApiT]):
    """Everything the engine knows about one kind of resource."""

    name: str
    api: str
    order: int  # apply order within a phase (creates/updates, then deletes)
    body_model: type[BaseModel]
    ops: KindOps[ApiT]
    export: ExportLayout
    singleton: bool = False  # one per tenant: paired on kind alone, never created or deleted
    creatable: bool = True  # the API can create one (else a missing one is an error)
    deletable: bool = True  # the API can delete one (else pruning leaves it alone)
    asynchronous: bool = False  # a write is an activation that must be awaited
    secret: SecretField | None = None
    unordered_lists: tuple[str, ...] = ()  # compared as sets
    # What the plan and apply do with this kind beyond writing it.
    predicted: bool = False  # capacity predictions in the plan, watched by the guard
    policy_checked: bool = False  # the API's own policy check before the first write
    # What a person calls one in a sentence ("skill"); the kind's name in lower case if empty.
    noun: str = ""
    # Turns a JSON body (a plan's `desired`, a snapshot's body) back into the body model,
    # and a body into that JSON, where the model's own JSON is not the API's form.
    parse: Callable[[dict[str, Any]], BaseModel] | None = None
    # The resource's own calling time zone and hours, for change windows; None (or a
    # function answering None): tenant-wide, read in UTC.
    calling_clock: Callable[[BaseModel], CallingClock | None] | None = None
    dump: Callable[[BaseModel], dict[str, Any]] | None = None
    # Where a spec manages only the fields it writes (a skill's blocks): the live JSON cut
    # down to what the desired JSON manages, `exact` comparing set-like parts whole.
    project: Callable[[dict[str, Any], dict[str, Any], bool], dict[str, Any]] | None = None

    def model(self, data: dict[str, Any]) -> BaseModel:
        """The body model for JSON `data` (which never holds the secret)."""
        if self.parse is not None:
            return self.parse(data)
        return self.body_model.model_validate(data)

    def to_json(self, body: BaseModel) -> dict[str, Any]:
        """The JSON of a body as plans and snapshots hold it: no secret, no `None`s."""
        if self.dump is not None:
            data = self.dump(body)
        else:
            data = body.model_dump(mode="json", exclude_none=True)
        return self.secret.strip(data) if self.secret is not None else data

    def clock(self, body: BaseModel) -> CallingClock | None:
        """The resource's calling time zone and hours; None for a tenant-wide resource."""
        return self.calling_clock(body) if self.calling_clock is not None else None

    @property
    def word(self) -> str:
        """`noun`, or the kind's name in lower case."""
        return self.noun or self.name.lower()

    def pair_key(self, name: str) -> tuple[str, str]:
        """What pairs a desired resource with a live one: the name, or the kind alone."""
        return (self.name, "") if self.singleton else (self.name, name)


@dataclass(frozen=True)
class LiveState:
    """One observation of a tenant: every resource of the API's kinds, and API-wide facts."""

    api: str
    kinds: tuple[str, ...]  # the API's kinds, in apply order
    resources: Mapping[ResourceAddress, LiveResource]
    facts: Mapping[str, Any] = field(default_factory=dict)  # e.g. the business unit

    def of_kind(self, kind: str) -> list[LiveResource]:
        """The live resources of one kind, sorted by name."""
        return sorted((r for r in self.resources.values() if r.kind == kind), key=lambda r: r.name)

    def get(self, address: ResourceAddress, *, singleton: bool = False) -> LiveResource | None:
        """The resource at `address` (a singleton's by kind alone), or None."""
        if singleton:
            found = self.of_kind(address.kind)
            return found[0] if found else None
        return self.resources.get(address)

    def version_tags(self) -> dict[str, dict[str, str]]:
        """kind -> name -> tag, for every kind of the API (as a plan records them)."""
        tags: dict[str, dict[str, str]] = {kind: {} for kind in self.kinds}
        for r in sorted(self.resources.values(), key=lambda r: (r.kind, r.name)):
            tags.setdefault(r.kind, {})[r.name] = r.version_tag
        return tags


PolicyCheck = Callable[[ApiT, BaseModel, CarrierCapacity | None], Awaitable[PolicyResult]]


def managed_fields(live: dict[str, Any], desired: dict[str, Any], exact: bool) -> dict[str, Any]:
    """A `project` for kinds whose spec manages only the top-level fields it writes."""
    return {key: live[key] for key in desired if key in live}


@dataclass(frozen=True)
class ApiDescriptor(Generic[ApiT]):
    """One API: its kinds, in apply order, and how a whole tenant is observed."""

    name: str
    kinds: tuple[KindDescriptor[ApiT], ...]
    observe: Callable[[ApiT], Awaitable[LiveState]]
    # The API's own check of one body before any write (for kinds with `policy_checked`).
    validate: (
        Callable[[ApiT, BaseModel, CarrierCapacity | None], Awaitable[PolicyResult]] | None
    ) = None
    # Waits for a write another run left in progress (an activation a 409 names).
    wait_for_running: Callable[[ApiT, str | None, float], Awaitable[None]] | None = None
    # The recent intervals of one resource's metrics (the post-apply guard reads them).
    read_metrics: Callable[[ApiT, str, Sequence[str]], Awaitable[list[MetricRow]]] | None = None

    def kind(self, name: str) -> KindDescriptor[ApiT]:
        """The descriptor of kind `name`; KeyError when this API has no such kind."""
        for descriptor in self.kinds:
            if descriptor.name == name:
                return descriptor
        raise KeyError(name)

    @property
    def kind_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in sorted(self.kinds, key=lambda k: k.order))


class Backend(Generic[ApiT]):
    """An API client bound to its API's descriptors: the engine's one way to a tenant."""

    def __init__(self, api: ApiDescriptor[ApiT], client: ApiT) -> None:
        self.api = api
        self.client = client

    def kind(self, name: str) -> KindDescriptor[ApiT]:
        return self.api.kind(name)

    async def observe(self) -> LiveState:
        """Read every resource of every kind (read-only)."""
        return await self.api.observe(self.client)

    async def read(self, address: ResourceAddress, resource_id: str | None) -> LiveResource | None:
        """One resource now; None when it does not exist."""
        return await self.kind(address.kind).ops.read(self.client, address.name, resource_id)

    async def write(self, request: WriteRequest, deadline: float) -> WriteResult:
        """One create, update or delete."""
        return await self.kind(request.address.kind).ops.write(self.client, request, deadline)

    async def validate(self, body: BaseModel, carrier: CarrierCapacity | None) -> PolicyResult:
        """The API's own check of one body (only for kinds with `policy_checked`)."""
        assert self.api.validate is not None, f"{self.api.name} has no policy check"
        return await self.api.validate(self.client, body, carrier)

    async def read_metrics(self, resource_id: str, metrics: Sequence[str]) -> list[MetricRow]:
        """Every interval the API reports by default for one resource's metrics."""
        if self.api.read_metrics is None:
            raise NotImplementedError(f"the {self.api.name} API reports no metrics")
        return await self.api.read_metrics(self.client, resource_id, metrics)

    async def wait_for_running(self, operation_id: str | None, deadline: float) -> None:
        """Wait until a write left running elsewhere has ended (no-op for synchronous APIs)."""
        if self.api.wait_for_running is not None:
            await self.api.wait_for_running(self.client, operation_id, deadline)
