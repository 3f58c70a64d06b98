"""Block writes over real sockets: merge or replace, the guard, lost answers, 429, 409."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler.cxone_admin.blocks import (
    GeneralSettings,
    TimeZoneSettings,
    XsSettings,
    block_digest,
)
from reconciler.cxone_admin.emulator import default_seed
from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.errors import WriteOutcomeUnknown
from tests.cxone_admin.conftest import Served, config

EAST = "Collections_East"
GENERAL = "/parameters/general-settings"


@pytest.mark.parametrize("semantics", ["merge", "replace"])
@pytest.mark.parametrize("case_insensitive", [True, False])
async def test_a_whole_block_lands_the_same_under_merge_and_replace(
    serve: Callable[..., Served], semantics: Any, case_insensitive: bool
) -> None:
    served = serve(config(put_semantics=semantics, case_insensitive=case_insensitive))
    async with served.client() as client:
        live = await client.get_block(11001, "generalSettings")
        whole = live.overlay(
            GeneralSettings.from_spec({"maximumRatio": 3, "abandonRateThreshold": 2})
        )
        await client.put_block_guarded(11001, whole, expected_digest=block_digest(live))
        after = await client.get_block(11001, "generalSettings")
    assert after.to_put_json() == whole.to_put_json()
    assert (after.maximumRatio, after.abandonRateThreshold, after.loadFresh) == (3, 2, True)


@pytest.mark.parametrize("semantics", ["merge", "replace"])
async def test_a_partial_block_is_why_whole_blocks_are_sent(
    serve: Callable[..., Served], semantics: Any
) -> None:
    served = serve(config(put_semantics=semantics))
    async with served.client() as client:
        await client.put_block(11001, GeneralSettings.from_spec({"maximumRatio": 3}))
        after = await client.get_block(11001, "generalSettings")
    assert after.maximumRatio == 3
    assert after.loadFresh is (True if semantics == "merge" else None)


async def test_fields_a_newer_api_added_survive_a_whole_block_put(
    serve: Callable[..., Served],
) -> None:
    seed = default_seed()
    seed["skills"][0]["parameters"]["generalSettings"]["pacingMode"] = "adaptive"
    served = serve(config(put_semantics="replace"), seed)
    async with served.client() as client:
        live = await client.get_block(11001, "generalSettings")
        assert live.model_extra == {"pacingMode": "adaptive"}
        await client.put_block(11001, live.overlay(GeneralSettings.from_spec({"maximumRatio": 2})))
    assert served.emu.block(EAST, "generalSettings")["pacingMode"] == "adaptive"


async def test_the_put_spelling_binds_even_where_keys_bind_exactly(
    serve: Callable[..., Served],
) -> None:
    served = serve(config(case_insensitive=False))
    async with served.client() as client:
        live = await client.get_block(11001, "xsSettings")  # the GET spells xsScriptId
        await client.put_block(11001, live.overlay(XsSettings.from_spec({"xsScriptId": 4242})))
        assert (await client.get_block(11001, "xsSettings")).xsScriptID == 4242
    assert served.emu.block(EAST, "xsSettings")["xsScriptID"] == 4242


async def test_the_shared_fields_move_the_other_blocks_digest(served: Served) -> None:
    async with served.client() as client:
        retry = await client.get_block(11001, "retrySettings")
        general = await client.get_block(11001, "generalSettings")
        await client.put_block(
            11001, general.overlay(GeneralSettings.from_spec({"maximumAttempts": 7}))
        )
        retry_after = await client.get_block(11001, "retrySettings")
    assert retry_after.maximumAttempts == 7
    assert block_digest(retry_after) != block_digest(retry)


async def test_a_running_skill_takes_parameter_puts_at_once(served: Served) -> None:
    async with served.client() as client:
        assert (await client.get_skill(11002)).isRunning
        live = await client.get_block(11002, "generalSettings")
        await client.put_block(11002, live.overlay(GeneralSettings.from_spec({"maximumRatio": 1})))
        assert (await client.get_block(11002, "generalSettings")).maximumRatio == 1


async def test_time_zones_not_listed_are_switched_off(served: Served) -> None:
    async with served.client() as client:
        live = await client.get_block(11001, "timeZoneSettings")
        assert isinstance(live, TimeZoneSettings)
        pacific = {"standardName": "Pacific Standard Time", "startTime": "09:00"}
        pacific |= {"endTime": "20:00", "timeZoneActiveToCall": True, "overrideTime": False}
        wanted = TimeZoneSettings.from_spec([pacific])
        await client.put_block_guarded(
            11001, live.overlay(wanted), expected_digest=block_digest(live)
        )
        after = await client.get_block(11001, "timeZoneSettings")
    assert isinstance(after, TimeZoneSettings)
    assert after.active_names() == ["Pacific Standard Time"]


# --- the guard and lost answers -------------------------------------------------------------


@pytest.mark.parametrize("via", ["skill", "block"])
async def test_the_guard_refuses_a_block_someone_changed_and_writes_nothing(
    served: Served, via: Any
) -> None:
    async with served.client() as client:
        planned = (await client.all_parameters())[11001].blocks["generalSettings"]
        served.emu.edit_block(EAST, "generalSettings", {"maximumRatio": 1})  # another admin
        whole = planned.overlay(GeneralSettings.from_spec({"abandonRateThreshold": 1.5}))
        with pytest.raises(errors.BlockChangedError) as caught:
            await client.put_block_guarded(
                11001, whole, expected_digest=block_digest(planned), via=via
            )
    assert isinstance(caught.value, errors.PreconditionFailedError)
    assert caught.value.expected_digest == block_digest(planned)
    assert served.api_requests("PUT") == []
    assert served.emu.block(EAST, "generalSettings")["maximumRatio"] == 1
    read = "/skills/11001/parameters" if via == "skill" else "/parameters/general-settings"
    assert len(served.api_requests("GET", read)) == 1


async def _lost_put(served: Served, expected: bool = True) -> tuple[GeneralSettings, int]:
    """Write maximumRatio 3 with the faults already set; (block sent, PUTs seen)."""
    async with served.client() as client:
        live = await client.get_block(11001, "generalSettings")
        assert isinstance(live, GeneralSettings)
        whole = live.overlay(GeneralSettings.from_spec({"maximumRatio": 3}))
        digest = block_digest(live) if expected else None
        await client.put_block(11001, whole, expected_digest=digest)
    return whole, len(served.api_requests("PUT"))


async def test_a_lost_answer_after_handling_is_seen_to_have_landed(served: Served) -> None:
    served.emu.faults.drop_connection(method="PUT", after_handling=True)
    whole, puts = await _lost_put(served)
    assert puts == 1
    assert served.emu.block(EAST, "generalSettings") == whole.to_put_json()
    assert [e.kind for e in served.events].count("write_checked") == 1


@pytest.mark.parametrize("fault", ["drop", "500"])
async def test_a_write_that_did_not_land_is_repeated_once(served: Served, fault: str) -> None:
    if fault == "drop":
        served.emu.faults.drop_connection(method="PUT")
    else:
        served.emu.faults.http_error(500, method="PUT")
    _, puts = await _lost_put(served)
    assert puts == 2
    assert served.emu.block(EAST, "generalSettings")["maximumRatio"] == 3


async def test_two_lost_answers_give_up_saying_the_write_did_not_land(served: Served) -> None:
    served.emu.faults.drop_connection(method="PUT", count=2)
    with pytest.raises(errors.ServerError, match="did not land"):
        await _lost_put(served)
    assert len(served.api_requests("PUT")) == 2
    assert served.emu.block(EAST, "generalSettings")["maximumRatio"] == 2


async def test_a_lost_answer_and_someone_elses_edit_is_unknown(served: Served) -> None:
    served.emu.faults.drop_connection(method="PUT", after_handling=True)
    served.emu.edit_block(EAST, "generalSettings", {"maximumRatio": 1}, after="write")
    with pytest.raises(WriteOutcomeUnknown, match="neither"):
        await _lost_put(served)
    assert len(served.api_requests("PUT")) == 1


async def test_without_a_baseline_an_unlanded_write_is_not_repeated(served: Served) -> None:
    served.emu.faults.drop_connection(method="PUT")
    with pytest.raises(WriteOutcomeUnknown):
        await _lost_put(served, expected=False)
    assert len(served.api_requests("PUT")) == 1


# --- 429 and 409 ------------------------------------------------------------------------------


async def test_a_429_without_retry_after_backs_off_and_retries(served: Served) -> None:
    served.emu.faults.http_error(429, count=2, method="PUT")
    whole, puts = await _lost_put(served)
    assert puts == 3
    assert served.emu.block(EAST, "generalSettings") == whole.to_put_json()
    assert [e.kind for e in served.events].count("rate_limited") == 2
    assert all(0 <= s <= 4.0 for s in served.time.slept)


async def test_a_tenant_limit_with_retry_after_is_waited_out(serve: Callable[..., Served]) -> None:
    served = serve(config(write_limit_per_minute=2, retry_after=True))
    async with served.client() as client:
        live = await client.get_block(11001, "retrySettings")
        for _ in range(3):
            await client.put_block(11001, live)
    assert client.stats.rate_limited == 1
    assert served.time.slept and max(served.time.slept) >= 1  # the window's reset, as told


async def test_a_tenant_limit_without_retry_after_outlasts_the_retries(
    serve: Callable[..., Served],
) -> None:
    served = serve(config(write_limit_per_minute=1, retry_after=False))
    async with served.client() as client:
        live = await client.get_block(11001, "retrySettings")
        await client.put_block(11001, live)
        with pytest.raises(errors.RateLimitedError, match="429"):
            await client.put_block(11001, live)
    assert sum(served.time.slept) < 60  # backoff alone cannot know the window


async def test_start_and_stop_wait_for_the_run_state(served: Served) -> None:
    async with served.client() as client:
        with pytest.raises(errors.SkillStateError, match="Cannot start skill"):
            await client.start_skill(11002)
        stopped = await client.stop_skill(11002)
        started = await client.start_skill(11001)
        with pytest.raises(errors.NotFoundError, match="non-running"):
            await client.stop_skill(11003)
    assert (stopped.isRunning, started.isRunning) == (False, True)
    assert sum(served.time.slept) >= 2 * served.emu.config.start_stop_seconds
    assert client.stats.polls >= 4


async def test_a_start_that_never_takes_effect_times_out(serve: Callable[..., Served]) -> None:
    served = serve(config(start_stop_seconds=600))
    async with served.client() as client:
        with pytest.raises(errors.OperationTimeoutError, match="still not running"):
            await client.start_skill(11001, deadline_seconds=30)


@pytest.mark.parametrize("body", ["object", "bare"])
async def test_error_bodies_in_either_form_become_typed_errors(
    serve: Callable[..., Served], body: Any
) -> None:
    served = serve(config(error_body=body))
    async with served.client() as client:
        with pytest.raises(errors.ValidationError) as caught:
            await client.put_block(11001, GeneralSettings.from_server({"maximumRatio": 5}))
        with pytest.raises((errors.ValidationError, errors.NameConflictError)) as duplicate:
            await client.create_dnc_group("National_DNC")
    said = "Invalid maximumRatio" if body == "object" else "InvalidParameter"
    assert said in str(caught.value)
    assert isinstance(duplicate.value, errors.NameConflictError) is (body == "object")


@pytest.mark.parametrize("answer", ["empty", "object"])
async def test_a_puts_200_body_may_be_empty_or_an_object(
    serve: Callable[..., Served], answer: Any
) -> None:
    served = serve(config(put_answer=answer))
    whole, puts = await _lost_put(served)
    assert puts == 1 and served.emu.block(EAST, "generalSettings") == whole.to_put_json()
