"""The blast-radius gate at its boundary, and protected resources."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from reconciler.guardrails import (
    DEFAULT_MAX_CHANGE_SHARE,
    ChangeShare,
    blast_radius,
    protected_deletes,
)


@pytest.mark.parametrize(
    ("updates", "deletes", "passes", "message"),
    [
        (29, 0, True, "29.00% is within 30.00% (29/100)"),
        (30, 0, True, "30.00% is within 30.00% (30/100)"),
        (20, 10, True, "30.00% is within 30.00% (30/100)"),
        (31, 0, False, "31.00% is over 30.00% (31/100): --allow-large-change required"),
        (0, 31, False, "31.00% is over 30.00% (31/100): --allow-large-change required"),
    ],
)
def test_the_gate_at_its_boundary(updates: int, deletes: int, passes: bool, message: str) -> None:
    verdict = blast_radius(updates, deletes, 100, DEFAULT_MAX_CHANGE_SHARE)
    assert verdict.passes is passes
    assert verdict.message == message


def test_the_octodns_message() -> None:
    verdict = blast_radius(3, 1, 10, 0.3)
    assert not verdict.passes
    assert verdict.message == "40.00% is over 30.00% (4/10): --allow-large-change required"


def test_share_one_lets_everything_through() -> None:
    assert blast_radius(100, 0, 100, 1.0).passes
    assert blast_radius(60, 40, 100, 1.0).message == "100.00% is within 100.00% (100/100)"
    # Pruning more than is managed is more than 100%.
    assert not blast_radius(0, 101, 100, 1.0).passes


def test_no_minimum_size() -> None:
    assert not blast_radius(1, 0, 2, 0.3).passes
    assert blast_radius(0, 0, 0, 0.3).passes


def test_changing_something_when_nothing_is_managed_trips() -> None:
    verdict = blast_radius(0, 5, 0, 1.0)
    assert not verdict.passes
    assert verdict.share == float("inf")
    assert verdict.message == (
        "5 updates or deletes with no managed resources (5/0): --allow-large-change required"
    )


def test_the_share_is_compared_as_written_not_as_a_float() -> None:
    # 3/10 is exactly "0.3"; one change in 10**18 more rounds to the same float as 0.3.
    assert blast_radius(3, 0, 10, 0.3).passes
    assert blast_radius(7, 0, 100, 0.07).passes
    assert (3 * 10**17 + 1) / 10**18 == 0.3
    assert not blast_radius(3 * 10**17 + 1, 0, 10**18, 0.3).passes


@pytest.mark.parametrize(
    ("numbers", "message"),
    [
        ((1, 0, 10, 0.0), "max_change_share 0.0 is not in (0, 1]"),
        ((1, 0, 10, 1.5), "max_change_share 1.5 is not in (0, 1]"),
        ((-1, 0, 10, 0.3), "none can be negative"),
        ((0, 0, -1, 0.3), "none can be negative"),
    ],
)
def test_bad_arguments_are_refused(numbers: tuple[int, int, int, float], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        blast_radius(*numbers)


def test_the_share_type_for_the_tenant_model() -> None:
    adapter = TypeAdapter(ChangeShare)
    assert adapter.validate_python(0.3) == 0.3
    assert adapter.validate_python(1) == 1
    for bad in (0, 1.01, -0.1):
        with pytest.raises(ValidationError):
            adapter.validate_python(bad)


def test_protected_deletes_in_plan_order() -> None:
    deletes = ["Campaign/C", "Campaign/A", "Webhook/W", "Campaign/B"]
    protected = {"Campaign/B", "Campaign/C", "Campaign/Z"}
    assert protected_deletes(deletes, protected) == ("Campaign/C", "Campaign/B")
    assert protected_deletes(deletes, set()) == ()
