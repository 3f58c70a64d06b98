"""`DialerV1Client`: the `DialerApi` over httpx, against a CXone tenant or the emulator.

Typed methods only: URLs, headers, JSON and status codes stay in this package
(`retry.py` sends and retries, `wire.py` parses, `auth.py` holds credentials,
`limiter.py` paces writes and reads, `waiter.py` polls activations). Every write to an existing
resource carries `If-Match` (an empty versionTag is refused before sending, so a 428 can
only mean a server bug). Writes whose answer was lost are re-checked before any repeat, as
`retry.py` explains, so no write is ever applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from reconciler.dialer_v1 import errors, wire
from reconciler.dialer_v1.api import (
    ALL_POLICY_CHECKS,
    METRIC_NAMES,
    AuditEntity,
    AuditLogEntry,
    CarrierCapacity,
    LiveCampaign,
    LiveSettings,
    LiveWebhook,
    MetricName,
    MetricRow,
    Operation,
    PolicyCheck,
    PolicyResult,
    SimulatorRequest,
    SimulatorResult,
)
from reconciler.dialer_v1.auth import (
    TOKEN_PATH,
    OAuthCredentials,
    TokenGrant,
    TokenProvider,
    checked_base_url,
)
from reconciler.dialer_v1.auth import parse_token_answer as _parse_token
from reconciler.dialer_v1.bodies import (
    Body,
    CampaignBody,
    SettingsBody,
    WebhookAuth,
    WebhookBody,
    body_to_json,
)
from reconciler.dialer_v1.guarded import guarded_create, guarded_write, landed
from reconciler.dialer_v1.limiter import Limiter, Limiters
from reconciler.dialer_v1.retry import (
    Call,
    CallKind,
    ClientEvent,
    ClientStats,
    Counters,
    Requester,
    RetrySettings,
    WriteOutcomeUnknown,
)
from reconciler.dialer_v1.waiter import PollSchedule
from reconciler.dialer_v1.waiter import wait_operations as _wait_operations

__all__ = ["ClientEvent", "ClientOptions", "ClientStats", "DialerV1Client", "WriteOutcomeUnknown"]

log = logging.getLogger("reconciler.dialer_v1")

SETTINGS = "/api/v1/dialer/settings"
CAMPAIGNS = "/api/v1/campaigns"
WEBHOOKS = "/api/v1/integrations/webhooks"
OPERATIONS = "/api/v1/dialer/operations"
POLICY = "/api/v1/dialer/policies/validate"
SIMULATOR = "/api/v1/dialer/simulator/run"
METRICS = "/api/v1/analytics/dialer/metrics"
AUDIT = "/api/v1/audit/logs"
MAX_PAGE_SIZE = 500

T = TypeVar("T")


@dataclass(frozen=True)
class ClientOptions:
    """Tuning of the client; the defaults suit a real tenant."""

    # Until an answer announces the tenant's limits (X-RateLimit-Limit), which then win.
    write_limit_per_minute: float = 100.0  # the contract's, unless the Tenant declares one
    read_limit_per_minute: float = 1000.0
    max_attempts: int = 5  # per request
    request_deadline_seconds: float = 120.0  # total, across retries
    timeout_seconds: float = 30.0  # per HTTP attempt
    backoff_base_seconds: float = 0.25
    backoff_cap_seconds: float = 20.0
    token_safety_margin_seconds: float = 300.0
    poll_initial_seconds: float = 0.25
    poll_cap_seconds: float = 5.0
    command: str = ""  # named in 403 messages ("`reconciler apply` needs ...")
    max_in_flight: int = 10  # HTTP requests on the wire at once; more callers queue


def _page_size(page_size: int) -> int:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1-{MAX_PAGE_SIZE}, not {page_size}")
    return page_size


def _if_match(version_tag: str) -> dict[str, str]:
    if not version_tag.strip():
        # The contract answers 428 to a write without If-Match; never let one leave.
        raise ValueError("a write to an existing resource needs its versionTag (If-Match)")
    return {"If-Match": version_tag}


def _id(resource_id: str) -> str:
    return quote(resource_id, safe="")


def _write(method: str, path: str, body: Body | None = None, if_match: str | None = None) -> Call:
    """A write call; the body's secrets are revealed here only, into the request JSON."""
    return Call(
        method,
        path,
        CallKind.WRITE,
        json=body_to_json(body, reveal_secrets=True) if body is not None else None,
        headers=_if_match(if_match) if if_match is not None else None,
    )


