"""DialerV1Client writes: typed refusals; no write is ever applied twice when answers are lost."""

from __future__ import annotations

import pytest

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.api import AuditLogEntry, LiveCampaign
from reconciler.dialer_v1.bodies import CampaignBody
from reconciler.dialer_v1.client import DialerV1Client, WriteOutcomeUnknown
from tests.dialer_v1.test_client_harness import (
    WEBHOOK_TOKEN,
    campaign_body,
    first,
    make_harness,
    webhook_body,
)

CAMPAIGNS = "/api/v1/campaigns"
WEBHOOKS = "/api/v1/integrations/webhooks"


async def first_campaign(client: DialerV1Client) -> LiveCampaign:
    return await first(client.iter_campaigns())


async def audit_for(client: DialerV1Client, entity_id: str) -> list[AuditLogEntry]:
    return [e async for e in client.iter_audit_logs() if e.entity_id == entity_id]


def renamed_agents(campaign: LiveCampaign, agents: int) -> CampaignBody:
    data = campaign.body.model_dump()
    data["concurrency"]["max_agents"] = agents
    return CampaignBody.model_validate(data)


async def test_update_then_wait_completes_once() -> None:
    h = make_harness()
    async with h.client() as client:
        campaign = await first_campaign(client)
        op = await client.update_campaign(
            campaign.id, renamed_agents(campaign, 77), if_match=campaign.version_tag
        )
        [done] = await client.wait_operations([op], deadline_seconds=30)
        after = await client.get_campaign(campaign.id)
    assert done.status == "COMPLETED"
    assert after.version_tag == op.version_tag
    assert after.body.concurrency.max_agents == 77


async def test_stale_version_tag_is_precondition_failed_not_unknown() -> None:
    h = make_harness()
    async with h.client() as client:
        campaign = await first_campaign(client)
        h.emu.edit_campaign(campaign.body.name, {"dnc_lists": ["national", "x"]})
        with pytest.raises(errors.PreconditionFailedError) as caught:
            await client.update_campaign(campaign.id, campaign.body, if_match=campaign.version_tag)
    assert type(caught.value) is errors.PreconditionFailedError
    assert caught.value.status == 412


async def test_write_during_an_activation_is_operation_in_progress() -> None:
    h = make_harness(operation_seconds=60)
    async with h.client() as client:
        campaign = await first_campaign(client)
        op = await client.update_campaign(
            campaign.id, renamed_agents(campaign, 5), if_match=campaign.version_tag
        )
        with pytest.raises(errors.OperationInProgressError) as caught:
            await client.delete_campaign(campaign.id, if_match=campaign.version_tag)
    assert caught.value.operation_id == op.operation_id


async def test_name_conflict_and_validation_errors_are_typed() -> None:
    h = make_harness()
    async with h.client() as client:
        campaign = await first_campaign(client)
        with pytest.raises(errors.NameConflictError):
            await client.create_campaign(campaign.body)
        # A body that bypassed local validation: the server's 400 details come through.
        bad = campaign.body.model_copy(
            update={"concurrency": campaign.body.concurrency.model_copy(update={"max_agents": 0})}
        )
        with pytest.raises(errors.ValidationError) as caught:
            await client.create_campaign(bad)
    assert any("max_agents" in d.field for d in caught.value.details)


async def test_428_cannot_come_from_this_client() -> None:
    h = make_harness()
    async with h.client() as client:
        campaign = await first_campaign(client)
        settings = await client.get_settings()
        hook = await first(client.iter_webhooks())
        with pytest.raises(ValueError, match="If-Match"):
            await client.update_campaign(campaign.id, campaign.body, if_match="")
        with pytest.raises(ValueError, match="If-Match"):
            await client.delete_webhook(hook.id, if_match=" ")
        before = len(h.emu.requests)
        ops = [
            await client.put_settings(settings.body, if_match=settings.version_tag),
            await client.update_campaign(campaign.id, campaign.body, if_match=campaign.version_tag),
        ]
        hook_body = webhook_body(hook.body.name)
        await client.update_webhook(hook.id, hook_body, if_match=hook.version_tag)
        await client.wait_operations(ops, deadline_seconds=30)
    assert h.spy.if_match_missing == []
    assert 428 not in [r.status for r in h.emu.requests[before:]]


