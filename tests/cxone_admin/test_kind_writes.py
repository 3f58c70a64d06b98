"""Writes through the kinds (what apply and restore call), over sockets."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.cxone_admin.kinds import DNC_GROUP, SKILL, cxone_admin_api
from reconciler.dialer_v1 import errors
from reconciler.kinds import Backend, LiveResource, ResourceAddress, WriteRequest
from tests.cxone_admin.conftest import Served

EAST = ResourceAddress(SKILL, "Collections_East")
SKILLS = "/inContactAPI/services/v30.0/skills"
GROUPS = "/inContactAPI/services/v30.0/dnc-groups"


def update(live: LiveResource, blocks: dict[str, Any]) -> WriteRequest:
    """An update of `blocks` planned against `live` (the digests the plan read)."""
    return WriteRequest(EAST, "update", live.id, live.version_tag, blocks, parts=live.parts)


async def test_every_block_is_checked_against_the_plan_before_the_first_put(
    served: Served,
) -> None:
    # generalSettings is written first and moves the fields it shares with retrySettings;
    # retrySettings' own fields must still be held to what the plan read.
    async with served.client() as client:
        backend = Backend(cxone_admin_api("skill-summary"), client)
        live = await backend.read(EAST, None)
        assert live is not None
        served.emu.edit_block(EAST.name, "retrySettings", {"callbackRestMinutes": 99})
        request = update(
            live,
            {"generalSettings": {"maximumAttempts": 7}, "retrySettings": {"loadNonFresh": True}},
        )
        with pytest.raises(errors.BlockChangedError, match="retrySettings changed since the plan"):
            await backend.write(request, deadline=60)
    assert served.api_requests("PUT") == []
    assert served.emu.block(EAST.name, "retrySettings")["callbackRestMinutes"] == 99


async def test_both_coupled_blocks_land_and_each_put_is_guarded(served: Served) -> None:
    async with served.client() as client:
        backend = Backend(cxone_admin_api("skill-summary"), client)
        live = await backend.read(EAST, None)
        assert live is not None
        request = update(
            live,
            {
                "generalSettings": {"maximumAttempts": 7},
                "retrySettings": {"callbackRestMinutes": 77},
            },
        )
        await backend.write(request, deadline=60)
    retry = served.emu.block(EAST.name, "retrySettings")
    assert retry["maximumAttempts"] == 7 and retry["callbackRestMinutes"] == 77
    # One read of the skill's blocks before each PUT, none twice over.
    reads = served.api_requests("GET", "/parameters")
    puts = served.api_requests("PUT")
    assert [p.rsplit("/", 1)[1] for p in puts] == ["general-settings", "retry-settings"]
    assert len(reads) == len(puts) + 2  # the plan's read, and the read after the write


async def test_a_dnc_group_update_whose_answer_was_lost_is_looked_at_and_repeated_once(
    served: Served,
) -> None:
    address = ResourceAddress(DNC_GROUP, "National_DNC")
    served.emu.faults.drop_connection(method="PUT", path=GROUPS)  # before it is handled
    async with served.client() as client:
        backend = Backend(cxone_admin_api("skill-summary"), client)
        live = await backend.read(address, None)
        assert live is not None
        body = {"dncGroupDescription": "Federal registry, refreshed", "isActive": True}
        request = WriteRequest(address, "update", live.id, live.version_tag, body)
        await backend.write(request, deadline=60)
        after = await backend.read(address, live.id)
    assert after is not None and after.body.model_dump()["dncGroupDescription"] == (
        "Federal registry, refreshed"
    )
    assert len(served.api_requests("PUT", "/dnc-groups/301")) == 2


async def test_a_block_put_lost_twice_gives_up_saying_it_did_not_land(served: Served) -> None:
    before = served.emu.block(EAST.name, "cpaSettings")
    assert before["abandonTimeout"] != 3
    served.emu.faults.drop_connection(count=2, method="PUT", path=f"{SKILLS}/11001/parameters")
    async with served.client() as client:
        backend = Backend(cxone_admin_api("skill-summary"), client)
        live = await backend.read(EAST, None)
        assert live is not None
        request = update(live, {"cpaSettings": {"abandonTimeout": 3}})
        with pytest.raises(errors.ServerError, match="did not land") as caught:
            await backend.write(request, deadline=60)
    assert caught.value.landed == "no"
    assert served.emu.block(EAST.name, "cpaSettings") == before
    assert len(served.api_requests("PUT")) == 2  # sent, looked at, repeated once