class DialerV1Client:
    """The dialer API as typed async methods (implements `DialerApi`)."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        options: ClientOptions = ClientOptions(),
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        on_event: Callable[[ClientEvent], None] | None = None,
    ) -> None:
        self._base_url = checked_base_url(base_url)
        self._options = options
        self._clock = clock
        self._sleep = sleep
        self._counters = Counters()
        # TLS verification stays on (httpx's default); it is never configurable here.
        self._http = httpx.AsyncClient(
            base_url=self._base_url,
            transport=transport,
            timeout=options.timeout_seconds,
            follow_redirects=False,
            limits=httpx.Limits(
                max_connections=options.max_in_flight,
                max_keepalive_connections=options.max_in_flight,
            ),
        )
        settings = RetrySettings(
            max_attempts=options.max_attempts,
            deadline_seconds=options.request_deadline_seconds,
            timeout_seconds=options.timeout_seconds,
            backoff_base_seconds=options.backoff_base_seconds,
            backoff_cap_seconds=options.backoff_cap_seconds,
            max_in_flight=options.max_in_flight,
        )
        self._requester = Requester(
            self._http,
            settings=settings,
            limiters=Limiters(
                writes=Limiter(options.write_limit_per_minute, clock=clock, sleep=sleep),
                reads=Limiter(options.read_limit_per_minute, clock=clock, sleep=sleep),
            ),
            clock=clock,
            sleep=sleep,
            rng=rng or random.Random(),
            counters=self._counters,
            on_event=on_event,
            command=options.command,
        )
        self._credentials = OAuthCredentials(client_id, client_secret)
        self._requester.tokens = TokenProvider(
            self._fetch_token,
            clock=clock,
            safety_margin_seconds=options.token_safety_margin_seconds,
        )

    def __repr__(self) -> str:
        return f"DialerV1Client(base_url={self._base_url!r})"

    @property
    def stats(self) -> ClientStats:
        """Counters so far (requests by method, retries, 429s, polls)."""
        return self._counters.snapshot()

    async def __aenter__(self) -> DialerV1Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # --- plumbing ----------------------------------------------------------------------------

    async def _fetch_token(self) -> TokenGrant:
        call = Call("POST", TOKEN_PATH, CallKind.TOKEN, form=self._credentials.token_form())
        response = await self._requester.send(call)
        return _parse_token(wire.decode_object(response, "POST", TOKEN_PATH))

    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = await self._requester.send(Call("GET", path, CallKind.READ, params=params))
        data = wire.decode_object(response, "GET", path)
        etag = response.headers.get("ETag")
        if "versionTag" not in data and etag:
            data["versionTag"] = etag.removeprefix("W/").strip('"')
        return data

    async def _pages(
        self, path: str, key: str, params: Mapping[str, Any]
    ) -> AsyncIterator[Mapping[str, Any]]:
        """Items of every page; the next page is fetched while this one is consumed."""

        async def fetch(token: str | None) -> tuple[list[Mapping[str, Any]], str | None]:
            query = dict(params) if token is None else {**params, "pageToken": token}
            return wire.page_items(await self._get(path, query), key)

        pending: asyncio.Task[tuple[list[Mapping[str, Any]], str | None]] | None
        pending = asyncio.ensure_future(fetch(None))
        try:
            while pending is not None:
                items, token = await pending
                # Page tokens chain the fetches; overlapping the next fetch with parsing
                # (and whatever the caller does) is the only parallelism paging allows.
                pending = asyncio.ensure_future(fetch(token)) if token is not None else None
                for item in items:
                    yield item
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pending

    def _operation(self, response: httpx.Response, call: Call) -> Operation:
        return wire.parse_operation(wire.decode_object(response, call.method, call.path))

    def _webhook(self, response: httpx.Response, call: Call) -> LiveWebhook:
        return wire.parse_webhook(wire.decode_object(response, call.method, call.path))

    # --- dialer settings ---------------------------------------------------------------------

    async def get_settings(self) -> LiveSettings:
        """GET the tenant's dialer settings."""
        return wire.parse_settings(await self._get(SETTINGS))

    async def put_settings(self, body: SettingsBody, *, if_match: str) -> Operation:
        """PUT the settings; answers the activation."""
        call = _write("PUT", SETTINGS, body, if_match)
        response = await guarded_write(self._requester, call, self.get_settings)
        if response is None:
            raise errors.ProtocolError("the dialer settings vanished", method="GET", path=SETTINGS)
        return self._operation(response, call)

    # --- campaigns ---------------------------------------------------------------------------

    async def iter_campaigns(self, *, page_size: int = 500) -> AsyncIterator[LiveCampaign]:
        """Every campaign, page by page."""
        async for item in self._pages(CAMPAIGNS, "campaigns", {"pageSize": _page_size(page_size)}):
            yield wire.parse_campaign(item)

    async def get_campaign(self, campaign_id: str) -> LiveCampaign:
        """GET one campaign."""
        return wire.parse_campaign(await self._get(f"{CAMPAIGNS}/{_id(campaign_id)}"))

    async def _campaign_named(self, name: str) -> LiveCampaign | None:
        async for campaign in self.iter_campaigns():
            if campaign.body.name == name:
                return campaign
        return None

    async def create_campaign(self, body: CampaignBody) -> Operation:
        """POST a new campaign; answers the activation that creates it."""
        call = _write("POST", CAMPAIGNS, body)
        result = await guarded_create(
            self._requester, call, lambda: self._campaign_named(body.name)
        )
        if isinstance(result, LiveCampaign):
            raise landed(call, f"campaign {body.name!r} now exists", result.id)
        return self._operation(result, call)

    async def update_campaign(
        self, campaign_id: str, body: CampaignBody, *, if_match: str
    ) -> Operation:
        """PUT a campaign; answers the activation."""
        call = _write("PUT", f"{CAMPAIGNS}/{_id(campaign_id)}", body, if_match)
        response = await guarded_write(
            self._requester, call, lambda: self.get_campaign(campaign_id)
        )
        if response is None:
            raise landed(call, "the campaign is gone", campaign_id)
        return self._operation(response, call)

    async def delete_campaign(self, campaign_id: str, *, if_match: str) -> Operation:
        """DELETE a campaign; answers the activation that removes it."""
        call = _write("DELETE", f"{CAMPAIGNS}/{_id(campaign_id)}", None, if_match)
        response = await guarded_write(
            self._requester, call, lambda: self.get_campaign(campaign_id)
        )
        if response is None:
            raise landed(call, "the campaign is gone: the delete landed", campaign_id)
        return self._operation(response, call)

    # --- webhooks (synchronous writes) ------------------------------------------------------

    async def iter_webhooks(self, *, page_size: int = 500) -> AsyncIterator[LiveWebhook]:
        """Every webhook, page by page (tokens are write-only and never read back)."""
        async for item in self._pages(WEBHOOKS, "webhooks", {"pageSize": _page_size(page_size)}):
            yield wire.parse_webhook(item)

    async def get_webhook(self, webhook_id: str) -> LiveWebhook:
        """GET one webhook."""
        return wire.parse_webhook(await self._get(f"{WEBHOOKS}/{_id(webhook_id)}"))

    async def _webhook_named(self, name: str) -> LiveWebhook | None:
        async for webhook in self.iter_webhooks():
            if webhook.body.name == name:
                return webhook
        return None

    async def create_webhook(self, body: WebhookBody) -> LiveWebhook:
        """POST a webhook (its token is sent, never read back)."""
        call = _write("POST", WEBHOOKS, body)
        result = await guarded_create(self._requester, call, lambda: self._webhook_named(body.name))
        if isinstance(result, LiveWebhook):
            as_read = body.model_copy(update={"auth": WebhookAuth(type=body.auth.type)})
            if result.body == as_read:
                return result  # ours: it landed before the answer was lost
            raise landed(call, f"another webhook named {body.name!r} exists", result.id)
        return self._webhook(result, call)

    async def update_webhook(
        self, webhook_id: str, body: WebhookBody, *, if_match: str
    ) -> LiveWebhook:
        """PUT a webhook; answers it as stored."""
        call = _write("PUT", f"{WEBHOOKS}/{_id(webhook_id)}", body, if_match)
        response = await guarded_write(self._requester, call, lambda: self.get_webhook(webhook_id))
        if response is None:
            raise landed(call, "the webhook is gone", webhook_id)
        return self._webhook(response, call)

    async def delete_webhook(self, webhook_id: str, *, if_match: str) -> None:
        """DELETE a webhook (a lost answer whose webhook is gone counts as done)."""
        call = _write("DELETE", f"{WEBHOOKS}/{_id(webhook_id)}", None, if_match)
        await guarded_write(self._requester, call, lambda: self.get_webhook(webhook_id))

    # --- operations --------------------------------------------------------------------------

    async def get_operation(self, operation_id: str) -> Operation:
        """GET one activation."""
        return wire.parse_operation(await self._get(f"{OPERATIONS}/{_id(operation_id)}"))

    async def wait_operations(
        self, operations: Sequence[Operation], *, deadline_seconds: float
    ) -> list[Operation]:
        """Poll until every operation is done; FAILED ones are returned, not raised."""

        def count(polls: int) -> None:
            self._counters.polls += polls

        return await _wait_operations(
            operations,
            get_operation=self.get_operation,
            deadline_seconds=deadline_seconds,
            schedule=PollSchedule(
                initial_seconds=self._options.poll_initial_seconds,
                cap_seconds=self._options.poll_cap_seconds,
            ),
            clock=self._clock,
            sleep=self._sleep,
            on_poll=count,
        )

    # --- read-like POSTs, analytics, audit ---------------------------------------------------

    async def validate_policy(
        self,
        config: SettingsBody | CampaignBody,
        *,
        checks: Sequence[PolicyCheck] = ALL_POLICY_CHECKS,
        carrier: CarrierCapacity | None = None,
    ) -> PolicyResult:
        """Ask the API's policy validation (no side effect: retried like a read)."""
        call = Call(
            "POST", POLICY, CallKind.READ, json=wire.policy_request(config, checks, carrier)
        )
        response = await self._requester.send(call)
        return wire.parse_policy_result(wire.decode_object(response, "POST", POLICY))

    async def run_simulator(self, request: SimulatorRequest) -> SimulatorResult:
        """Run the API's capacity simulator (no side effect: retried like a read)."""
        call = Call("POST", SIMULATOR, CallKind.READ, json=wire.simulator_request(request))
        response = await self._requester.send(call)
        return wire.parse_simulator_result(wire.decode_object(response, "POST", SIMULATOR))

    async def iter_metrics(
        self,
        campaign_id: str,
        *,
        metrics: Sequence[MetricName] = METRIC_NAMES,
        group_by: Literal["hour", "day"] = "hour",
        start: str | None = None,
        end: str | None = None,
        page_size: int = 500,
    ) -> AsyncIterator[MetricRow]:
        """Analytics rows for one campaign, page by page."""
        params: dict[str, Any] = {
            "campaignId": campaign_id,
            "metrics": list(metrics),
            "groupBy": group_by,
            "pageSize": _page_size(page_size),
        }
        if start is not None:
            params["from"] = start
        if end is not None:
            params["to"] = end
        async for item in self._pages(METRICS, "results", params):
            yield wire.parse_metric_row(item)

    async def iter_audit_logs(
        self,
        *,
        entity: AuditEntity | None = None,
        start: str | None = None,
        end: str | None = None,
        page_size: int = 500,
    ) -> AsyncIterator[AuditLogEntry]:
        """Audit entries, page by page."""
        params: dict[str, Any] = {"pageSize": _page_size(page_size)}
        for key, value in (("entity", entity), ("from", start), ("to", end)):
            if value is not None:
                params[key] = value
        async for item in self._pages(AUDIT, "logs", params):
            yield wire.parse_audit_entry(item)
