"""DNC-group writes over real sockets, and how each one looks after a lost answer."""

from __future__ import annotations

import json

import pytest

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.errors import WriteOutcomeUnknown
from tests.cxone_admin.conftest import Served

GROUPS = "/dnc-groups"


async def test_create_sends_the_fields_both_ways_and_lists_the_group(served: Served) -> None:
    async with served.client() as client:
        made = await client.create_dnc_group("State_DNC", "state registries")
        listed = {g.dncGroupName for g in await client.list_dnc_groups()}
    assert (made.dncGroupId, made.isActive) == (304, True)
    assert "State_DNC" in listed
    post = next(r for r in served.spy.sent if r.url.path.endswith(GROUPS))
    assert post.url.params["dncGroupName"] == "State_DNC"
    assert json.loads(post.content)["dncGroupDescription"] == "state registries"


async def test_a_first_create_meeting_a_taken_name_is_a_conflict(served: Served) -> None:
    async with served.client() as client:
        with pytest.raises(errors.NameConflictError, match="already exists"):
            await client.create_dnc_group("national_dnc", "Federal Do Not Call registry extract")
    assert len(served.api_requests("POST")) == 1


async def test_a_create_whose_answer_was_lost_after_landing_is_not_repeated(
    served: Served,
) -> None:
    served.emu.faults.drop_connection(method="POST", path="/inContactAPI", after_handling=True)
    async with served.client() as client:
        made = await client.create_dnc_group("State_DNC", "state registries")
        names = [g.dncGroupName for g in await client.list_dnc_groups()]
    assert made.dncGroupName == "State_DNC"
    assert names.count("State_DNC") == 1
    assert len(served.api_requests("POST")) == 1


async def test_a_create_that_never_arrived_is_repeated_once(served: Served) -> None:
    served.emu.faults.drop_connection(method="POST", path="/inContactAPI")
    async with served.client() as client:
        made = await client.create_dnc_group("State_DNC")
        names = [g.dncGroupName for g in await client.list_dnc_groups()]
    assert names.count("State_DNC") == 1 and made.dncGroupId == 304
    assert len(served.api_requests("POST")) == 2


async def test_a_lost_create_next_to_someone_elses_group_of_that_name_is_unknown(
    served: Served,
) -> None:
    # The answer is lost before the server sees the create; the look then finds a group of
    # that name that is not ours (another description): no repeat, no guess.
    served.emu.faults.drop_connection(method="POST", path="/inContactAPI")
    async with served.client() as client:
        with pytest.raises(WriteOutcomeUnknown, match="neither"):
            await client.create_dnc_group("National_DNC", "ours")
    assert len(served.api_requests("POST")) == 1


async def test_update_lost_answers(served: Served) -> None:
    async with served.client() as client:
        group = next(g for g in await client.list_dnc_groups() if g.dncGroupName == "Internal_DNC")
        served.emu.faults.drop_connection(method="PUT", after_handling=True)
        landed = await client.update_dnc_group(group.dncGroupId, is_active=False, expected=group)
        served.emu.faults.drop_connection(method="PUT")
        repeated = await client.update_dnc_group(
            group.dncGroupId, description="renamed", expected=landed
        )
        served.emu.faults.drop_connection(method="PUT")
        with pytest.raises(WriteOutcomeUnknown):
            await client.update_dnc_group(group.dncGroupId, description="again")
        with pytest.raises(ValueError, match="nothing to update"):
            await client.update_dnc_group(group.dncGroupId)
    assert landed.isActive is False
    assert (repeated.dncGroupDescription, repeated.isActive) == ("renamed", False)
    assert len(served.api_requests("PUT")) == 1 + 2 + 1


async def test_links_are_looked_at_after_a_lost_answer(served: Served) -> None:
    async with served.client() as client:
        served.emu.faults.drop_connection(method="POST", path="/inContactAPI", after_handling=True)
        await client.link_scrubbed_skill(302, 11003)
        served.emu.faults.drop_connection(method="DELETE", path="/inContactAPI")
        await client.unlink_scrubbed_skill(302, 11001)
        await client.unlink_scrubbed_skill(302, 11001)  # not linked any more: done
        linked = [s.skillId for s in await client.scrubbed_skills(302)]
        with pytest.raises(errors.NotFoundError):
            await client.unlink_scrubbed_skill(999, 11001)
    assert linked == [11003]
    assert len(served.api_requests("POST", "/302/scrubbed-skills/11003")) == 1
    assert len(served.api_requests("DELETE", "/302/scrubbed-skills/11001")) == 3
