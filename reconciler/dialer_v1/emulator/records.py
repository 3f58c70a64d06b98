"""The emulator's stored records: resources, operations, audit entries, requests, deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JsonDict = dict[str, Any]

OpKind = Literal["create", "update", "delete"]
OpFate = Literal["complete", "fail", "fail_partial", "hang"]

SETTINGS_ID = "dialer-settings"


@dataclass
class Resource:
    """A versioned resource: its body (contract JSON, no server fields) and server fields."""

    id: str
    body: JsonDict
    version_tag: str
    created_at: str
    updated_at: str
    last_activated_at: str | None = None
    # Webhooks only: the write-only bearer token, never returned by the API.
    token: str | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The resource's name (its identity in a spec repository)."""
        return str(self.body["name"])


@dataclass
class OperationRecord:
    """An asynchronous activation (contract §3) and what it will do when it ends."""

    id: str
    resource_type: Literal["settings", "campaign"]
    resource_id: str
    resource_name: str
    kind: OpKind
    new_body: JsonDict | None
    announced_tag: str
    tag_before: str | None
    submitted: float
    due: float
    fate: OpFate
    actor: str
    status: Literal["IN_PROGRESS", "COMPLETED", "FAILED"] = "IN_PROGRESS"
    completed: float | None = None
    final_tag: str | None = None
    error: JsonDict | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One completed or failed write (contract §9)."""

    id: str
    timestamp: float
    actor: str
    action: str
    entity: Literal["dialer", "campaign", "webhook"]
    entity_id: str
    version_tag_before: str | None
    version_tag_after: str | None
    outcome: Literal["COMPLETED", "FAILED"] = "COMPLETED"
    operation_id: str | None = None


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator answered (or dropped: status None)."""

    method: str
    path: str
    query: str
    status: int | None


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery attempt (contract §7)."""

    webhook_id: str
    webhook_name: str
    event: str
    url: str
    attempt: int
    outcome: Literal["delivered", "failed", "not_sent", "refused"]
    status: int | None
    error: str | None
    at: float
    next_retry_in: float | None
    payload: JsonDict = field(repr=False)
