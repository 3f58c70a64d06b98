"""Reads, pagination, parsing and base-URL rules of DialerV1Client against the emulator."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from reconciler.dialer_v1 import errors, wire
from reconciler.dialer_v1.answers import Where
from reconciler.dialer_v1.api import SimulatorRequest
from reconciler.dialer_v1.bodies import Concurrency
from reconciler.dialer_v1.client import DialerV1Client
from reconciler.errors import ConfigError
from reconciler.kinds import CarrierCapacity
from reconciler.net import checked_base_url
from tests.dialer_v1.test_client_harness import campaign_body, first, make_harness


async def test_reads_parse_into_records() -> None:
    h = make_harness(campaigns=3, webhooks=2)
    async with h.client() as client:
        settings = await client.get_settings()
        campaigns = [c async for c in client.iter_campaigns()]
        webhooks = [w async for w in client.iter_webhooks()]
        one = await client.get_campaign(campaigns[1].id)
        hook = await client.get_webhook(webhooks[0].id)
    assert settings.body.name == "Predictive_Outbound_01"
    assert settings.version_tag
    assert len(campaigns) == 3 and len({c.id for c in campaigns}) == 3
    assert one == campaigns[1]
    assert hook.body.auth.token is None  # write-only on the API
    assert hook == webhooks[0]
    assert len(webhooks) == 2


async def test_pagination_of_2000_campaigns_uses_four_pages() -> None:
    h = make_harness(campaigns=2000, read_limit_per_minute=100_000)
    async with h.client() as client:
        names = [c.body.name async for c in client.iter_campaigns(page_size=500)]
    assert len(names) == len(set(names)) == 2000
    pages = [r for r in h.emu.requests if r.method == "GET" and r.path == "/api/v1/campaigns"]
    assert len(pages) == 4
    assert all("pageSize=500" in r.query for r in pages)


async def test_page_size_outside_the_contract_is_refused_before_sending() -> None:
    h = make_harness()
    async with h.client() as client:
        with pytest.raises(ValueError, match="page_size"):
            [c async for c in client.iter_campaigns(page_size=501)]
        with pytest.raises(ValueError, match="page_size"):
            [w async for w in client.iter_webhooks(page_size=0)]
    assert h.emu.requests == []


async def test_unknown_campaign_is_not_found() -> None:
    h = make_harness()
    async with h.client() as client:
        with pytest.raises(errors.NotFoundError) as caught:
            await client.get_campaign("c-does-not-exist")
    assert caught.value.status == 404


async def test_policy_simulator_metrics_and_audit() -> None:
    h = make_harness(campaigns=2)
    async with h.client() as client:
        bad = campaign_body("Loud", dnc_lists=["internal"])
        result = await client.validate_policy(bad, carrier=CarrierCapacity(10, 50.0))
        sim = await client.run_simulator(
            SimulatorRequest(
                duration_minutes=60,
                concurrency=Concurrency(max_agents=20, max_simultaneous_calls=40),
                algorithm_json={"type": "predictive", "dial_ratio": 2.0},
                simulated_call_volume=2000,
                carrier_max_concurrent=30,
            )
        )
        campaign = await first(client.iter_campaigns())
        rows = [
            r
            async for r in client.iter_metrics(
                campaign.id, metrics=["efficiency", "answerRate"], group_by="day"
            )
        ]
        op = await client.update_campaign(
            campaign.id, campaign_body(campaign.body.name), if_match=campaign.version_tag
        )
        await client.wait_operations([op], deadline_seconds=30)
        logs = [e async for e in client.iter_audit_logs(entity="campaign")]
    assert not result.passed
    assert any(v.check == "dnc_compliance" for v in result.violations)
    assert any(w.check == "carrier_capacity" for w in result.warnings)
    assert sim.calls_placed > 0 and 0 <= sim.agent_utilization <= 1
    assert rows and all(r.resource_id == campaign.id for r in rows)
    assert all(set(r.values) <= {"efficiency", "answerRate"} for r in rows)
    assert any(e.entity_id == campaign.id and e.version_tag_after == op.version_tag for e in logs)


def test_unknown_fields_from_the_server_are_dropped_with_a_debug_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = {
        "id": "c-1",
        "versionTag": "v-1",
        "name": "X",
        "type": "preview",
        "futureField": {"nested": True},
        "concurrency": {"max_agents": 1, "max_simultaneous_calls": 1, "turbo": 3},
        "algorithm": {"type": "preview"},
        "calling_hours": {"start": "09:00", "end": "17:00", "timezone": "UTC"},
        "dnc_lists": ["national"],
        "createdAt": "2026-01-01T00:00:00Z",
    }
    with caplog.at_level(logging.DEBUG, logger="reconciler.dialer_v1"):
        campaign = wire.parse_campaign(data, Where("GET", "/api/v1/campaigns/c-1", 200))
    assert campaign.id == "c-1" and campaign.server.created_at == "2026-01-01T00:00:00Z"
    assert "futureField" in caplog.text and "concurrency.turbo" in caplog.text


def test_out_of_contract_values_are_a_protocol_error() -> None:
    data = {
        "id": "c-1",
        "versionTag": "v-1",
        "name": "X",
        "type": "preview",
        "concurrency": {"max_agents": 0, "max_simultaneous_calls": 1},
        "algorithm": {"type": "preview"},
        "calling_hours": {"start": "09:00", "end": "17:00", "timezone": "UTC"},
        "dnc_lists": [],
    }
    with pytest.raises(errors.ProtocolError, match=r"concurrency\.max_agents"):
        wire.parse_campaign(data, Where("GET", "/api/v1/campaigns/c-1", 200))


@pytest.mark.parametrize(
    "url",
    [
        "https://platform.nicecxone.com",
        "https://example.com/prefix/",
        "http://127.0.0.1:8080",
        "http://127.9.9.9",
        "http://[::1]:9000",
        "http://localhost:1234",
    ],
)
def test_allowed_base_urls(url: str) -> None:
    assert checked_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    ["http://platform.nicecxone.com", "http://10.0.0.1", "http://[::2]", "ftp://x", "nothing"],
)
def test_refused_base_urls(url: str) -> None:
    with pytest.raises(ConfigError):
        DialerV1Client(url, "id", SecretStr("secret"))


async def test_stopping_early_cancels_the_prefetched_page() -> None:
    h = make_harness(campaigns=1200, read_limit_per_minute=100_000)
    async with h.client() as client:
        async for _ in client.iter_campaigns(page_size=500):
            break
        settings = await client.get_settings()  # the client is still usable
    assert settings.version_tag
    # The second page was asked for ahead of time; the third never was.
    pages = [r for r in h.emu.requests if r.method == "GET" and r.path == "/api/v1/campaigns"]
    assert len(pages) <= 2
