"""The operation waiter: concurrent polling, back-off, FAILED and hung activations."""

from __future__ import annotations

import pytest

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.api import LiveCampaign, Operation
from reconciler.dialer_v1.bodies import CampaignBody
from reconciler.dialer_v1.client import DialerV1Client
from tests.dialer_v1.test_client_harness import make_harness


def with_agents(campaign: LiveCampaign, agents: int) -> CampaignBody:
    data = campaign.body.model_dump()
    data["concurrency"]["max_agents"] = agents
    return CampaignBody.model_validate(data)


async def update_all(client: DialerV1Client, agents: int) -> list[Operation]:
    campaigns = [c async for c in client.iter_campaigns()]
    return [
        await client.update_campaign(c.id, with_agents(c, agents), if_match=c.version_tag)
        for c in campaigns
    ]


async def test_many_operations_are_polled_together_until_done() -> None:
    h = make_harness(campaigns=4, operation_seconds=2.0)
    async with h.client() as client:
        ops = await update_all(client, 33)
        done = await client.wait_operations(ops, deadline_seconds=60)
        polls = client.stats.polls
    assert [d.operation_id for d in done] == [o.operation_id for o in ops]
    assert all(d.status == "COMPLETED" for d in done)
    # Rounds at 0.25, +0.375, +0.5625, +0.84, +1.27 s: all four finish by the fifth round.
    assert h.time.slept[:3] == [0.25, 0.375, 0.5625]
    assert polls == 4 * len(h.time.slept)


async def test_failed_and_partially_applied_operations_are_returned() -> None:
    h = make_harness(campaigns=2)
    async with h.client() as client:
        campaigns = [c async for c in client.iter_campaigns()]
        h.emu.faults.fail_operation(name=campaigns[0].body.name)
        h.emu.faults.fail_operation(name=campaigns[1].body.name, partially_applied=True)
        ops = await update_all(client, 12)
        done = await client.wait_operations(ops, deadline_seconds=60)
        partial_after = await client.get_campaign(campaigns[1].id)
        untouched_after = await client.get_campaign(campaigns[0].id)
    assert [d.status for d in done] == ["FAILED", "FAILED"]
    assert [d.partially_applied for d in done] == [False, True]
    assert done[0].error_code and done[0].error_message
    assert partial_after.version_tag != campaigns[1].version_tag
    assert untouched_after.version_tag == campaigns[0].version_tag


async def test_hung_operation_times_out_naming_it() -> None:
    h = make_harness(campaigns=2)
    async with h.client(poll_cap_seconds=5.0) as client:
        campaigns = [c async for c in client.iter_campaigns()]
        h.emu.faults.hang_operation(name=campaigns[1].body.name)
        ops = await update_all(client, 21)
        with pytest.raises(errors.OperationTimeoutError) as caught:
            await client.wait_operations(ops, deadline_seconds=40)
    assert caught.value.operation_ids == (ops[1].operation_id,)
    assert sum(h.time.slept) == pytest.approx(40)
    # Backing off to the cap, never past it.
    assert max(h.time.slept) == 5.0
    assert h.time.slept == sorted(h.time.slept[:-1]) + h.time.slept[-1:]


async def test_already_done_operations_cost_no_poll() -> None:
    h = make_harness()
    done = Operation("op-1", "COMPLETED", "campaign", "c-1", "v-1")
    async with h.client() as client:
        assert await client.wait_operations([done], deadline_seconds=5) == [done]
        assert client.stats.polls == 0
    assert h.emu.requests == []
