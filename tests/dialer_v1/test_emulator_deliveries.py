"""Contract §7: webhook deliveries on completed operations, with the retry policy."""

from __future__ import annotations

from typing import Any

import httpx

from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, ManualClock, make_tenant
from reconciler.dialer_v1.emulator.deliveries import backoff_seconds, is_loopback_url
from tests.dialer_v1.conftest import get_token


class Receiver:
    """A fake WFM endpoint: answers the scripted statuses, remembers every request."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status)


def tenant_with_hook(url: str, retries: int = 3) -> dict[str, Any]:
    tenant = make_tenant(webhooks=1)
    hook = tenant["webhooks"][0]
    hook["url"] = url
    hook["events"] = [
        "dialer.settings.updated",
        "dialer.campaign.activated",
        "dialer.campaign.deleted",
    ]
    hook["retryPolicy"] = {"maxRetries": retries, "backoffMultiplier": 2, "timeoutSec": 5}
    hook["auth"]["token"] = "hook-secret-1"
    return tenant


async def update_settings(emu: Emulator, clock: ManualClock) -> None:
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://e") as client:
        auth = {"Authorization": f"Bearer {await get_token(client)}"}
        body = (await client.get("/api/v1/dialer/settings", headers=auth)).json()
        answer = await client.put(
            "/api/v1/dialer/settings",
            headers={**auth, "If-Match": body["versionTag"]},
            json={**body, "name": "Delivered"},
        )
        assert answer.status_code == 202
        clock.advance(1)
        await client.get(answer.headers["Location"], headers=auth)


async def test_deliveries_are_recorded_without_http(clock: ManualClock) -> None:
    emu = Emulator(EmulatorConfig(), clock, tenant_with_hook("https://wfm.example.com/h"))
    await update_settings(emu, clock)
    assert len(emu.deliveries) == 1
    delivery = emu.deliveries[0]
    assert (delivery.event, delivery.outcome, delivery.attempt) == (
        "dialer.settings.updated",
        "not_sent",
        1,
    )
    assert delivery.payload["data"]["name"] == "Delivered"
    assert delivery.payload["versionTag"] == emu.tenant_json()["settings"]["versionTag"]
    assert set(delivery.payload) == {"event", "occurredAt", "resourceId", "versionTag", "data"}


async def test_failed_deliveries_retry_with_backoff_on_the_clock(clock: ManualClock) -> None:
    receiver = Receiver([500, 503])
    emu = Emulator(
        EmulatorConfig(deliver_http=True),
        clock,
        tenant_with_hook("http://127.0.0.1:9/hook"),
        webhook_transport=httpx.MockTransport(receiver),
    )
    await update_settings(emu, clock)
    await emu.flush_deliveries()
    assert [(d.attempt, d.outcome, d.next_retry_in) for d in emu.deliveries] == [(1, "failed", 1.0)]
    await emu.flush_deliveries()  # not due yet: nothing happens
    assert len(emu.deliveries) == 1
    clock.advance(1)
    await emu.flush_deliveries()
    clock.advance(1)
    await emu.flush_deliveries()  # retry 2 is due 2 s after attempt 2
    assert len(emu.deliveries) == 2
    clock.advance(1)
    await emu.flush_deliveries()
    assert [(d.attempt, d.outcome, d.status) for d in emu.deliveries] == [
        (1, "failed", 500),
        (2, "failed", 503),
        (3, "delivered", 200),
    ]
    assert emu.deliveries[1].next_retry_in == 2.0
    assert all(r.headers["Authorization"] == "Bearer hook-secret-1" for r in receiver.seen)
    assert "hook-secret-1" not in repr(emu.deliveries)


async def test_retries_stop_after_max_retries(clock: ManualClock) -> None:
    receiver = Receiver([500] * 10)
    emu = Emulator(
        EmulatorConfig(deliver_http=True),
        clock,
        tenant_with_hook("http://localhost:9/hook", retries=1),
        webhook_transport=httpx.MockTransport(receiver),
    )
    await update_settings(emu, clock)
    for _ in range(4):
        await emu.flush_deliveries()
        clock.advance(10)
    assert [(d.attempt, d.next_retry_in) for d in emu.deliveries] == [(1, 1.0), (2, None)]


async def test_only_loopback_urls_are_posted_to(clock: ManualClock) -> None:
    receiver = Receiver([])
    emu = Emulator(
        EmulatorConfig(deliver_http=True),
        clock,
        tenant_with_hook("https://wfm.example.com/h"),
        webhook_transport=httpx.MockTransport(receiver),
    )
    await update_settings(emu, clock)
    await emu.flush_deliveries()
    assert [d.outcome for d in emu.deliveries] == ["refused"]
    assert receiver.seen == []
    assert is_loopback_url("http://[::1]:8080/x") and is_loopback_url("http://127.0.0.2/")
    assert not is_loopback_url("http://10.0.0.1/")
    assert [backoff_seconds(n, 3) for n in (1, 2, 3)] == [1.0, 3.0, 9.0]


async def test_campaign_events_and_no_event_for_failures(clock: ManualClock) -> None:
    emu = Emulator(EmulatorConfig(), clock, tenant_with_hook("https://wfm.example.com/h"))
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://e") as client:
        auth = {"Authorization": f"Bearer {await get_token(client)}"}
        first, second = emu.tenant_json()["campaigns"][:2]
        emu.faults.fail_operation(name=second["name"])
        for campaign in (first, second):
            await client.delete(
                f"/api/v1/campaigns/{campaign['id']}",
                headers={**auth, "If-Match": campaign["versionTag"]},
            )
        clock.advance(1)
        await client.get("/api/v1/campaigns", headers=auth)
    events = [(d.event, d.payload["resourceId"]) for d in emu.deliveries]
    assert events == [("dialer.campaign.deleted", first["id"])]