async def test_503_on_a_write_is_repeated_and_applied_once() -> None:
    h = make_harness()
    h.emu.faults.http_error(503, method="PUT", path=CAMPAIGNS)
    async with h.client() as client:
        campaign = await first_campaign(client)
        op = await client.update_campaign(
            campaign.id, renamed_agents(campaign, 9), if_match=campaign.version_tag
        )
        await client.wait_operations([op], deadline_seconds=30)
        entries = await audit_for(client, campaign.id)
    assert h.statuses("PUT", CAMPAIGNS) == [503, 202]
    assert len(entries) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_lost_write_answer_with_unchanged_tag_is_repeated_once(status: int) -> None:
    # The injected 5xx comes before handling: the re-read sees the old tag, so repeating is safe.
    h = make_harness()
    h.emu.faults.http_error(status, method="PUT", path=CAMPAIGNS)
    async with h.client() as client:
        campaign = await first_campaign(client)
        op = await client.update_campaign(
            campaign.id, renamed_agents(campaign, 9), if_match=campaign.version_tag
        )
        await client.wait_operations([op], deadline_seconds=30)
        entries = await audit_for(client, campaign.id)
    assert h.statuses("PUT", CAMPAIGNS) == [status, 202]
    assert h.statuses("GET", f"{CAMPAIGNS}/{campaign.id}") == [200]  # the re-read
    assert len(entries) == 1
    assert [e.kind for e in h.events if e.kind == "write_checked"] == ["write_checked"]


async def test_put_dropped_after_handling_is_not_applied_twice_while_activating() -> None:
    h = make_harness(operation_seconds=5)
    h.emu.faults.drop_connection(method="PUT", path=CAMPAIGNS, after_handling=True)
    async with h.client() as client:
        campaign = await first_campaign(client)
        with pytest.raises(WriteOutcomeUnknown) as caught:
            await client.update_campaign(
                campaign.id, renamed_agents(campaign, 9), if_match=campaign.version_tag
            )
        # The repeat met the first attempt's running activation: the caller can wait for it.
        assert caught.value.operation_id
        op = await client.get_operation(caught.value.operation_id)
        [done] = await client.wait_operations([op], deadline_seconds=30)
        entries = await audit_for(client, campaign.id)
    assert isinstance(caught.value, errors.PreconditionFailedError)
    assert done.status == "COMPLETED"
    assert h.statuses("PUT", CAMPAIGNS) == [None, 409]
    assert len(entries) == 1


async def test_put_dropped_after_handling_and_completed_is_not_repeated() -> None:
    h = make_harness(operation_seconds=0)
    h.emu.faults.drop_connection(method="PUT", path=CAMPAIGNS, after_handling=True)
    async with h.client() as client:
        campaign = await first_campaign(client)
        with pytest.raises(WriteOutcomeUnknown, match="changed"):
            await client.update_campaign(
                campaign.id, renamed_agents(campaign, 9), if_match=campaign.version_tag
            )
        entries = await audit_for(client, campaign.id)
    assert h.statuses("PUT", CAMPAIGNS) == [None]  # the re-read saw a new tag: no repeat
    assert len(entries) == 1


async def test_put_dropped_before_handling_is_repeated() -> None:
    h = make_harness()
    h.emu.faults.drop_connection(method="PUT", path=CAMPAIGNS)
    async with h.client() as client:
        campaign = await first_campaign(client)
        op = await client.update_campaign(
            campaign.id, renamed_agents(campaign, 9), if_match=campaign.version_tag
        )
        await client.wait_operations([op], deadline_seconds=30)
        entries = await audit_for(client, campaign.id)
    assert h.statuses("PUT", CAMPAIGNS) == [None, 202]
    assert len(entries) == 1


