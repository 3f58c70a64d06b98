"""A skill's metrics from either source, over sockets: what the guard and `metrics` read."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from reconciler.cxone_admin.kinds import cxone_admin_api
from reconciler.cxone_admin.metrics import grouped, guard_rows, read_skill_metrics
from reconciler.dialer_v1 import errors
from reconciler.kinds import Backend
from tests.cxone_admin.conftest import Served

NOW = datetime(2026, 9, 21, 14, 13, 20, tzinfo=timezone.utc)
SUMMARY = "/inContactAPI/services/v30.0/skills/11002/summary"


def pin(served: Served, connects: int, abandons: int, dials: int = 400) -> None:
    for name, value in (("dials", dials), ("connects", connects), ("abandons", abandons)):
        served.emu.set_metric("Renewals_Central", name, value)


async def test_dialer_contacts_give_one_row_per_interval_of_the_skill(served: Served) -> None:
    pin(served, connects=100, abandons=4)
    async with served.client() as client:
        found = await read_skill_metrics(
            client, 11002, NOW - timedelta(hours=1), NOW, "dialer-contacts"
        )
    assert found.source == "dialer-contacts" and found.fallback is None
    # 13:13:20 .. 14:13:20 overlaps the intervals starting 13:00, 13:15, 13:30, 13:45, 14:00.
    assert [r.interval_start for r in found.rows] == [
        f"2026-09-21T{t}:00Z" for t in ("13:00", "13:15", "13:30", "13:45", "14:00")
    ]
    first = found.rows[0]
    assert first.resource_id == "11002" and first.interval_end == "2026-09-21T13:15:00Z"
    assert first.values == {
        "dials": 400.0,
        "connects": 100.0,
        "abandons": 4.0,
        "abandonmentRate": 0.04,
        "answerRate": 0.25,
    }


async def test_the_summary_is_one_row_with_its_percent_as_a_fraction(served: Served) -> None:
    pin(served, connects=100, abandons=3)
    async with served.client() as client:
        found = await read_skill_metrics(
            client, 11002, NOW - timedelta(hours=1), NOW, "skill-summary"
        )
    (row,) = found.rows
    assert found.source == "skill-summary"
    assert (row.interval_start, row.interval_end) == ("2026-09-21T13:13:20Z", NOW_ISO)
    assert row.values["abandonmentRate"] == pytest.approx(0.03)
    assert row.values["connects"] == 500 and row.values["abandons"] == 15


NOW_ISO = "2026-09-21T14:13:20Z"


async def test_auto_reads_the_summary_when_it_is_served(served: Served) -> None:
    pin(served, connects=100, abandons=2)
    async with served.client() as client:
        rows = await guard_rows(client, "11002", ["abandonmentRate"], "auto", now=NOW)
    assert [r.values for r in rows] == [{"abandonmentRate": 0.02}]
    assert served.api_requests(suffix="/summary") and not served.api_requests(
        suffix="/dialer-contacts"
    )


@pytest.mark.parametrize("status", [403, 404])
async def test_auto_falls_back_to_the_dialer_contacts(served: Served, status: int) -> None:
    pin(served, connects=200, abandons=9)
    served.emu.faults.http_error(status, path=SUMMARY)
    async with served.client() as client:
        found = await read_skill_metrics(client, 11002, NOW - timedelta(hours=1), NOW, "auto")
    assert found.source == "dialer-contacts"
    assert found.fallback is not None and "not served" in found.fallback
    assert {r.values["abandonmentRate"] for r in found.rows} == {0.045}


async def test_a_summary_the_tenant_refuses_is_an_error_for_skill_summary(
    served: Served,
) -> None:
    served.emu.faults.http_error(404, path=SUMMARY)
    async with served.client() as client:
        with pytest.raises(errors.NotFoundError):
            await guard_rows(client, "11002", ["abandonmentRate"], "skill-summary", now=NOW)


async def test_intervals_without_connects_have_no_rates(served: Served) -> None:
    pin(served, connects=0, abandons=0, dials=50)
    async with served.client() as client:
        contacts = await guard_rows(client, "11002", ["abandonmentRate"], "dialer-contacts", NOW)
        summary = await guard_rows(client, "11002", ["abandonmentRate"], "skill-summary", NOW)
    # No connects: nothing to judge (the guard calls that unreadable, never "held").
    assert contacts == [] and summary == []


async def test_the_guard_reads_through_the_source_the_tenant_names(served: Served) -> None:
    pin(served, connects=100, abandons=5)
    async with served.client() as client:
        rows = await Backend(cxone_admin_api("skill-summary"), client).read_metrics(
            "11002", ["abandonmentRate"]
        )
    assert len(rows) == 1 and rows[0].values["abandonmentRate"] == pytest.approx(0.05)
    assert not served.api_requests(suffix="/dialer-contacts")


async def test_intervals_grouped_by_hour_and_day_add_counts_not_rates(served: Served) -> None:
    async with served.client() as client:
        found = await read_skill_metrics(
            client, 11001, NOW - timedelta(hours=3), NOW, "dialer-contacts"
        )
    hours = grouped(found.rows, "hour")
    days = grouped(found.rows, "day")
    assert [h.interval_start for h in hours] == [
        f"2026-09-21T{h}:00:00Z" for h in ("11", "12", "13", "14")
    ]
    assert hours[1].interval_end == "2026-09-21T13:00:00Z"
    within = [r for r in found.rows if r.interval_start.startswith("2026-09-21T12")]
    connects = sum(r.values["connects"] for r in within)
    abandons = sum(r.values["abandons"] for r in within)
    assert hours[1].values["connects"] == connects
    assert hours[1].values["abandonmentRate"] == pytest.approx(abandons / connects)
    assert len(days) == 1 and days[0].values["dials"] == sum(r.values["dials"] for r in found.rows)


async def test_long_ranges_are_read_a_week_at_a_time(served: Served) -> None:
    async with served.client() as client:
        found = await read_skill_metrics(
            client, 11003, NOW - timedelta(days=15), NOW, "dialer-contacts"
        )
    assert len(served.api_requests(suffix="/dialer-contacts")) == 3
    assert len(found.rows) == 15 * 96 + 1  # the partial interval holding NOW too
