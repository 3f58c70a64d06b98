"""The block models: strict for specs, lenient for servers, one canonical form out."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from reconciler.cxone_admin.blocks import (
    BLOCK_MODELS,
    CpaSettings,
    GeneralSettings,
    RetrySettings,
    ScheduleSettings,
    TimeZoneSettings,
    XsSettings,
    block_digest,
)
from reconciler.cxone_admin.shapes import day_index, schedule_to_get

EASTERN = "Eastern Standard Time"
CENTRAL = "Central Standard Time"


def _types(exc: ValidationError) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"]): e["type"] for e in exc.errors()}


def test_strict_reports_every_problem_with_standard_error_types() -> None:
    with pytest.raises(ValidationError) as caught:
        GeneralSettings.from_spec(
            {
                "maximumRatio": 5,
                "abandonRateTreshold": 2,
                "loadFresh": 1,
                "maximumAttempts": "3",
                "abandonRateThreshold": 100,
            }
        )
    assert _types(caught.value) == {
        "maximumRatio": "less_than_equal",
        "abandonRateTreshold": "extra_forbidden",
        "loadFresh": "bool_type",
        "maximumAttempts": "int_type",
        "abandonRateThreshold": "less_than_equal",
    }


def test_strict_refuses_other_letter_cases_and_get_shapes() -> None:
    with pytest.raises(ValidationError) as caught:
        GeneralSettings.from_spec({"MaximumRatio": 2})
    assert _types(caught.value) == {"MaximumRatio": "extra_forbidden"}
    with pytest.raises(ValidationError) as caught:
        ScheduleSettings.from_spec({"schedules": []})
    assert _types(caught.value) == {"schedules": "extra_forbidden"}


def test_strict_accepts_both_documented_spellings_but_not_both_at_once() -> None:
    assert XsSettings.from_spec({"xsScriptId": 7}).to_put_json() == {"xsScriptID": 7}
    assert XsSettings.from_spec({"xsScriptID": 7}).to_put_json() == {"xsScriptID": 7}
    with pytest.raises(ValidationError, match="given twice"):
        XsSettings.from_spec({"xsScriptId": 7, "xsScriptID": 8})


def test_spec_fields_left_out_are_not_managed() -> None:
    block = GeneralSettings.from_spec({"maximumRatio": 2, "abandonRateThreshold": 2.5})
    assert block.model_fields_set == {"maximumRatio", "abandonRateThreshold"}
    assert block.wrapped() == {"generalSettings": {"maximumRatio": 2, "abandonRateThreshold": 2.5}}


def test_lenient_binds_any_case_coerces_safely_and_keeps_unknown_fields() -> None:
    block = GeneralSettings.from_server(
        {"MaximumRatio": "2", "ABANDONRATETHRESHOLD": 3, "newerField": {"x": [1, 2]}}
    )
    assert block.to_put_json() == {
        "maximumRatio": 2,
        "abandonRateThreshold": 3,
        "newerField": {"x": [1, 2]},
    }
    assert GeneralSettings.from_server({"maximumRatio": 9}).maximumRatio == 9  # no ranges
    with pytest.raises(ValidationError, match="got a boolean"):
        GeneralSettings.from_server({"maximumRatio": True})
    with pytest.raises(ValidationError):
        GeneralSettings.from_server({"maximumRatio": 2.5})


def test_integral_numbers_go_out_as_ints_and_digest_by_value() -> None:
    as_float = GeneralSettings.from_server({"abandonRateThreshold": 3.0, "maximumRatio": 2.0})
    as_int = GeneralSettings.from_server({"abandonRateThreshold": 3, "maximumRatio": "2"})
    assert as_float.to_put_json() == {"abandonRateThreshold": 3, "maximumRatio": 2}
    assert block_digest(as_float) == block_digest(as_int)
    assert block_digest(as_int) != block_digest(
        GeneralSettings.from_server({"abandonRateThreshold": 3.5, "maximumRatio": 2})
    )


@pytest.mark.parametrize("day", ["Monday", "monday", "MON", 1, "1"])
def test_schedule_get_shape_reads_into_the_put_form(day: Any) -> None:
    put = {"isScheduled": True, "mondayStartTime": "08:00", "mondayEndTime": "20:00"}
    got = {
        "isScheduled": True,
        "schedules": [{"day": day, "active": True, "startTime": "08:00:00", "endTime": "20:00"}],
    }
    from_get = ScheduleSettings.from_server(got)
    assert from_get.to_put_json() == {**put, "mondayIsActive": True}
    assert block_digest(from_get) == block_digest(
        ScheduleSettings.from_server({**put, "mondayIsActive": True})
    )


def test_schedule_round_trips_through_every_day_form() -> None:
    flat = {f"{d}StartTime": "09:00" for d in ("sunday", "wednesday", "saturday")}
    flat |= {"isScheduled": False, "wednesdayIsActive": False}
    for form in ("name", "lower", "number"):
        got = schedule_to_get(flat, form)  # type: ignore[arg-type]
        assert ScheduleSettings.from_server(got).to_put_json() == flat
    assert day_index(0) == day_index(7) == day_index("Sunday") == 0
    with pytest.raises(ValueError):
        day_index("Funday")


def test_time_zone_get_items_and_put_items_share_one_canonical_form() -> None:
    put = [
        {
            "standardName": EASTERN,
            "startTime": "08:00",
            "endTime": "21:00",
            "timeZoneActiveToCall": True,
            "overrideTime": False,
        },
        {
            "standardName": CENTRAL,
            "startTime": "09:00",
            "endTime": "20:00",
            "timeZoneActiveToCall": False,
            "overrideTime": True,
        },
    ]
    got = [
        {
            "name": z["standardName"],
            "description": f"(UTC) {z['standardName']}",
            **{k: v for k, v in z.items() if k != "standardName"},
        }
        for z in reversed(put)
    ]
    for answer in (got, {"timeZoneSettings": got}, {"TimeZones": got}):
        block = TimeZoneSettings.from_server(answer)
        assert block_digest(block) == block_digest(TimeZoneSettings.from_spec(put))
    assert TimeZoneSettings.from_spec(put).wrapped() == {"timeZoneSettings": put}


def test_time_zone_overlay_deactivates_unlisted_zones() -> None:
    live = TimeZoneSettings.from_server(
        [
            {
                "name": EASTERN,
                "startTime": "08:00",
                "endTime": "21:00",
                "timeZoneActiveToCall": True,
                "overrideTime": False,
            },
            {
                "name": CENTRAL,
                "startTime": "08:00",
                "endTime": "21:00",
                "timeZoneActiveToCall": True,
                "overrideTime": False,
            },
        ]
    )
    desired = TimeZoneSettings.from_spec(
        [
            {
                "standardName": EASTERN,
                "startTime": "09:00",
                "endTime": "20:00",
                "timeZoneActiveToCall": True,
            }
        ]
    )
    merged = live.overlay(desired)
    assert merged.active_names() == [EASTERN]
    assert {z.standardName: z.startTime for z in merged.zones or []} == {
        EASTERN: "09:00",
        CENTRAL: "08:00",
    }
    # A listed zone keeps the live fields the spec leaves out: a server that replaces the
    # block on PUT would otherwise set them to null.
    assert {z.standardName: z.overrideTime for z in merged.zones or []} == {
        EASTERN: False,
        CENTRAL: False,
    }


def test_time_zone_spec_problems_are_located_in_the_list() -> None:
    with pytest.raises(ValidationError) as caught:
        TimeZoneSettings.from_spec(
            [
                {"standardName": EASTERN, "startTime": "8:00", "bad": 1},
                {"standardName": "eastern standard time"},
            ]
        )
    assert _types(caught.value) == {
        "0.bad": "extra_forbidden",
        "0.startTime": "value_error",
        "1.standardName": "value_error",
    }
    with pytest.raises(ValidationError):
        TimeZoneSettings.from_spec({"zones": []})


def test_cpa_exceptions_read_either_spelling_and_sort_by_attempt() -> None:
    block = CpaSettings.from_server(
        {
            "AnsMachineOverrideSeconds": 3,
            "exceptions": [{"attemptNo": 2, "ansMachineDetMode": 3}, {"ATTEMPT_NO": 1}],
        }
    )
    assert block.to_put_json()["exceptions"][0] == {"attempt_No": 2, "ansMachineDetMode": 3}
    assert [e["attempt_No"] for e in block.canonical()["exceptions"]] == [1, 2]
    with pytest.raises(ValidationError) as caught:
        CpaSettings.from_spec({"exceptions": [{"attempt_No": 9, "typo": 1}]})
    assert _types(caught.value) == {
        "exceptions.0.attempt_No": "less_than_equal",
        "exceptions.0.typo": "extra_forbidden",
    }


def test_overlay_writes_desired_over_live_and_keeps_the_rest() -> None:
    live = RetrySettings.from_server({"maximumAttempts": 3, "generalStaleMinutes": 60, "x": 1})
    desired = RetrySettings.from_spec({"maximumAttempts": 5})
    assert live.overlay(desired).to_put_json() == {
        "maximumAttempts": 5,
        "generalStaleMinutes": 60,
        "x": 1,
    }


def test_every_block_is_registered_under_its_wrapper_name() -> None:
    assert list(BLOCK_MODELS) == [
        "generalSettings",
        "cpaSettings",
        "retrySettings",
        "scheduleSettings",
        "timeZoneSettings",
        "deliveryPreferences",
        "xsSettings",
    ]
    assert len({model.PATH for model in BLOCK_MODELS.values()}) == len(BLOCK_MODELS)
