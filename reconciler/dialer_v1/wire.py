"""JSON <-> records: the only place that knows the API's field names and error shapes.

Answers become the frozen records of `api.py`; bodies become `bodies.py` models
with the server-managed fields (`id`, `versionTag`, `createdAt`, `updatedAt`,
`lastActivatedAt`) moved into `ServerFields`. A field the server sends that our models do
not know (a newer API version, say) is dropped with a debug log rather than refused: the
reconciler only manages the fields it models, and refusing would make every read fail the
day the vendor adds a field. A known field with a value outside the contract is refused
as a `ProtocolError` located by `answers.Where`: the request, the resource (name, else id,
else its place on the page) and the field. Nothing here logs or echoes a body or a value,
only field names, and the names and ids that identify resources.
"""

from __future__ import annotations

import json
import logging
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, Union

import httpx
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.answers import Where, clip, json_type, required_str
from reconciler.dialer_v1.api import (
    AuditLogEntry,
    LiveCampaign,
    LiveSettings,
    LiveWebhook,
    Operation,
    PolicyCheck,
    ServerFields,
    SimulatorRequest,
    SimulatorResult,
)
from reconciler.dialer_v1.bodies import (
    SERVER_MANAGED_FIELDS,
    Body,
    CampaignBody,
    SettingsBody,
    WebhookBody,
    body_to_json,
)
from reconciler.dialer_v1.pages import Page
from reconciler.kinds import CarrierCapacity, MetricRow, PolicyFinding, PolicyResult

log = logging.getLogger("reconciler.dialer_v1")

B = TypeVar("B", bound=Body)
JsonObject = dict[str, Any]

_OPERATION_STATUSES = ("IN_PROGRESS", "COMPLETED", "FAILED")
_RESOURCE_TYPES = ("settings", "campaign")


# --- bodies -------------------------------------------------------------------------------


def _nested_model(annotation: object) -> type[BaseModel] | None:
    """The pydantic model inside `X`, `X | None` or `Optional[X]`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


def _known_fields(model: type[BaseModel], data: Mapping[str, Any], where: str) -> JsonObject:
    """`data` without the keys `model` does not define (recursively), each logged at debug."""
    kept: JsonObject = {}
    for key, value in data.items():
        info = model.model_fields.get(key)
        if info is None:
            log.debug("dropping unknown field %s%s from the server's answer", where, key)
            continue
        inner = _nested_model(info.annotation)
        if inner is not None and isinstance(value, Mapping):
            kept[key] = _known_fields(inner, value, f"{where}{key}.")
        else:
            kept[key] = value
    return kept


def _body(model: type[B], data: Mapping[str, Any], where: Where) -> B:
    fields = {k: v for k, v in data.items() if k not in SERVER_MANAGED_FIELDS}
    try:
        return model.model_validate(_known_fields(model, fields, ""))
    except PydanticValidationError as exc:
        found = exc.errors(include_input=False)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}" for err in found
        )
        first = ".".join(str(p) for p in found[0]["loc"]) if found else ""
        raise where.error(
            f"the body does not follow the contract: {problems}", data=data, field=first
        ) from exc


def _object(data: object, where: Where) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise where.error(f"is {json_type(data)}, not an object")
    return data


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _server_fields(data: Mapping[str, Any]) -> ServerFields:
    return ServerFields(
        created_at=_opt_str(data, "createdAt"),
        updated_at=_opt_str(data, "updatedAt"),
        last_activated_at=_opt_str(data, "lastActivatedAt"),
    )


def parse_settings(data: Mapping[str, Any], where: Where) -> LiveSettings:
    """GET /api/v1/dialer/settings -> LiveSettings."""
    where = where.of("dialer settings")
    required_str(data, "name", where)  # checked first, so every later error can name it
    return LiveSettings(
        version_tag=required_str(data, "versionTag", where),
        body=_body(SettingsBody, data, where),
        server=_server_fields(data),
    )


def parse_campaign(data: object, where: Where) -> LiveCampaign:
    """One campaign object -> LiveCampaign."""
    where = where.of("campaign")
    item = _object(data, where)
    required_str(item, "name", where)
    return LiveCampaign(
        id=required_str(item, "id", where),
        version_tag=required_str(item, "versionTag", where),
        body=_body(CampaignBody, item, where),
        server=_server_fields(item),
    )


def parse_webhook(data: object, where: Where) -> LiveWebhook:
    """One webhook object -> LiveWebhook; a token the server should not echo is dropped."""
    where = where.of("webhook")
    fields = dict(_object(data, where))
    auth = fields.get("auth")
    if isinstance(auth, Mapping) and "token" in auth:
        # Write-only on the API: never keep one in a live record, even if a server sends it.
        fields["auth"] = {k: v for k, v in auth.items() if k != "token"}
    required_str(fields, "name", where)
    return LiveWebhook(
        id=required_str(fields, "id", where),
        version_tag=required_str(fields, "versionTag", where),
        body=_body(WebhookBody, fields, where),
        server=_server_fields(fields),
    )


def parse_operation(data: Mapping[str, Any], where: Where) -> Operation:
    """A 202 write answer or GET /operations/{id} -> Operation."""
    where = where.of("operation", id_key="operationId")
    operation_id = required_str(data, "operationId", where)
    status = data.get("status")
    if status not in _OPERATION_STATUSES:
        raise where.error(
            f"status {_shown(status)} is not one the contract names", data=data, field="status"
        )
    resource_type = data.get("resourceType")
    if resource_type not in _RESOURCE_TYPES:
        raise where.error(
            f"resourceType {_shown(resource_type)} is unknown", data=data, field="resourceType"
        )
    details = data.get("errorDetails")
    details = details if isinstance(details, Mapping) else {}
    return Operation(
        operation_id=operation_id,
        status=status,
        resource_type=resource_type,
        resource_id=required_str(data, "resourceId", where),
        version_tag=_opt_str(data, "versionTag") or "",
        error_code=_opt_str(details, "code"),
        error_message=_opt_str(details, "message"),
        partially_applied=details.get("partiallyApplied") is True,
        submitted_at=_opt_str(data, "submittedAt"),
        completed_at=_opt_str(data, "completedAt"),
    )


def _shown(value: object) -> str:
    """A short value of an enumerated field (status, resourceType): never a secret."""
    return repr(clip(value)) if isinstance(value, str) else json_type(value)


# --- pages --------------------------------------------------------------------------------


def page_items(data: Mapping[str, Any], where: Where) -> Page:
    """The items under the listing's key, the next page token and the total, if sent."""
    key = where.listing
    items = data.get(key)
    if not isinstance(items, list):
        found = "missing" if key not in data else json_type(items)
        raise where.error(f"{key} is {found}, not a list", field=key)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise where.item(index).error(f"is {json_type(item)}, not an object")
    token = data.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise where.error(
            f"nextPageToken is {json_type(token)}, not a string or null", field="nextPageToken"
        )
    total = data.get("totalCount")
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        log.debug("ignoring a totalCount that is not a count on %s", where.resource())
        total = None
    return Page(items, token or None, total)


