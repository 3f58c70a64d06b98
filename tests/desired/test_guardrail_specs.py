"""Guardrails in the specs: windows, protect, the gate's share, self_heal; located errors."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from reconciler.desired import validate_spec_dir
from reconciler.desired.diagnostics import Diagnostic
from reconciler.kinds import ResourceAddress

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def tenant(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "dialer.cxone/v1",
        "kind": "Tenant",
        "metadata": {"name": "prod"},
        "spec": spec,
    }


def campaign(name: str, tz: str = "America/New_York", **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "dialer.cxone/v1",
        "kind": "Campaign",
        "metadata": {"name": name},
        "spec": {
            "type": "progressive",
            "concurrency": {"max_agents": 10, "max_simultaneous_calls": 10},
            "algorithm": {"type": "progressive"},
            "calling_hours": {"start": "09:00", "end": "20:00", "timezone": tz},
            "dnc_lists": ["national", "internal"],
        },
        **extra,
    }


def write(tmp_path: Path, *docs: dict[str, Any]) -> Path:
    spec = tmp_path / "prod"
    spec.mkdir(exist_ok=True)
    for i, doc in enumerate(docs):
        (spec / f"{i:02d}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return spec


def errors(spec: Path) -> list[Diagnostic]:
    _, diagnostics = validate_spec_dir(spec, now=NOW)
    return [d for d in diagnostics if d.severity == "error"]


def test_windows_protect_share_and_self_heal_are_read_with_their_places(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        tenant(
            max_change_share=0.5,
            self_heal=True,
            change_windows=[{"kind": "allow", "schedule": "0 22 * * mon-fri", "duration": "8h"}],
        ),
        campaign("East", protect=True),
        campaign(
            "West",
            "America/Los_Angeles",
            change_windows=[
                {"kind": "deny", "during": "calling_hours"},
                {"kind": "allow", "schedule": "30 6 * * *", "duration": "90m", "time_zone": "UTC"},
            ],
        ),
        campaign("Open", change_windows=[]),
    )
    state, diagnostics = validate_spec_dir(spec, now=NOW)
    assert state is not None, [d.render() for d in diagnostics]
    g = state.guardrails
    assert (g.max_change_share, g.self_heal) == (0.5, True)
    assert g.protected == {ResourceAddress("Campaign", "East")}
    tenant_list = g.windows_for(ResourceAddress("Campaign", "East"))
    assert tenant_list.owner == "Tenant" and tenant_list.sources == (f"{spec}/00.yaml:9:5",)
    west = g.windows_for(ResourceAddress("Campaign", "West"))
    assert [w.kind for w in west.windows] == ["deny", "allow"]
    assert west.sources[1].startswith(f"{spec}/02.yaml:") and west.owner == "Campaign.West"
    assert not g.windows_for(ResourceAddress("Campaign", "Open"))  # [] means none at all
    # A delete has no document: the Tenant's list.
    assert g.windows_for(ResourceAddress("Campaign", "Gone")) == tenant_list


def test_defaults_without_guardrails(tmp_path: Path) -> None:
    state, _ = validate_spec_dir(write(tmp_path, tenant(), campaign("East")), now=NOW)
    assert state is not None
    assert state.guardrails.max_change_share == 0.3 and not state.guardrails.self_heal
    assert not state.guardrails.any_windows and not state.guardrails.protected


@pytest.mark.parametrize(
    ("window", "field", "words"),
    [
        ({"kind": "allow", "schedule": "0 25 * * *", "duration": "1h"}, "schedule", "hour 25"),
        ({"kind": "allow", "schedule": "0 2 * *", "duration": "1h"}, "schedule", "not five"),
        ({"kind": "allow", "schedule": "0 2 * * *", "duration": "8x"}, "duration", "<N>h"),
        ({"kind": "allow", "schedule": "0 2 * * *", "duration": "0m"}, "duration", "at least"),
        ({"kind": "allow", "schedule": "0 2 * * *", "duration": 90}, "duration", "needs a unit"),
        (
            {"kind": "allow", "schedule": "0 2 * * *", "duration": "1h", "time_zone": "Mars/Base"},
            "time_zone",
            "not an IANA time zone",
        ),
        ({"kind": "allow", "during": "calling_hours"}, "", "can only deny"),
        ({"kind": "deny", "schedule": "0 2 * * *"}, "", "needs duration"),
    ],
)
def test_a_bad_window_is_a_located_error(
    tmp_path: Path, window: dict[str, Any], field: str, words: str
) -> None:
    spec = write(tmp_path, tenant(), campaign("East", change_windows=[window]))
    found = errors(spec)
    assert len(found) == 1, [d.render() for d in found]
    error = found[0]
    assert error.path == f"{spec}/01.yaml" and error.line >= 14
    assert words in error.message and f"change_windows[0]{'.' + field if field else ''}" in (
        error.message
    )


@pytest.mark.parametrize("share", [0, -0.1, 1.01, 2])
def test_a_share_outside_zero_to_one_is_a_located_error(tmp_path: Path, share: float) -> None:
    spec = write(tmp_path, tenant(max_change_share=share))
    (error,) = errors(spec)
    assert "max_change_share" in error.message and error.code == "out-of-range"
    assert (error.path, error.line) == (f"{spec}/00.yaml", 6)


def test_a_share_of_one_is_allowed(tmp_path: Path) -> None:
    assert errors(write(tmp_path, tenant(max_change_share=1))) == []


def test_windows_that_never_open_within_a_year_are_an_error_at_the_list(tmp_path: Path) -> None:
    leap_day_only = [{"kind": "allow", "schedule": "0 0 29 2 *", "duration": "1h"}]
    spec = write(tmp_path, tenant(), campaign("East", change_windows=leap_day_only))
    (error,) = errors(spec)
    assert error.code == "change-windows-never-open"
    assert "Campaign.East" in error.message and "366 days" in error.message
    # The `change_windows:` key, after the 18 lines of the campaign's envelope and spec.
    assert (error.path, error.line, error.col) == (f"{spec}/01.yaml", 19, 1)


SETTINGS = {
    "apiVersion": "dialer.cxone/v1",
    "kind": "DialerSettings",
    "metadata": {"name": "Main"},
    "spec": {
        "type": "progressive",
        "concurrency": {"max_agents": 10, "max_simultaneous_calls": 10},
        "algorithm": {"type": "progressive"},
    },
}


def test_a_tenant_list_that_never_opens_names_every_resource_it_shuts(tmp_path: Path) -> None:
    # Allowed 22:00-06:00 UTC, denied during calling hours. A tenant-wide resource is
    # denied while ANY campaign calls: New York's and Sydney's 09:00-20:00 cover every
    # hour of the UTC day between them. East is denied only during its own hours (13:00-
    # 01:00 UTC at most), so 01:00-06:00 UTC stays open for it.
    spec = write(
        tmp_path,
        tenant(
            change_windows=[
                {"kind": "allow", "schedule": "0 22 * * *", "duration": "8h", "time_zone": "UTC"},
                {"kind": "deny", "during": "calling_hours"},
            ]
        ),
        campaign("East"),
        campaign("Sydney", "Australia/Sydney", change_windows=[]),
        SETTINGS,
    )
    (error,) = errors(spec)
    assert error.path == f"{spec}/00.yaml" and error.line == 6  # spec.change_windows
    assert "tenant-wide resources and deletes, DialerSettings.Main" in error.message
    assert "East" not in error.message and "Sydney" not in error.message


def test_a_window_open_only_outside_calling_hours_is_fine(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        tenant(change_windows=[{"kind": "deny", "during": "calling_hours"}]),
        campaign("East"),
        campaign("Sydney", "Australia/Sydney"),
    )
    assert errors(spec) == []


def test_windows_in_error_are_not_judged_again(tmp_path: Path) -> None:
    """One located error for the bad field; no second error guessing at the list."""
    broken = [
        {"kind": "deny", "schedule": "* * * * *", "duration": "2m"},
        {"kind": "allow", "schedule": "0 2 * * *", "duration": "1h", "time_zone": "Nowhere"},
    ]
    spec = write(tmp_path, tenant(change_windows=broken), campaign("East"))
    assert [e.code for e in errors(spec)] == ["invalid-value"]


def test_the_schemas_know_the_window_shapes() -> None:
    schema = json.loads((SCHEMAS / "campaign.schema.json").read_text())
    base = campaign("East")
    calling = [{"kind": "deny", "during": "calling_hours"}]
    good = {**base, "protect": True, "change_windows": calling}
    jsonschema.validate(good, schema)
    for bad in (
        [{"kind": "allow", "during": "calling_hours"}],
        [{"kind": "deny", "during": "calling_hours", "duration": "1h"}],
        [{"kind": "allow", "schedule": "0 2 * * *"}],
        [{"kind": "allow", "schedule": "0 2 * * *", "duration": "2 hours"}],
        [{"kind": "allow", "schedule": "0 2 * *", "duration": "1h"}],
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**base, "change_windows": bad}, schema)
    tenant_schema = json.loads((SCHEMAS / "tenant.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(tenant(max_change_share=0), tenant_schema)


def test_calling_hours_that_deny_nothing_are_a_warning(tmp_path: Path) -> None:
    """No campaign: a tenant-wide `during: calling_hours` never denies; say so."""
    calling = [{"kind": "deny", "during": "calling_hours"}]
    spec = write(tmp_path, tenant(change_windows=calling), SETTINGS)
    state, diagnostics = validate_spec_dir(spec, now=NOW)
    assert state is not None
    (warning,) = [d for d in diagnostics if d.code == "calling-hours-deny-nothing"]
    assert (warning.path, warning.line, warning.severity) == (f"{spec}/00.yaml", 6, "warning")
    with_campaign = write(tmp_path, tenant(change_windows=calling), SETTINGS, campaign("East"))
    _, diagnostics = validate_spec_dir(with_campaign, now=NOW)
    assert not [d for d in diagnostics if d.code == "calling-hours-deny-nothing"]