async def test_campaign_create_dropped_after_handling_is_not_duplicated() -> None:
    h = make_harness(operation_seconds=5)
    h.emu.faults.drop_connection(method="POST", path=CAMPAIGNS, after_handling=True)
    async with h.client() as client:
        with pytest.raises(WriteOutcomeUnknown, match="first attempt"):
            await client.create_campaign(campaign_body("Brand_New"))
        h.time.clock.advance(10)
        named = [c async for c in client.iter_campaigns() if c.body.name == "Brand_New"]
    assert len(named) == 1
    assert h.statuses("POST", CAMPAIGNS) == [None, 409]


async def test_webhook_create_dropped_after_handling_returns_the_created_webhook() -> None:
    h = make_harness()
    h.emu.faults.drop_connection(method="POST", path=WEBHOOKS, after_handling=True)
    async with h.client() as client:
        created = await client.create_webhook(webhook_body("WFM_New"))
        named = [w async for w in client.iter_webhooks() if w.body.name == "WFM_New"]
    assert named == [created]
    assert h.statuses("POST", WEBHOOKS) == [None]
    assert h.emu.webhook_token("WFM_New") == WEBHOOK_TOKEN


async def test_webhook_put_dropped_after_handling_is_not_repeated() -> None:
    h = make_harness()
    async with h.client() as client:
        hook = await first(client.iter_webhooks())
        h.emu.faults.drop_connection(method="PUT", path=WEBHOOKS, after_handling=True)
        with pytest.raises(WriteOutcomeUnknown):
            await client.update_webhook(
                hook.id,
                webhook_body(hook.body.name, "https://wfm.example.com/v2"),
                if_match=hook.version_tag,
            )
        after = await client.get_webhook(hook.id)
        entries = await audit_for(client, hook.id)
    assert after.body.url == "https://wfm.example.com/v2"
    assert h.statuses("PUT", WEBHOOKS) == [None]
    assert len(entries) == 1


async def test_webhook_delete_dropped_after_handling_counts_as_done() -> None:
    h = make_harness()
    async with h.client() as client:
        hook = await first(client.iter_webhooks())
        h.emu.faults.drop_connection(method="DELETE", path=WEBHOOKS, after_handling=True)
        await client.delete_webhook(hook.id, if_match=hook.version_tag)
        with pytest.raises(errors.NotFoundError):
            await client.get_webhook(hook.id)
    assert h.statuses("DELETE", WEBHOOKS) == [None]


async def test_a_create_repeated_after_503_that_meets_its_name_is_an_unknown_outcome() -> None:
    """A gateway may have forwarded the first POST before answering 503: the repeat's
    name_conflict is then our own campaign, not someone else's (never treated as refused)."""
    from pydantic import SecretStr

    from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, ManualClock, make_tenant

    clock = ManualClock(1_790_000_000.0)
    emu = Emulator(EmulatorConfig(operation_seconds=0.0), clock, make_tenant(campaigns=1))
    first = emu.tenant_json()["campaigns"][0]
    body = {
        k: v
        for k, v in first.items()
        if k not in ("id", "versionTag", "createdAt", "updatedAt", "lastActivatedAt")
    }
    body["name"] = "Landed_Behind_503"
    emu.add_campaign(body)  # what the forwarded first attempt did
    emu.faults.http_error(503, count=1, method="POST", path="/api/v1/campaigns")

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    async with DialerV1Client(
        "http://127.0.0.1:9",
        "id",
        SecretStr("s"),
        transport=emu.transport(),
        clock=clock.now,
        sleep=sleep,
    ) as client:
        with pytest.raises(WriteOutcomeUnknown):
            await client.create_campaign(CampaignBody.model_validate(body))
