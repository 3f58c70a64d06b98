"""The `Emulator`: one in-memory CXone tenant behind a Starlette app."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.dialer_v1.emulator import edits
from reconciler.dialer_v1.emulator.access import RateLimiter, TokenStore
from reconciler.dialer_v1.emulator.analytics import METRIC_RANGES
from reconciler.dialer_v1.emulator.clock import EmulatorClock, SystemClock
from reconciler.dialer_v1.emulator.config import EmulatorConfig
from reconciler.dialer_v1.emulator.control import control_routes
from reconciler.dialer_v1.emulator.deliveries import DeliveryQueue, event_payload
from reconciler.dialer_v1.emulator.faults import Faults
from reconciler.dialer_v1.emulator.middleware import FaultMiddleware
from reconciler.dialer_v1.emulator.records import Delivery, RequestRecord
from reconciler.dialer_v1.emulator.routes import api_routes
from reconciler.dialer_v1.emulator.seed import load_seed_file, make_tenant
from reconciler.dialer_v1.emulator.tenant import Tenant

JsonDict = dict[str, Any]
PUMP_INTERVAL_SECONDS = 0.25


class Emulator:
    """An emulated tenant: `app` serves the contract, `faults` scripts misbehaviour."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        clock: EmulatorClock | None = None,
        tenant: JsonDict | None = None,
        *,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.clock: EmulatorClock = clock or SystemClock()
        self.tokens = TokenStore(self.config, self.clock)
        self.limiter = RateLimiter(self.config, self.clock)
        self.faults = Faults(self.tokens.expire_all, self._on_clear)
        self._queue = DeliveryQueue(
            self.clock, deliver_http=self.config.deliver_http, transport=webhook_transport
        )
        self._lock = threading.Lock()
        self._overrides: dict[str, dict[str, float]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.requests: list[RequestRecord] = []
        seed = copy.deepcopy(tenant) if tenant is not None else make_tenant(seed=self.config.seed)
        self.tenant = Tenant(
            seed,
            clock=self.clock,
            faults=self.faults,
            operation_seconds=self.config.operation_seconds,
            tag_seed=self.config.seed,
            on_event=self._on_event,
        )
        self.app = Starlette(
            routes=[*api_routes(self), *control_routes(self)],
            middleware=[Middleware(FaultMiddleware, emu=self)],
            exception_handlers={HTTPException: _http_exception},
            lifespan=self._lifespan,
        )

    @classmethod
    def from_seed_file(cls, path: Path, config: EmulatorConfig | None = None) -> Emulator:
        """An emulator seeded from a YAML or JSON seed document."""
        return cls(config, tenant=load_seed_file(path))

    # ---- in-process use ---------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport into the app (no sockets); dropped connections raise like one."""
        from reconciler.dialer_v1.emulator.server import EmulatorTransport

        return EmulatorTransport(self.app)

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery attempt so far."""
        return self._queue.deliveries

    async def flush_deliveries(self) -> None:
        """Make every webhook delivery attempt that is due now (tests drive retries this way)."""
        self.tenant.tick()
        await self._queue.pump()

    # ---- out-of-band edits ------------------------------------------------------------

    def edit_settings(self, changes: JsonDict) -> None:
        """Deep-merge `changes` into the live settings (None deletes a key)."""
        self.tenant.tick()
        edits.edit_settings(self.tenant, changes)

    def edit_campaign(self, name: str, changes: JsonDict) -> None:
        """Deep-merge `changes` into the live campaign `name`."""
        self.tenant.tick()
        edits.edit_campaign(self.tenant, name, changes)

    def add_campaign(self, body: JsonDict) -> str:
        """Create a campaign directly; returns its id."""
        self.tenant.tick()
        return edits.add_campaign(self.tenant, body)

    def remove_campaign(self, name: str) -> None:
        """Delete the campaign `name` directly."""
        self.tenant.tick()
        edits.remove_campaign(self.tenant, name)

    def edit_webhook(self, name: str, changes: JsonDict) -> None:
        """Deep-merge `changes` into the webhook `name`."""
        edits.edit_webhook(self.tenant, name, changes)

    def add_webhook(self, body: JsonDict) -> str:
        """Create a webhook directly (body with auth.token); returns its id."""
        return edits.add_webhook(self.tenant, body)

    def set_metric(self, campaign_name: str, metric: str, value: float) -> None:
        """Every analytics row of that campaign reports `value` for `metric` from now on."""
        if metric not in METRIC_RANGES:
            raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRIC_RANGES)}")
        with self.tenant.lock:
            cid = self.tenant.campaign_by_name(campaign_name).id
        with self._lock:
            self._overrides.setdefault(cid, {})[metric] = float(value)

    def metric_overrides(self, campaign_id: str) -> dict[str, float]:
        """The metric values tests pinned for a campaign."""
        with self._lock:
            return dict(self._overrides.get(campaign_id, {}))

    # ---- inspection ---------------------------------------------------------------------

    def tenant_json(self) -> JsonDict:
        """The whole live tenant; webhook tokens replaced by their sha256 digest."""
        self.tenant.tick()
        tenant = self.tenant
        with tenant.lock:
            hooks = []
            for hook in sorted(tenant.webhooks.values(), key=lambda w: w.id):
                data = tenant.resource_json(hook)
                if hook.token is not None:
                    digest = hashlib.sha256(hook.token.encode()).hexdigest()
                    data["auth"] = {**data["auth"], "token": f"sha256:{digest}"}
                hooks.append(data)
            return {
                "settings": tenant.settings_json(),
                "campaigns": [
                    tenant.resource_json(c)
                    for c in sorted(tenant.campaigns.values(), key=lambda c: c.id)
                ],
                "webhooks": hooks,
            }

    def webhook_token(self, name: str) -> str | None:
        """The stored secret of webhook `name` (tests only), None if there is no such webhook."""
        with self.tenant.lock:
            try:
                return self.tenant.webhook_by_name(name).token
            except KeyError:
                return None

    def record_request(self, record: RequestRecord) -> None:
        """Append to `requests` (called by the middleware)."""
        with self._lock:
            self.requests.append(record)

    def after_request(self) -> None:
        """Start due webhook deliveries in the background of the serving event loop."""
        if not self._queue.has_due():
            return
        task = asyncio.get_running_loop().create_task(self._queue.pump())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- internals ----------------------------------------------------------------------

    def _on_event(self, event: str, resource_id: str, version_tag: str, data: JsonDict) -> None:
        payload = event_payload(event, resource_id, version_tag, data, self.clock.now())
        for hook in sorted(self.tenant.webhooks.values(), key=lambda w: w.id):
            if event in hook.body["events"]:
                self._queue.enqueue(hook, event, payload)

    def _on_clear(self) -> None:
        self.tenant.release_hung()

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        # Over sockets nobody may call in for a while: keep retries and completions moving.
        task = asyncio.get_running_loop().create_task(self._pump_forever())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _pump_forever(self) -> None:
        while True:
            await asyncio.sleep(PUMP_INTERVAL_SECONDS)
            self.tenant.tick()
            await self._queue.pump()


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    body = {"error": codes.get(exc.status_code, "error"), "message": str(exc.detail)}
    return JSONResponse(body, status_code=exc.status_code)
