"""What doctor reads out of raw answers: shapes, forms, fields, and the abandonment check."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.cxone_admin.doctor import evidence
from reconciler.cxone_admin.doctor.checks import USED_CALLS, unlisted
from reconciler.cxone_admin.records import DialerContactsRow, SkillSummaryRow


@pytest.mark.parametrize(
    ("data", "shape"),
    [
        ({"skillId": 1, "skillName": "A"}, "flat"),
        ({"SkillId": 1}, "flat"),
        ({"skills": [{"skillId": 1}]}, "wrapped"),
        ({"skills": "x"}, None),
        ([], None),
    ],
)
def test_skill_get_shape(data: Any, shape: str | None) -> None:
    assert evidence.skill_get_shape(data) == shape


@pytest.mark.parametrize(
    ("data", "form"),
    [
        ({"totalRecords": 3}, "number"),
        ({"totalRecords": "3"}, "string"),
        ({"skills": []}, "absent"),
        ({"totalRecords": True}, "other"),
        (None, "absent"),
    ],
)
def test_total_records_form(data: Any, form: str) -> None:
    assert evidence.total_records_form(data) == form


@pytest.mark.parametrize(
    ("day", "form"),
    [
        ("Sunday", "name"),
        ("monday", "lower"),
        (0, "number"),
        (6, "number"),
        ("Sun", "other ('Sun')"),
    ],
)
def test_day_form(day: Any, form: str) -> None:
    assert evidence.day_form(day) == form


def test_schedule_day_forms_count_every_day_and_flat_schedules() -> None:
    items = [
        {"scheduleSettings": {"schedules": [{"day": "Monday"}, {"day": "Tuesday"}]}},
        {"ScheduleSettings": {"Schedules": [{"Day": 3}]}},
        {"scheduleSettings": {"mondayStartTime": "08:00"}},
        {"generalSettings": {}},
    ]
    assert evidence.schedule_day_forms(items) == {"name": 2, "number": 1, "flat": 1}


def test_time_zone_shapes_and_names() -> None:
    wrapped = {"timeZoneSettings": [{"name": "Eastern Standard Time"}]}
    bare = [{"standardName": "Eastern Standard Time"}]
    assert evidence.zones_get_shape(wrapped) == "wrapped"
    assert evidence.zones_get_shape(bare) == "list"
    assert evidence.zones_get_shape({"other": 1}) is None
    assert evidence.zone_item_names(wrapped) == ["name"]
    assert evidence.zone_item_names(bare) == ["standardName"]


def test_parse_items_names_every_problem_and_keeps_the_rest() -> None:
    data = {
        "skills": [
            {"skillNo": 1, "skillName": "A", "generalSettings": {"maximumRatio": "x"}},
            {
                "skillNo": 2,
                "skillName": "B",
                "generalSettings": {"maximumRatio": 2, "newKnob": True},
                "cpaSettings": {"abandonTimeout": []},
                "callingLists": [],
            },
            {"skillName": "no number"},
            "junk",
        ]
    }
    parsed = evidence.parse_items(data)
    assert sorted(parsed.blocks) == [1, 2]
    assert list(parsed.blocks[2]) == ["generalSettings"]
    assert len(parsed.problems) == 4
    assert any("skill A" in p and "maximumRatio" in p for p in parsed.problems)
    assert any("skill B" in p and "abandonTimeout" in p for p in parsed.problems)
    assert parsed.other_keys == {"callingLists": 1}
    assert evidence.unknown_fields(parsed) == {"generalSettings": {"newKnob": 1}}


def test_an_aggregated_answer_without_a_list_is_one_problem() -> None:
    assert evidence.parse_items({"nothing": 1}).problems == ["the answer has no list under skills"]


def row(skill: int, connects: int, abandons: int) -> DialerContactsRow:
    return DialerContactsRow.from_server(
        {
            "skillId": skill,
            "intervalStartDate": "2026-09-21T13:00:00Z",
            "connects": connects,
            "abandons": abandons,
        }
    )


def summary(rate: float) -> SkillSummaryRow:
    return SkillSummaryRow.from_server({"AbandonRate": rate})


def test_a_whole_percent_summary_agrees_within_half_a_point() -> None:
    rows = [row(1, 40, 1), row(1, 40, 0), row(2, 100, 50)]
    compared = evidence.compare_abandonment(1, "A", summary(1), rows)
    assert compared is not None
    assert compared.contacts_percent == 1.25 and compared.whole_percent and compared.agree
    assert not evidence.compare_abandonment(1, "A", summary(2), rows).agree  # type: ignore[union-attr]


def test_a_precise_summary_must_match_closely() -> None:
    rows = [row(1, 80, 1)]
    assert evidence.compare_abandonment(1, "A", summary(1.25), rows).agree  # type: ignore[union-attr]
    off = evidence.compare_abandonment(1, "A", summary(1.4), rows)
    assert off is not None and not off.whole_percent and not off.agree


def test_no_connects_means_nothing_to_compare() -> None:
    assert evidence.compare_abandonment(1, "A", summary(0), [row(1, 0, 0)]) is None
    assert evidence.compare_abandonment(1, "A", SkillSummaryRow(), [row(1, 9, 0)]) is None


def test_the_tools_calls_are_found_in_an_api_version_listing() -> None:
    listed = [(verb, "/services/v30.0" + path.replace("{}", "{id}")) for verb, path in USED_CALLS]
    assert unlisted(listed) == []
    assert unlisted(listed[1:]) == [USED_CALLS[0]]
    generic = [("GET", "/skills/{skillId}/parameters/{segment}")]
    assert ("PUT", "/skills/{}/parameters/{}") in unlisted(generic)
