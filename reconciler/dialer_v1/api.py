"""The seam between the engine and the dialer API: typed records and the `DialerApi` protocol.

The engine only ever talks to a `DialerApi`; it never builds a URL or reads a status code.
`client.DialerV1Client` implements it over httpx (against a real tenant or the emulator).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from reconciler.dialer_v1.bodies import CampaignBody, Concurrency, SettingsBody, WebhookBody
from reconciler.kinds import CarrierCapacity, MetricRow, PolicyResult

OperationStatus = Literal["IN_PROGRESS", "COMPLETED", "FAILED"]
ResourceType = Literal["settings", "campaign"]
MetricName = Literal["efficiency", "abandonmentRate", "answerRate", "averageWaitTime"]
METRIC_NAMES: tuple[MetricName, ...] = (
    "efficiency",
    "abandonmentRate",
    "answerRate",
    "averageWaitTime",
)
AuditEntity = Literal["dialer", "campaign", "webhook"]
PolicyCheck = Literal["tcpa_abandonment", "dnc_compliance", "calling_hours"]
ALL_POLICY_CHECKS: tuple[PolicyCheck, ...] = ("tcpa_abandonment", "dnc_compliance", "calling_hours")
MAX_PAGE_SIZE = 500  # the largest page the contract allows (lists are read with it)


@dataclass(frozen=True)
class ServerFields:
    """Server-managed fields kept beside a body (never compared, never written)."""

    created_at: str | None = None
    updated_at: str | None = None
    last_activated_at: str | None = None


@dataclass(frozen=True)
class LiveSettings:
    body: SettingsBody
    version_tag: str
    server: ServerFields = field(default_factory=ServerFields)


@dataclass(frozen=True)
class LiveCampaign:
    id: str
    body: CampaignBody
    version_tag: str
    server: ServerFields = field(default_factory=ServerFields)


@dataclass(frozen=True)
class LiveWebhook:
    """A webhook as read: `body.auth.token` is always None (write-only on the API)."""

    id: str
    body: WebhookBody
    version_tag: str
    server: ServerFields = field(default_factory=ServerFields)


@dataclass(frozen=True)
class Operation:
    """An asynchronous activation (contract §3)."""

    operation_id: str
    status: OperationStatus
    resource_type: ResourceType
    resource_id: str
    version_tag: str
    error_code: str | None = None
    error_message: str | None = None
    partially_applied: bool = False
    submitted_at: str | None = None
    completed_at: str | None = None

    @property
    def done(self) -> bool:
        return self.status != "IN_PROGRESS"


@dataclass(frozen=True)
class SimulatorRequest:
    duration_minutes: int
    concurrency: Concurrency
    algorithm_json: dict[str, object]
    simulated_call_volume: int
    carrier_max_concurrent: int


@dataclass(frozen=True)
class SimulatorResult:
    """The API simulator's own figures (contract §10); never mixed with local ones."""

    predicted_abandonment_rate: float
    agent_utilization: float
    average_wait_time_sec: float
    peak_concurrent_calls: int
    calls_blocked_by_carrier: int
    calls_placed: int
    calls_connected: int


@dataclass(frozen=True)
class AuditLogEntry:
    id: str
    timestamp: str
    actor: str
    action: str
    entity: str
    entity_id: str
    version_tag_before: str | None
    version_tag_after: str | None


class DialerApi(Protocol):
    """Everything the engine may ask of the API. Every write takes the live versionTag."""

    async def get_settings(self) -> LiveSettings: ...
    async def put_settings(self, body: SettingsBody, *, if_match: str) -> Operation: ...

    def iter_campaigns(self, *, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[LiveCampaign]: ...
    async def get_campaign(self, campaign_id: str) -> LiveCampaign: ...
    async def create_campaign(self, body: CampaignBody) -> Operation: ...
    async def update_campaign(
        self, campaign_id: str, body: CampaignBody, *, if_match: str
    ) -> Operation: ...
    async def delete_campaign(self, campaign_id: str, *, if_match: str) -> Operation: ...

    def iter_webhooks(self, *, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[LiveWebhook]: ...
    async def get_webhook(self, webhook_id: str) -> LiveWebhook: ...
    async def create_webhook(self, body: WebhookBody) -> LiveWebhook: ...
    async def update_webhook(
        self, webhook_id: str, body: WebhookBody, *, if_match: str
    ) -> LiveWebhook: ...
    async def delete_webhook(self, webhook_id: str, *, if_match: str) -> None: ...

    async def get_operation(self, operation_id: str) -> Operation: ...
    async def wait_operations(
        self, operations: Sequence[Operation], *, deadline_seconds: float
    ) -> list[Operation]:
        """Poll until every operation is done; FAILED ones are returned, not raised.

        Raises OperationTimeoutError naming the ones still IN_PROGRESS at the deadline.
        """
        ...

    async def validate_policy(
        self,
        config: SettingsBody | CampaignBody,
        *,
        checks: Sequence[PolicyCheck] = ALL_POLICY_CHECKS,
        carrier: CarrierCapacity | None = None,
    ) -> PolicyResult: ...

    async def run_simulator(self, request: SimulatorRequest) -> SimulatorResult: ...

    def iter_metrics(
        self,
        campaign_id: str,
        *,
        metrics: Sequence[MetricName] = METRIC_NAMES,
        group_by: Literal["hour", "day"] = "hour",
        start: str | None = None,
        end: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[MetricRow]: ...

    def iter_audit_logs(
        self,
        *,
        entity: AuditEntity | None = None,
        start: str | None = None,
        end: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[AuditLogEntry]: ...

    async def aclose(self) -> None: ...
