"""A skill's write through its kind (what apply and restore call), over sockets."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.cxone_admin.kinds import SKILL, cxone_admin_api
from reconciler.dialer_v1 import errors
from reconciler.kinds import Backend, LiveResource, ResourceAddress, WriteRequest
from tests.cxone_admin.conftest import Served

EAST = ResourceAddress(SKILL, "Collections_East")


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
            {"generalSettings": {"maximumAttempts": 7}, "retrySettings": {"callbackRestMinutes": 77}},
        )
        await backend.write(request, deadline=60)
    retry = served.emu.block(EAST.name, "retrySettings")
    assert retry["maximumAttempts"] == 7 and retry["callbackRestMinutes"] == 77
    # One read of the skill's blocks before each PUT, none twice over.
    reads = served.api_requests("GET", "/parameters")
    puts = served.api_requests("PUT")
    assert [p.rsplit("/", 1)[1] for p in puts] == ["general-settings", "retry-settings"]
    assert len(reads) == len(puts) + 2  # the plan's read, and the read after the write
