"""The contract's endpoints as Starlette routes (contract §1-§10)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reconciler.dialer_v1.emulator import analytics
from reconciler.dialer_v1.emulator.access import IssuedToken, TokenError
from reconciler.dialer_v1.emulator.bodies import InvalidBody
from reconciler.dialer_v1.emulator.clock import iso, parse_iso
from reconciler.dialer_v1.emulator.paging import paginate
from reconciler.dialer_v1.emulator.policy import validate_policy
from reconciler.dialer_v1.emulator.problems import ApiProblem, invalid, not_found
from reconciler.dialer_v1.emulator.records import AuditEntry, OperationRecord
from reconciler.dialer_v1.emulator.simulator import run_simulation

if TYPE_CHECKING:
    from reconciler.dialer_v1.emulator.core import Emulator

JsonDict = dict[str, Any]
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})


@dataclass(frozen=True)
class Call:
    """One authorised API request."""

    request: Request
    emu: Emulator
    grant: IssuedToken

    @property
    def actor(self) -> str:
        """Who the audit log says made the write."""
        return f"client:{self.grant.client_id}"

    async def json(self) -> Any:
        """The request body as JSON, or a 400."""
        raw = await self.request.body()
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise invalid([{"field": "body", "message": "not valid JSON"}]) from exc

    def if_match(self) -> str | None:
        """The If-Match header, if sent."""
        return self.request.headers.get("if-match")


Handler = Callable[[Call], Awaitable[Response]]


def _problem_response(problem: ApiProblem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem.body(), status_code=problem.status, headers=headers)


def _authenticate(emu: Emulator, request: Request) -> IssuedToken:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    grant = emu.tokens.check(token.strip()) if scheme.lower() == "bearer" else None
    if grant is None:
        raise ApiProblem(401, "invalid_token", "the access token is missing, unknown or expired")
    return grant


def guarded(
    emu: Emulator, scopes: tuple[str, ...], handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with auth (401), scope (403), rate limit (429) and error rendering."""

    async def endpoint(request: Request) -> Response:
        rate_headers: dict[str, str] = {}
        try:
            grant = _authenticate(emu, request)
            if not grant.scopes & set(scopes):
                raise ApiProblem(
                    403,
                    "insufficient_scope",
                    f"this call needs the scope {scopes[0]}",
                    required_scope=scopes[0],
                )
            bucket = "write" if request.method in WRITE_METHODS else "read"
            decision = emu.limiter.take(bucket)
            rate_headers = {
                "X-RateLimit-Limit": str(decision.limit),
                "X-RateLimit-Remaining": str(decision.remaining),
                "X-RateLimit-Reset": str(decision.reset_seconds),
            }
            if not decision.allowed:
                rate_headers["Retry-After"] = str(decision.reset_seconds)
                raise ApiProblem(429, "rate_limited", f"over {decision.limit} {bucket}s per minute")
            emu.tenant.tick()
            response = await handler(Call(request, emu, grant))
        except InvalidBody as exc:
            response = _problem_response(invalid(exc.details))
        except ApiProblem as problem:
            extra = (
                {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                if problem.status == 401
                else None
            )
            response = _problem_response(problem, extra)
        response.headers.update(rate_headers)
        return response

    return endpoint


# ---- OAuth (§1) ------------------------------------------------------------------------


async def token_endpoint(emu: Emulator, request: Request) -> Response:
    """POST /oauth/token: client credentials as a form or a JSON body (or HTTP Basic)."""
    raw = await request.body()
    form: dict[str, Any]
    try:
        if "json" in request.headers.get("content-type", ""):
            parsed = json.loads(raw or b"{}")
            form = parsed if isinstance(parsed, dict) else {}
        else:
            form = dict(parse_qsl(raw.decode("utf-8")))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return JSONResponse({"error": "invalid_request", "message": "unreadable body"}, 400)
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic ") and not client_id:
        try:
            pair = base64.b64decode(basic[6:].strip()).decode("utf-8")
        except (ValueError, binascii.Error, UnicodeDecodeError):
            pair = ""
        client_id, _, client_secret = pair.partition(":")
    try:
        token, grant = emu.tokens.issue(
            _text(form.get("grant_type")),
            _text(client_id),
            _text(client_secret),
            _text(form.get("scope")),
        )
    except TokenError as exc:
        return JSONResponse({"error": exc.code, "message": exc.message}, exc.status)
    body = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": emu.config.token_ttl_seconds,
        "scope": " ".join(sorted(grant.scopes)),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# ---- settings, operations (§3, §4) ------------------------------------------------------


def operation_json(op: OperationRecord) -> JsonDict:
    """An operation as GET /dialer/operations/{id} returns it."""
    return {
        "operationId": op.id,
        "status": op.status,
        "resourceType": op.resource_type,
        "resourceId": op.resource_id,
        "versionTag": op.final_tag if op.final_tag is not None else op.announced_tag,
        "errorDetails": op.error,
        "submittedAt": iso(op.submitted),
        "completedAt": iso(op.completed) if op.completed is not None else None,
    }


def _accepted(op: OperationRecord) -> Response:
    headers = {"Location": f"/api/v1/dialer/operations/{op.id}"}
    return JSONResponse(operation_json(op), status_code=202, headers=headers)


def _with_etag(data: JsonDict) -> Response:
    return JSONResponse(data, headers={"ETag": f'"{data["versionTag"]}"'})


async def get_settings(call: Call) -> Response:
    """GET /dialer/settings."""
    with call.emu.tenant.lock:
        return _with_etag(call.emu.tenant.settings_json())


async def put_settings(call: Call) -> Response:
    """PUT /dialer/settings -> 202."""
    op = call.emu.tenant.put_settings(await call.json(), call.if_match(), call.actor)
    return _accepted(op)


async def get_operation(call: Call) -> Response:
    """GET /dialer/operations/{id}."""
    op = call.emu.tenant.operations.get(call.request.path_params["operation_id"])
    if op is None:
        raise not_found("operation")
    return JSONResponse(operation_json(op))


async def policies_validate(call: Call) -> Response:
    """POST /dialer/policies/validate."""
    return JSONResponse(validate_policy(await call.json()))


async def simulator_run(call: Call) -> Response:
    """POST /dialer/simulator/run."""
    return JSONResponse(run_simulation(await call.json()))


# ---- campaigns (§5) ---------------------------------------------------------------------


async def list_campaigns(call: Call) -> Response:
    """GET /campaigns, paged."""
    tenant = call.emu.tenant
    with tenant.lock:
        items = sorted(tenant.campaigns.values(), key=lambda c: c.id)
        page, token = paginate(items, lambda c: c.id, call.request.query_params, listing="c")
        return JSONResponse(
            {"campaigns": [tenant.resource_json(c) for c in page], "nextPageToken": token}
        )


async def create_campaign(call: Call) -> Response:
    """POST /campaigns -> 202."""
    return _accepted(call.emu.tenant.create_campaign(await call.json(), call.actor))


def _cid(call: Call) -> str:
    return str(call.request.path_params["campaign_id"])


async def get_campaign(call: Call) -> Response:
    """GET /campaigns/{id}."""
    with call.emu.tenant.lock:
        campaign = call.emu.tenant.campaigns.get(_cid(call))
        if campaign is None:
            raise not_found(f"campaign {_cid(call)}")
        return _with_etag(call.emu.tenant.resource_json(campaign))


async def update_campaign(call: Call) -> Response:
    """PUT /campaigns/{id} -> 202."""
    body = await call.json()
    return _accepted(call.emu.tenant.update_campaign(_cid(call), body, call.if_match(), call.actor))


async def delete_campaign(call: Call) -> Response:
    """DELETE /campaigns/{id} -> 202."""
    return _accepted(call.emu.tenant.delete_campaign(_cid(call), call.if_match(), call.actor))


# ---- webhooks (§7) ----------------------------------------------------------------------


def _wid(call: Call) -> str:
    return str(call.request.path_params["webhook_id"])


async def list_webhooks(call: Call) -> Response:
    """GET /integrations/webhooks, paged; tokens never returned."""
    tenant = call.emu.tenant
    with tenant.lock:
        items = sorted(tenant.webhooks.values(), key=lambda w: w.id)
        page, token = paginate(items, lambda w: w.id, call.request.query_params, listing="w")
        return JSONResponse(
            {"webhooks": [tenant.resource_json(w) for w in page], "nextPageToken": token}
        )


async def create_webhook(call: Call) -> Response:
    """POST /integrations/webhooks -> 201."""
    hook = call.emu.tenant.create_webhook(await call.json(), call.actor)
    return JSONResponse(call.emu.tenant.resource_json(hook), status_code=201)


async def get_webhook(call: Call) -> Response:
    """GET /integrations/webhooks/{id}."""
    with call.emu.tenant.lock:
        hook = call.emu.tenant.webhooks.get(_wid(call))
        if hook is None:
            raise not_found(f"webhook {_wid(call)}")
        return _with_etag(call.emu.tenant.resource_json(hook))


async def update_webhook(call: Call) -> Response:
    """PUT /integrations/webhooks/{id} -> 200."""
    body = await call.json()
    hook = call.emu.tenant.update_webhook(_wid(call), body, call.if_match(), call.actor)
    return _with_etag(call.emu.tenant.resource_json(hook))


async def delete_webhook(call: Call) -> Response:
    """DELETE /integrations/webhooks/{id} -> 204."""
    call.emu.tenant.delete_webhook(_wid(call), call.if_match(), call.actor)
    return Response(status_code=204)


# ---- analytics (§8) and audit (§9) --------------------------------------------------------


async def metrics(call: Call) -> Response:
    """GET /analytics/dialer/metrics, paged rows per interval."""
    query = call.request.query_params
    campaign_id = query.get("campaignId")
    if not campaign_id:
        raise invalid([{"field": "campaignId", "message": "required"}])
    chosen, step, first, stop = analytics.parse_query(
        query.getlist("metrics"),
        query.get("groupBy"),
        query.get("from"),
        query.get("to"),
        call.emu.clock.now(),
    )
    with call.emu.tenant.lock:
        if campaign_id not in call.emu.tenant.campaigns:
            raise not_found(f"campaign {campaign_id}")
    overrides = call.emu.metric_overrides(campaign_id)
    filters = f"{campaign_id}|{','.join(chosen)}|{step}|{first}|{stop}"
    keys = analytics.interval_starts(first, stop, step)
    page, token = paginate(keys, str, query, listing="m", filters=filters)
    seed = call.emu.config.seed
    rows = [analytics.row(k, step, campaign_id, chosen, seed, overrides) for k in page]
    return JSONResponse({"results": rows, "nextPageToken": token})


def audit_json(entry: AuditEntry) -> JsonDict:
    """An audit entry as GET /audit/logs returns it."""
    return {
        "id": entry.id,
        "timestamp": iso(entry.timestamp),
        "actor": entry.actor,
        "action": entry.action,
        "entity": entry.entity,
        "entityId": entry.entity_id,
        "versionTagBefore": entry.version_tag_before,
        "versionTagAfter": entry.version_tag_after,
        "outcome": entry.outcome,
        "operationId": entry.operation_id,
    }


async def audit_logs(call: Call) -> Response:
    """GET /audit/logs, filtered by entity and [from, to), paged."""
    query = call.request.query_params
    entity = query.get("entity")
    if entity is not None and entity not in ("dialer", "campaign", "webhook"):
        raise invalid([{"field": "entity", "message": "must be dialer, campaign or webhook"}])
    start, end = _time(query.get("from"), "from"), _time(query.get("to"), "to")
    with call.emu.tenant.lock:
        entries = [
            e
            for e in call.emu.tenant.audit
            if (entity is None or e.entity == entity)
            and (start is None or e.timestamp >= start)
            and (end is None or e.timestamp < end)
        ]
    filters = f"{entity}|{start}|{end}"
    page, token = paginate(entries, lambda e: e.id, query, listing="a", filters=filters)
    return JSONResponse({"logs": [audit_json(e) for e in page], "nextPageToken": token})


def _time(text: str | None, name: str) -> float | None:
    if text is None:
        return None
    try:
        return parse_iso(text)
    except ValueError as exc:
        raise invalid([{"field": name, "message": "not an ISO 8601 time"}]) from exc


def api_routes(emu: Emulator) -> list[BaseRoute]:
    """Every endpoint of the contract, each with the scopes it needs."""
    dialer_read, dialer_any = ("dialer:read",), ("dialer:read", "dialer:write")
    table: list[tuple[str, str, tuple[str, ...], Handler]] = [
        ("/api/v1/dialer/settings", "GET", dialer_read, get_settings),
        ("/api/v1/dialer/settings", "PUT", ("dialer:write",), put_settings),
        ("/api/v1/dialer/operations/{operation_id}", "GET", dialer_read, get_operation),
        ("/api/v1/dialer/policies/validate", "POST", dialer_any, policies_validate),
        ("/api/v1/dialer/simulator/run", "POST", dialer_any, simulator_run),
        ("/api/v1/campaigns", "GET", ("campaigns:read",), list_campaigns),
        ("/api/v1/campaigns", "POST", ("campaigns:write",), create_campaign),
        ("/api/v1/campaigns/{campaign_id}", "GET", ("campaigns:read",), get_campaign),
        ("/api/v1/campaigns/{campaign_id}", "PUT", ("campaigns:write",), update_campaign),
        ("/api/v1/campaigns/{campaign_id}", "DELETE", ("campaigns:write",), delete_campaign),
        ("/api/v1/integrations/webhooks", "GET", ("webhooks:read",), list_webhooks),
        ("/api/v1/integrations/webhooks", "POST", ("webhooks:write",), create_webhook),
        ("/api/v1/integrations/webhooks/{webhook_id}", "GET", ("webhooks:read",), get_webhook),
        ("/api/v1/integrations/webhooks/{webhook_id}", "PUT", ("webhooks:write",), update_webhook),
        (
            "/api/v1/integrations/webhooks/{webhook_id}",
            "DELETE",
            ("webhooks:write",),
            delete_webhook,
        ),
        ("/api/v1/analytics/dialer/metrics", "GET", ("analytics:read",), metrics),
        ("/api/v1/audit/logs", "GET", ("audit:read",), audit_logs),
    ]

    async def oauth(request: Request) -> Response:
        return await token_endpoint(emu, request)

    routes: list[BaseRoute] = [Route("/oauth/token", oauth, methods=["POST"])]
    routes += [
        Route(path, guarded(emu, scopes, handler), methods=[method])
        for path, method, scopes, handler in table
    ]
    return routes
