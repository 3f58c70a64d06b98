"""The client against an in-process emulator with fake time; shared by the test_client_* files.

`FakeTime.sleep` advances the emulator's ManualClock instead of waiting, so backoff,
Retry-After, rate-limit windows, token lifetimes and activations take no real time.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from reconciler.dialer_v1.bodies import CampaignBody, WebhookAuth, WebhookBody
from reconciler.dialer_v1.client import ClientEvent, ClientOptions, DialerV1Client
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, ManualClock, make_tenant
from tests.dialer_v1.conftest import CLIENT_ID, SECRET

WEBHOOK_TOKEN = "wfm-webhook-token-9d2f"
BASE_URL = "http://127.0.0.1:8443"

T = TypeVar("T")


async def first(items: AsyncIterator[T]) -> T:
    """The first item of an async iterator."""
    async for item in items:
        return item
    raise AssertionError("empty")


class FakeTime:
    """A clock and a sleep over one ManualClock; records every sleep."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.slept: list[float] = []

    def now(self) -> float:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(max(0.0, seconds))
        await asyncio.sleep(0)


class HeaderSpy(httpx.AsyncBaseTransport):
    """Wraps a transport and keeps every Authorization value sent (to hunt them in logs)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.authorizations: set[str] = set()
        self.if_match_missing: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        value = request.headers.get("Authorization")
        if value:
            self.authorizations.add(value)
        if request.method in ("PUT", "DELETE") and "If-Match" not in request.headers:
            self.if_match_missing.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Harness:
    emu: Emulator
    time: FakeTime
    spy: HeaderSpy
    events: list[ClientEvent] = field(default_factory=list)

    def client(self, secret: str = SECRET, **options: Any) -> DialerV1Client:
        return DialerV1Client(
            BASE_URL,
            CLIENT_ID,
            SecretStr(secret),
            options=ClientOptions(**options),
            transport=self.spy,
            clock=self.time.now,
            sleep=self.time.sleep,
            rng=random.Random(7),
            on_event=self.events.append,
        )

    def statuses(self, method: str, path_prefix: str) -> list[int | None]:
        return [
            r.status
            for r in self.emu.requests
            if r.method == method and r.path.startswith(path_prefix)
        ]


def make_harness(*, campaigns: int = 3, webhooks: int = 1, **config: Any) -> Harness:
    """An emulator (credentials enforced) on a ManualClock, and a way to build clients."""
    config.setdefault("client_id", CLIENT_ID)
    config.setdefault("client_secret", SECRET)
    clock = ManualClock(start=1_000_000.0)
    emu = Emulator(
        EmulatorConfig(**config),
        clock=clock,
        tenant=make_tenant(campaigns=campaigns, webhooks=webhooks),
    )
    return Harness(emu=emu, time=FakeTime(clock), spy=HeaderSpy(emu.transport()))


def campaign_body(name: str, **changes: Any) -> CampaignBody:
    data: dict[str, Any] = {
        "name": name,
        "type": "predictive",
        "concurrency": {"max_agents": 20, "max_simultaneous_calls": 40, "call_spacing_ms": 100},
        "algorithm": {"type": "predictive", "dial_ratio": 2.0, "abandonment_rate_target": 0.02},
        "calling_hours": {"start": "09:00", "end": "20:00", "timezone": "America/Chicago"},
        "dnc_lists": ["national"],
    }
    data.update(changes)
    return CampaignBody.model_validate(data)


def webhook_body(name: str, url: str = "https://wfm.example.com/hooks/x") -> WebhookBody:
    return WebhookBody(
        name=name,
        url=url,
        events=["dialer.campaign.activated"],
        auth=WebhookAuth(type="bearer", token=SecretStr(WEBHOOK_TOKEN)),
    )


def test_fake_time_advances_the_emulator_clock() -> None:
    h = make_harness()
    before = h.time.now()
    asyncio.run(h.time.sleep(2.5))
    assert h.time.now() == before + 2.5
    assert h.time.slept == [2.5]
