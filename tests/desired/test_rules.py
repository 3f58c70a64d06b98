"""Rules across documents and time zones: UTC windows, DST, half-open overlap."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.desired import validate_spec_dir
from reconciler.desired.trunks import utc_interval

TENANT: dict[str, Any] = {
    "apiVersion": "dialer.cxone/v1",
    "kind": "Tenant",
    "metadata": {"name": "prod"},
    "spec": {"carrier": {"max_trunks": 100, "current_utilization_percent": 0}},
}


def _campaign(name: str, tz: str, start: str, end: str, calls: int) -> dict[str, Any]:
    return {
        "apiVersion": "dialer.cxone/v1",
        "kind": "Campaign",
        "metadata": {"name": name},
        "spec": {
            "type": "progressive",
            "concurrency": {"max_agents": calls, "max_simultaneous_calls": calls},
            "algorithm": {"type": "progressive"},
            "calling_hours": {"start": start, "end": end, "timezone": tz},
            "dnc_lists": ["national", "internal"],
        },
    }


def _codes(tmp_path: Path, *docs: dict[str, Any]) -> list[str]:
    (tmp_path / "all.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    _, diagnostics = validate_spec_dir(tmp_path)
    return [d.code for d in diagnostics]


def test_utc_interval_follows_daylight_saving() -> None:
    assert utc_interval("09:00", "20:00", "America/New_York", date(2025, 1, 15)) == (840, 1500)
    assert utc_interval("09:00", "20:00", "America/New_York", date(2025, 7, 15)) == (780, 1440)
    assert utc_interval("08:00", "24:00", "UTC", date(2025, 1, 15)) == (480, 1440)


def test_windows_touching_in_utc_do_not_overlap(tmp_path: Path) -> None:
    # New York 08:00-12:00 ends when Los Angeles 09:00-12:00 starts, summer and winter.
    codes = _codes(
        tmp_path,
        TENANT,
        _campaign("East", "America/New_York", "08:00", "12:00", 60),
        _campaign("West", "America/Los_Angeles", "09:00", "12:00", 60),
    )
    assert codes == []


def test_windows_across_midnight_utc_are_compared(tmp_path: Path) -> None:
    # Tokyo 08:00-21:00 is 23:00-12:00 UTC: it overlaps London's morning.
    codes = _codes(
        tmp_path,
        TENANT,
        _campaign("Tokyo", "Asia/Tokyo", "08:00", "21:00", 60),
        _campaign("London", "Europe/London", "08:00", "21:00", 60),
    )
    assert codes == ["trunk-overlap"]


def test_sydney_and_new_york_never_share_trunks(tmp_path: Path) -> None:
    codes = _codes(
        tmp_path,
        TENANT,
        _campaign("Sydney", "Australia/Sydney", "09:00", "17:00", 60),
        _campaign("NewYork", "America/New_York", "09:00", "17:00", 60),
    )
    assert codes == []


def test_capacity_error_per_campaign_and_edge_of_free_trunks(tmp_path: Path) -> None:
    tenant = {**TENANT, "spec": {"carrier": {"max_trunks": 150, "current_utilization_percent": 45}}}
    assert _codes(tmp_path, tenant, _campaign("A", "UTC", "09:00", "17:00", 82)) == []
    assert _codes(tmp_path, tenant, _campaign("A", "UTC", "09:00", "17:00", 83)) == [
        "trunk-capacity"
    ]


@pytest.mark.parametrize(
    ("jurisdiction", "start", "end", "codes"),
    [
        ("US", "08:00", "21:00", []),
        ("US", "07:59", "21:00", ["us-calling-hours"]),
        ("UK", "07:00", "22:00", []),  # no statutory window
        ("CA", "10:00", "18:00", []),
        ("CA", "09:00", "21:30", ["ca-weekend-calling-hours"]),
        ("CA", "09:00", "21:31", ["ca-calling-hours", "ca-weekend-calling-hours"]),
    ],
)
def test_calling_windows_per_jurisdiction(
    tmp_path: Path, jurisdiction: str, start: str, end: str, codes: list[str]
) -> None:
    tenant = {**TENANT, "spec": {**TENANT["spec"], "compliance": {"jurisdiction": jurisdiction}}}
    found = _codes(tmp_path, tenant, _campaign("A", "UTC", start, end, 10))
    assert sorted(found) == codes


def test_tenant_window_narrows_the_law(tmp_path: Path) -> None:
    # Florida-style 08:00-20:00 policy for the whole tenant.
    tenant = {
        **TENANT,
        "spec": {
            **TENANT["spec"],
            "compliance": {"calling_hours": {"start": "08:00", "end": "20:00"}},
        },
    }
    found = _codes(tmp_path, tenant, _campaign("A", "America/New_York", "08:00", "21:00", 10))
    assert found == ["tenant-calling-hours"]


def test_tenant_abandonment_cap_applies_to_campaigns(tmp_path: Path) -> None:
    tenant = {
        **TENANT,
        "spec": {**TENANT["spec"], "compliance": {"max_abandonment_rate": 0.02}},
    }
    campaign = _campaign("A", "UTC", "09:00", "17:00", 10)
    campaign["spec"]["algorithm"]["abandonment_rate_target"] = 0.025
    assert _codes(tmp_path, tenant, campaign) == ["us-abandonment-cap"]
