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
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from reconciler.dialer_v1 import errors, wire
from reconciler.dialer_v1.answers import Where, decode_object
from reconciler.dialer_v1.api import (
    ALL_POLICY_CHECKS,
    MAX_PAGE_SIZE,
    METRIC_NAMES,
    AuditEntity,
    AuditLogEntry,
    LiveCampaign,
    LiveSettings,
    LiveWebhook,
    MetricName,
    Operation,
    PolicyCheck,
    SimulatorRequest,
    SimulatorResult,
)
from reconciler.dialer_v1.auth import (
    TOKEN_PATH,
    OAuthCredentials,
    TokenGrant,
    TokenProvider,
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
from reconciler.dialer_v1.errors import WriteOutcomeUnknown
from reconciler.dialer_v1.guarded import accepted, guarded_create, guarded_write, landed
from reconciler.dialer_v1.pages import Page, PageLimits, PageWalk, unique_names, walk_pages
from reconciler.dialer_v1.retry import (
    Call,
    CallKind,
    ClientEvent,
    ClientStats,
    Counters,
)
from reconciler.dialer_v1.session import ClientOptions, open_session
from reconciler.dialer_v1.waiter import PollSchedule
from reconciler.dialer_v1.waiter import wait_operations as _wait_operations
from reconciler.kinds import CarrierCapacity, MetricRow, PolicyResult
from reconciler.net import checked_base_url

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

T = TypeVar("T")
R = TypeVar("R", LiveCampaign, LiveWebhook)


DEFAULT_OPTIONS = ClientOptions()


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
        options: ClientOptions = DEFAULT_OPTIONS,
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
        self._http, self._requester = open_session(
            self._base_url,
            options,
            transport=transport,
            clock=clock,
            sleep=sleep,
            rng=rng,
            counters=self._counters,
            on_event=on_event,
        )
        self._prefetches: set[asyncio.Future[tuple[Page, Where]]] = set()
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
        """Cancel page fetches a caller left behind, then close the connection pool."""
        # A listing abandoned mid-way (a `break`) keeps its next page's fetch running; it must
        # not outlive the client and fail against a closed pool.
        for task in list(self._prefetches):
            task.cancel()
        if self._prefetches:
            await asyncio.wait(list(self._prefetches))
        await self._http.aclose()

    # --- plumbing ----------------------------------------------------------------------------

    async def _fetch_token(self) -> TokenGrant:
        call = Call("POST", TOKEN_PATH, CallKind.TOKEN, form=self._credentials.token_form())
        response = await self._requester.send(call)
        return _parse_token(decode_object(response, "POST", TOKEN_PATH))

    async def _get(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], Where]:
        """The answer's JSON object and where it came from (for locating its errors)."""
        response = await self._requester.send(Call("GET", path, CallKind.READ, params=params))
        data = decode_object(response, "GET", path)
        etag = response.headers.get("ETag")
        if "versionTag" not in data and etag:
            data["versionTag"] = etag.removeprefix("W/").strip('"')
        return data, Where("GET", path, response.status_code)

    def _pages(
        self, path: str, key: str, kind: str, params: Mapping[str, Any], id_key: str = "id"
    ) -> AsyncGenerator[tuple[Where, Mapping[str, Any]], None]:
        """Every item of a listing with where it sits, stopped if its paging never ends."""
        limits = PageLimits(self._options.max_pages, self._options.list_deadline_seconds)
        listing = Where("GET", path, kind=kind, listing=key, id_key=id_key)
        walk = PageWalk(listing, limits=limits, clock=self._clock)

        async def fetch(token: str | None) -> tuple[Page, Where]:
            query = dict(params) if token is None else {**params, "pageToken": token}
            data, answered = await self._get(path, query)
            where = walk.page_where(answered.status or 200)
            return wire.page_items(data, where), where

        return walk_pages(fetch, walk, self._prefetch)

    def _prefetch(self, fetch: Awaitable[tuple[Page, Where]]) -> asyncio.Future[tuple[Page, Where]]:
        task = asyncio.ensure_future(fetch)
        self._prefetches.add(task)
        task.add_done_callback(self._prefetches.discard)
        return task

    def _records(
        self,
        path: str,
        key: str,
        kind: str,
        page_size: int,
        parse: Callable[[Mapping[str, Any], Where], R],
    ) -> AsyncGenerator[R, None]:
        """Campaigns or webhooks of every page, each name once."""
        pages = self._pages(path, key, kind, {"pageSize": _page_size(page_size)})
        return unique_names(pages, parse, kind)

    def _operation(self, response: httpx.Response, call: Call) -> Operation:
        return accepted(response, call, wire.parse_operation)

    def _webhook(self, response: httpx.Response, call: Call) -> LiveWebhook:
        return accepted(response, call, wire.parse_webhook)

    # --- dialer settings ---------------------------------------------------------------------

    async def get_settings(self) -> LiveSettings:
        """GET the tenant's dialer settings."""
        return wire.parse_settings(*await self._get(SETTINGS))

    async def put_settings(self, body: SettingsBody, *, if_match: str) -> Operation:
        """PUT the settings; answers the activation."""
        call = _write("PUT", SETTINGS, body, if_match)
        response = await guarded_write(self._requester, call, self.get_settings)
        if response is None:
            raise errors.ProtocolError("the dialer settings vanished", method="GET", path=SETTINGS)
        return self._operation(response, call)

    # --- campaigns ---------------------------------------------------------------------------

    def iter_campaigns(
        self, *, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncGenerator[LiveCampaign, None]:
        """Every campaign, page by page."""
        return self._records(CAMPAIGNS, "campaigns", "campaign", page_size, wire.parse_campaign)

    async def get_campaign(self, campaign_id: str) -> LiveCampaign:
        """GET one campaign."""
        return wire.parse_campaign(*await self._get(f"{CAMPAIGNS}/{_id(campaign_id)}"))

    async def _campaign_named(self, name: str) -> LiveCampaign | None:
        async with contextlib.aclosing(self.iter_campaigns()) as campaigns:
            async for campaign in campaigns:
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

    def iter_webhooks(self, *, page_size: int = MAX_PAGE_SIZE) -> AsyncGenerator[LiveWebhook, None]:
        """Every webhook, page by page (tokens are write-only and never read back)."""
        return self._records(WEBHOOKS, "webhooks", "webhook", page_size, wire.parse_webhook)

    async def get_webhook(self, webhook_id: str) -> LiveWebhook:
        """GET one webhook."""
        return wire.parse_webhook(*await self._get(f"{WEBHOOKS}/{_id(webhook_id)}"))

    async def _webhook_named(self, name: str) -> LiveWebhook | None:
        async with contextlib.aclosing(self.iter_webhooks()) as webhooks:
            async for webhook in webhooks:
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
        return wire.parse_operation(*await self._get(f"{OPERATIONS}/{_id(operation_id)}"))

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
        data = decode_object(response, "POST", POLICY)
        return wire.parse_policy_result(data, Where("POST", POLICY, response.status_code))

    async def run_simulator(self, request: SimulatorRequest) -> SimulatorResult:
        """Run the API's capacity simulator (no side effect: retried like a read)."""
        call = Call("POST", SIMULATOR, CallKind.READ, json=wire.simulator_request(request))
        response = await self._requester.send(call)
        data = decode_object(response, "POST", SIMULATOR)
        return wire.parse_simulator_result(data, Where("POST", SIMULATOR, response.status_code))

    async def iter_metrics(
        self,
        campaign_id: str,
        *,
        metrics: Sequence[MetricName] = METRIC_NAMES,
        group_by: Literal["hour", "day"] = "hour",
        start: str | None = None,
        end: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
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
        pages = self._pages(METRICS, "results", "metrics row", params, id_key="intervalStart")
        async with contextlib.aclosing(pages):
            async for where, item in pages:
                yield wire.parse_metric_row(item, where)

    async def iter_audit_logs(
        self,
        *,
        entity: AuditEntity | None = None,
        start: str | None = None,
        end: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[AuditLogEntry]:
        """Audit entries, page by page."""
        params: dict[str, Any] = {"pageSize": _page_size(page_size)}
        for key, value in (("entity", entity), ("from", start), ("to", end)):
            if value is not None:
                params[key] = value
        pages = self._pages(AUDIT, "logs", "audit entry", params)
        async with contextlib.aclosing(pages):
            async for where, item in pages:
                yield wire.parse_audit_entry(item, where)