def parse_metric_row(data: Mapping[str, Any], where: Where) -> MetricRow:
    """One analytics result -> MetricRow (only the numeric metrics the server sent)."""
    where = where.of("metrics row", id_key="intervalStart")
    reserved = {"campaignId", "intervalStart", "intervalEnd"}
    values = {
        k: float(v)
        for k, v in data.items()
        if k not in reserved and isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    return MetricRow(
        resource_id=required_str(data, "campaignId", where),
        interval_start=required_str(data, "intervalStart", where),
        interval_end=required_str(data, "intervalEnd", where),
        values=values,
    )


def parse_audit_entry(data: Mapping[str, Any], where: Where) -> AuditLogEntry:
    """One audit log entry -> AuditLogEntry."""
    where = where.of("audit entry")
    return AuditLogEntry(
        id=required_str(data, "id", where),
        timestamp=required_str(data, "timestamp", where),
        actor=_opt_str(data, "actor") or "",
        action=required_str(data, "action", where),
        entity=required_str(data, "entity", where),
        entity_id=_opt_str(data, "entityId") or "",
        version_tag_before=_opt_str(data, "versionTagBefore"),
        version_tag_after=_opt_str(data, "versionTagAfter"),
    )


# --- policy and simulator ------------------------------------------------------------------


def policy_request(
    config: SettingsBody | CampaignBody,
    checks: Sequence[PolicyCheck],
    carrier: CarrierCapacity | None,
) -> JsonObject:
    """The JSON of POST /api/v1/dialer/policies/validate."""
    payload: JsonObject = {
        "campaign_config": body_to_json(config, reveal_secrets=True),
        "regulatory_checks": list(checks),
    }
    if carrier is not None:
        payload["carrier_capacity"] = {
            "max_trunks": carrier.max_trunks,
            "current_utilization_percent": carrier.current_utilization_percent,
        }
    return payload


def _findings(data: Mapping[str, Any], key: str, where: Where) -> tuple[PolicyFinding, ...]:
    raw = data.get(key) or []
    if not isinstance(raw, list):
        raise where.error(f"{key} is {json_type(raw)}, not a list", field=key)
    return tuple(
        PolicyFinding(
            check=_opt_str(item, "check") or "",
            message=_opt_str(item, "message") or "",
            field=_opt_str(item, "field"),
        )
        for item in raw
        if isinstance(item, Mapping)
    )


def parse_policy_result(data: Mapping[str, Any], where: Where) -> PolicyResult:
    """The answer of policy validation -> PolicyResult."""
    where = where.of("policy validation answer")
    status = data.get("compliance_status")
    if status not in ("PASS", "FAIL"):
        raise where.error(
            f"compliance_status {_shown(status)} is neither PASS nor FAIL",
            field="compliance_status",
        )
    return PolicyResult(
        compliance_status=status,
        violations=_findings(data, "violations", where),
        warnings=_findings(data, "warnings", where),
    )


def simulator_request(request: SimulatorRequest) -> JsonObject:
    """The JSON of POST /api/v1/dialer/simulator/run."""
    return {
        "durationMinutes": request.duration_minutes,
        "concurrency": body_to_json(request.concurrency),
        "algorithm": dict(request.algorithm_json),
        "simulatedCallVolume": request.simulated_call_volume,
        "carrierLimits": {"maxConcurrent": request.carrier_max_concurrent},
    }


def _number(data: Mapping[str, Any], key: str, where: Where) -> float:
    value = data.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
        found = "missing" if key not in data else json_type(value)
        raise where.error(f"{key} is {found}, not a number", field=key)
    return float(value)


def parse_simulator_result(data: Mapping[str, Any], where: Where) -> SimulatorResult:
    """The simulator's answer -> SimulatorResult."""
    where = where.of("simulator answer")
    return SimulatorResult(
        predicted_abandonment_rate=_number(data, "predictedAbandonmentRate", where),
        agent_utilization=_number(data, "agentUtilization", where),
        average_wait_time_sec=_number(data, "averageWaitTimeSec", where),
        peak_concurrent_calls=int(_number(data, "peakConcurrentCalls", where)),
        calls_blocked_by_carrier=int(_number(data, "callsBlockedByCarrier", where)),
        calls_placed=int(_number(data, "callsPlaced", where)),
        calls_connected=int(_number(data, "callsConnected", where)),
    )


# --- errors -------------------------------------------------------------------------------


def _error_payload(response: httpx.Response) -> JsonObject:
    """The JSON object of an error answer; {} for anything else (HTML, text, too deep)."""
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return {}
    return data if isinstance(data, dict) else {}


def _field_problems(payload: Mapping[str, Any]) -> tuple[errors.FieldProblem, ...]:
    raw = payload.get("details")
    if not isinstance(raw, list):
        return ()
    return tuple(
        errors.FieldProblem(
            field=_opt_str(item, "field") or "", message=_opt_str(item, "message") or ""
        )
        for item in raw
        if isinstance(item, Mapping)
    )


def _needs(command: str) -> str:
    if not command:
        return "this command needs"
    name = command if command.startswith("reconciler") else f"reconciler {command}"
    return f"`{name}` needs"


def error_code(response: httpx.Response) -> str:
    """The `error` code of an error answer ('' when absent)."""
    return _opt_str(_error_payload(response), "error") or ""


def error_from_response(
    response: httpx.Response, method: str, path: str, *, command: str
) -> errors.ApiError:
    """The typed error for a 4xx answer that retrying cannot fix."""
    payload = _error_payload(response)
    status = response.status_code
    code = _opt_str(payload, "error") or ""
    # The server's message is echoed: it never carries credentials (the server has none of
    # ours to echo but the token, and the contract's messages are fixed texts).
    detail = _opt_str(payload, "message")
    where: dict[str, Any] = {"method": method, "path": path, "status": status}

    def text(default: str) -> str:
        return f"{default}: {detail}" if detail else default

    if status == 400:
        return errors.ValidationError(
            text(f"the server refused the request ({code or 'invalid_request'})"),
            details=_field_problems(payload),
            **where,
        )
    if status == 401:
        return errors.AuthError(
            f"the API refused our credentials ({code or 'unauthorized'})",
            hint="check the client id and secret the Tenant names, and that they are active",
            **where,
        )
    if status == 403:
        scope = _opt_str(payload, "required_scope") or "(unnamed)"
        return errors.ScopeError(
            f"{_needs(command)} the scope {scope}, which the API client's token lacks",
            required_scope=scope,
            hint=f"grant {scope} to the API client in CXone, then run the command again",
            **where,
        )
    if status == 404:
        return errors.NotFoundError(text("not found"), **where)
    if status == 409 and code == "name_conflict":
        return errors.NameConflictError(text("a resource with that name already exists"), **where)
    if status == 409:
        return errors.OperationInProgressError(
            text("another activation on this resource is still running"),
            operation_id=_opt_str(payload, "operationId"),
            hint="wait for it to finish, then re-read and plan again",
            **where,
        )
    if status == 412:
        return errors.PreconditionFailedError(
            "the resource changed since it was read (stale versionTag)",
            hint="re-read it and plan again",
            **where,
        )
    if status == 428:
        return errors.PreconditionRequiredError(
            "a write went out without If-Match (a bug in the reconciler)", **where
        )
    return errors.ProtocolError(text(f"unexpected answer {code or status}"), **where)
