"""Inputs found by review: each gets a located error, never a crash or an echoed secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired import validate_spec_dir

CAMPAIGN = """\
apiVersion: dialer.cxone/v1
kind: Campaign
metadata: {{name: C}}
spec:
  type: progressive
  concurrency: {{max_agents: 5, max_simultaneous_calls: 5}}
  algorithm: {{type: progressive}}
  calling_hours: {{start: "09:00", end: "20:00", timezone: {zone}}}
  dnc_lists: [national, internal]
{extra}"""

WEBHOOK = """\
apiVersion: dialer.cxone/v1
kind: Webhook
metadata: {name: W}
spec:
  url: https://wfm.example.com/h
  events: [dialer.settings.updated]
  auth: {type: bearer, token_from: {env: "sk-live-TOPSECRET"}}
"""


def errors(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "doc.yaml").write_text(text)
    _, diagnostics = validate_spec_dir(tmp_path)
    return [d.render() for d in diagnostics if d.severity == "error"]


@pytest.mark.parametrize("zone", ["America", "x" * 300, "../../etc/passwd"])
def test_zone_names_that_are_not_zones_are_located_errors(tmp_path: Path, zone: str) -> None:
    found = errors(tmp_path, CAMPAIGN.format(zone=f'"{zone}"', extra=""))
    assert len(found) == 1 and found[0].endswith('(e.g. "America/New_York")')
    assert ":8:" in found[0]


def test_infinite_and_nan_values_are_refused(tmp_path: Path) -> None:
    extra = (
        "simulation: {talk_time_sec: .inf}\nverify:\n  metrics: {abandonmentRate: {max: .nan}}\n"
    )
    found = errors(tmp_path, CAMPAIGN.format(zone="America/Chicago", extra=extra))
    assert any("talk_time_sec" in e for e in found)
    assert any("abandonmentRate" in e for e in found)


def test_a_value_under_auth_is_never_echoed(tmp_path: Path) -> None:
    found = errors(tmp_path, WEBHOOK)
    assert found and all("TOPSECRET" not in e for e in found)
    assert "may be a secret" in found[0]


def test_many_small_alias_bombs_in_one_file_stop_at_the_file_budget(tmp_path: Path) -> None:
    bomb = (
        "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c]\n"
    )
    found = errors(tmp_path, "---\n".join([bomb] * 300))
    assert sum("the file expands to more than" in e for e in found) == 1


def test_overlap_is_found_in_the_weeks_the_us_and_eu_change_clocks_apart(
    tmp_path: Path,
) -> None:
    tenant = (
        "apiVersion: dialer.cxone/v1\nkind: Tenant\nmetadata: {name: dst}\nspec:\n"
        "  carrier: {max_trunks: 100, current_utilization_percent: 0}\n"
        "  compliance: {jurisdiction: UK}\n"
    )
    campaign = (
        "apiVersion: dialer.cxone/v1\nkind: Campaign\nmetadata: {{name: {name}}}\nspec:\n"
        "  type: progressive\n  concurrency: {{max_agents: 60, max_simultaneous_calls: 60}}\n"
        "  algorithm: {{type: progressive}}\n"
        '  calling_hours: {{start: "08:00", end: "{end}", timezone: {zone}}}\n'
        "  dnc_lists: [national, internal]\n"
    )
    # London 08-13 and New York 08-21 meet only while New York is on summer time and
    # London is not yet (9-30 March 2025): 12:00 UTC needs 120 calls on 100 trunks.
    (tmp_path / "t.yaml").write_text(tenant)
    (tmp_path / "lon.yaml").write_text(
        campaign.format(name="LON", end="13:00", zone="Europe/London")
    )
    (tmp_path / "ny.yaml").write_text(
        campaign.format(name="NY", end="21:00", zone="America/New_York")
    )
    _, diagnostics = validate_spec_dir(tmp_path)
    overlap = [d.message for d in diagnostics if d.code == "trunk-overlap"]
    assert len(overlap) == 1 and "12:00 UTC (on 2025-03-09)" in overlap[0]


@pytest.mark.parametrize(("spec_name", "ok"), [("S", True), ("Other", False)])
def test_settings_spec_may_repeat_its_metadata_name(
    tmp_path: Path, spec_name: str, ok: bool
) -> None:
    doc = (
        "apiVersion: dialer.cxone/v1\nkind: DialerSettings\nmetadata: {name: S}\nspec:\n"
        f"  name: {spec_name}\n  type: preview\n"
        "  concurrency: {max_agents: 5, max_simultaneous_calls: 5}\n  algorithm: {type: preview}\n"
    )
    found = errors(tmp_path, doc)
    assert (found == []) is ok
    if not ok:
        assert (
            found
            == [
                f"{tmp_path.as_posix()}/doc.yaml:5:3: `spec.name` 'Other' differs "
                "from `metadata.name` 'S'"
            ]
            or "differs from `metadata.name`" in found[0]
        )
