"""The field-level diff: one line per leaf, a list shown whole."""

from __future__ import annotations

from reconciler.engine.diff import diff_bodies
from reconciler.engine.plan import FieldChange


def test_a_list_of_objects_is_one_change_whatever_its_length() -> None:
    before = {
        "zones": [{"name": "Eastern", "start": "08:00"}, {"name": "Pacific", "start": "09:00"}],
        "block": {"ratio": 1, "exceptions": []},
    }
    after = {
        "zones": [{"name": "Eastern", "start": "09:00"}],
        "block": {"ratio": 2, "exceptions": [{"attempt": 2, "mode": 1}]},
    }

    changes = diff_bodies(before, after)

    assert changes == (
        FieldChange("block.exceptions", [], [{"attempt": 2, "mode": 1}]),
        FieldChange("block.ratio", 1, 2),
        FieldChange("zones", before["zones"], after["zones"]),
    )


def test_objects_outside_lists_are_shown_leaf_by_leaf() -> None:
    changes = diff_bodies({"a": {"b": 1}}, {"a": {"b": 1, "c": {"d": 2, "e": 3}}})

    assert changes == (FieldChange("a.c.d", None, 2), FieldChange("a.c.e", None, 3))
