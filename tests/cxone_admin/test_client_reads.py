"""Reads over real sockets, with each read-side switch of the emulator both ways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler.cxone_admin.blocks import BLOCK_NAMES, block_digest
from reconciler.dialer_v1 import errors
from tests.cxone_admin.conftest import PC_SKILLS, Served, config, seed_without_groups


@pytest.mark.parametrize("total", ["number", "string", "absent"])
@pytest.mark.parametrize("top_cap", [2, 100])
async def test_paging_reads_every_pc_skill_whatever_the_total_and_cap(
    serve: Callable[..., Served], total: Any, top_cap: int
) -> None:
    served = serve(config(total_records=total, top_cap=top_cap))
    async with served.client() as client:
        pc = {s.skillId: s.skillName async for s in client.iter_skills()}
        every = [s.skillId async for s in client.iter_skills(personal_connection_only=False)]
    assert pc == PC_SKILLS
    assert every == [11001, 11002, 11003, 12001, 12002, 12003]
    pages = served.api_requests("GET", "/skills")
    assert len(pages) == 2 * (1 if top_cap == 100 else 3)


async def test_a_server_that_ignores_skip_is_caught_not_looped(
    serve: Callable[..., Served],
) -> None:
    served = serve(config(paging="repeat", total_records="absent", top_cap=2))
    async with served.client() as client:
        with pytest.raises(errors.ProtocolError, match="repeated skills already listed"):
            [s async for s in client.iter_skills()]
    assert len(served.api_requests("GET", "/skills")) == 2


async def test_page_size_is_bounded_by_the_cap_seen_in_practice(served: Served) -> None:
    async with served.client() as client:
        with pytest.raises(ValueError, match="1-100"):
            [s async for s in client.iter_skills(page_size=101)]
    assert served.api_requests() == []


@pytest.mark.parametrize("shape", ["flat", "wrapped"])
async def test_one_skill_reads_flat_or_wrapped(serve: Callable[..., Served], shape: Any) -> None:
    served = serve(config(skill_get=shape))
    async with served.client() as client:
        skill = await client.get_skill(11002)
    assert (skill.skillName, skill.isRunning, skill.is_personal_connection) == (
        "Renewals_Central",
        True,
        True,
    )


@pytest.mark.parametrize("day", ["name", "lower", "number"])
@pytest.mark.parametrize("zones", ["wrapped", "list"])
async def test_every_block_reads_alike_from_the_aggregated_and_the_single_get(
    serve: Callable[..., Served], day: Any, zones: Any
) -> None:
    served = serve(config(schedule_day=day, time_zones_get=zones))
    async with served.client() as client:
        everything = await client.all_parameters()
        assert set(everything) == set(PC_SKILLS)
        for skill_id, parameters in everything.items():
            assert parameters.skill_name == PC_SKILLS[skill_id]
            assert tuple(parameters.blocks) == BLOCK_NAMES
            one = await client.skill_parameters(skill_id)
            for name, block in parameters.blocks.items():
                single = await client.get_block(skill_id, name)
                assert block_digest(single) == block_digest(block) == block_digest(one.blocks[name])
                assert single.to_put_json() == served.emu.block(PC_SKILLS[skill_id], name)
    assert len(served.api_requests("GET", "/skills/parameters")) == 1


async def test_a_non_pc_skill_has_no_blocks_and_cpa_answers_500_for_unknown(
    served: Served,
) -> None:
    async with served.client() as client:
        with pytest.raises(errors.NotFoundError):
            await client.get_block(12001, "generalSettings")
        with pytest.raises(errors.ServerError):
            await client.get_block(99999, "cpaSettings")  # retried, then reported


async def test_the_business_unit_and_api_versions(served: Served) -> None:
    async with served.client() as client:
        unit = await client.business_unit()
        versions = await client.api_versions()
    assert (unit.outboundPortLimit, unit.allowPredictiveDialing, unit.enableSkillAbandonRate) == (
        150,
        True,
        True,
    )
    assert unit.timeZones is not None and unit.timeZones[0].standardName == "Eastern Standard Time"
    assert {(v.verb, v.uri) for v in versions} >= {
        ("GET", "/skills/parameters"),
        ("PUT", "/skills/{skill_id}/parameters/{segment}"),
    }


async def test_no_dnc_groups_is_a_204_and_an_empty_list(serve: Callable[..., Served]) -> None:
    served = serve(seed=seed_without_groups())
    async with served.client() as client:
        assert await client.list_dnc_groups() == []
    assert [status for _, status in served.sent(suffix="/dnc-groups")] == [204]


async def test_dnc_groups_and_their_scrubbed_skills(served: Served) -> None:
    async with served.client() as client:
        groups = {g.dncGroupName: g for g in await client.list_dnc_groups()}
        national = await client.scrubbed_skills(groups["National_DNC"].dncGroupId)
        retired = await client.scrubbed_skills(groups["Retired_State_List"].dncGroupId)
        one = await client.get_dnc_group(groups["Internal_DNC"].dncGroupId)
    assert [s.skillId for s in national] == [11001, 11002]
    assert retired == []  # a 204
    assert (one.dncGroupName, one.isActive) == ("Internal_DNC", True)


async def test_metrics_agree_between_the_summary_and_the_intervals(served: Served) -> None:
    start, end = "2026-09-20T00:00:00Z", "2026-09-21T00:00:00Z"
    served.emu.set_metric("Renewals_Central", "abandons", 2)
    async with served.client() as client:
        rows = await client.dialer_contacts(start, end)
        summary = (await client.skill_summary(11002, start, end))[0]
        with pytest.raises(errors.ValidationError, match="Max 30 days"):
            await client.skill_summary(11002, "2026-08-01T00:00:00Z", end)
    mine = [r for r in rows if r.skillId == 11002]
    assert len(mine) == 96 and {r.skillId for r in rows} == set(PC_SKILLS)
    assert summary.Dials == sum(r.dials or 0 for r in mine)
    assert summary.AbandonCount == 2 * 96
    assert summary.AbandonRate == round(100 * 192 / sum(r.connects or 0 for r in mine))
