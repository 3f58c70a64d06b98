"""Change windows, the blast-radius gate and protections, end to end through the CLI.

Over real sockets against the emulator. Windows are placed twelve hours away from the
moment the test runs (the CLI reads the real clock; nothing sleeps), so a window is surely
closed, or surely open, for the seconds a test takes; the exact next opening is computed
the same way and compared.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from tests.engine.conftest import (
    Cli,
    CliFactory,
    desired_seed,
    edit_seed_campaign,
    extra_campaign,
)

EAST = "Collections_East"
EAST_FILE = "campaigns/collections-east.yaml"
NEW_YORK = ZoneInfo("America/New_York")


def far_from_now() -> tuple[int, int, datetime]:
    """An hour and minute of the UTC day 12 hours from now, and the instant they next fall."""
    at = (datetime.now(timezone.utc) + timedelta(hours=12)).replace(second=0, microsecond=0)
    return at.hour, at.minute, at


def closed_window() -> tuple[list[dict[str, Any]], datetime]:
    """An allow window opening 12 hours from now for an hour (UTC), and that opening."""
    hour, minute, opening = far_from_now()
    window = {
        "kind": "allow",
        "schedule": f"{minute} {hour} * * *",
        "duration": "1h",
        "time_zone": "UTC",
    }
    return [window], opening


def open_window() -> list[dict[str, Any]]:
    """A deny window 12 hours away: open now."""
    hour, minute, _ = far_from_now()
    return [
        {"kind": "deny", "schedule": f"{minute} {hour} * * *", "duration": "1h", "time_zone": "UTC"}
    ]


def east_drifted(cli_factory: CliFactory) -> Cli:
    """Only Collections_East differs from the specs (one update: 20% of five resources)."""
    seed = edit_seed_campaign(desired_seed(), EAST, {"concurrency": {"max_agents": 20}})
    return cli_factory(seed)


def iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def overrides(cli: Cli) -> list[dict[str, Any]]:
    return [e for e in cli.audit() if e["event"] == "override"]


# ---- change windows -------------------------------------------------------------------------


def test_a_change_outside_its_window_is_refused_before_any_write(cli_factory: CliFactory) -> None:
    cli = east_drifted(cli_factory)
    windows, opening = closed_window()
    cli.edit_spec(EAST_FILE, {"change_windows": windows})
    before, mark = cli.view(), cli.mark()

    run = cli.apply()

    assert run.code == 1, run.text
    assert cli.writes_since(mark) == [] and cli.view() == before
    assert "Campaign.Collections_East: outside its change windows" in run.err
    assert f'allow "{windows[0]["schedule"]}" for 1h (UTC)' in run.err
    assert f"{cli.spec}/{EAST_FILE}:" in run.err  # the window's file:line:col
    assert f"next allowed {iso(opening)}" in run.err
    assert opening.astimezone(NEW_YORK).isoformat() + " America/New_York" in run.err
    assert "--override-window" in run.err
    assert overrides(cli) == [] and not any(e["event"] == "apply-started" for e in cli.audit())


def test_plan_shows_each_window_open_or_closed_with_its_next_opening(
    cli_factory: CliFactory,
) -> None:
    cli = east_drifted(cli_factory)
    windows, opening = closed_window()
    cli.edit_spec(EAST_FILE, {"change_windows": windows})

    text = cli.run("plan", str(cli.spec), "--no-predict")
    data = json.loads(cli.run("plan", str(cli.spec), "--format", "json", "--no-predict").out)

    assert text.code == 0
    assert "change window: closed now (outside every allow window: allow" in text.out
    (change,) = data["changes"]
    window = change["window"]
    assert window["open"] is False and window["zone"] == "America/New_York"
    assert window["next_opening"] == iso(opening)
    assert window["next_opening_local"].startswith(opening.astimezone(NEW_YORK).isoformat())
    assert window["windows"][0]["source"].startswith(f"{cli.spec}/{EAST_FILE}:")
    cli.edit_spec(EAST_FILE, {"change_windows": open_window()})
    reopened = json.loads(cli.run("plan", str(cli.spec), "--format", "json", "--no-predict").out)
    assert reopened["changes"][0]["window"]["open"] is True


def test_override_window_applies_and_is_audited(cli_factory: CliFactory) -> None:
    cli = east_drifted(cli_factory)
    cli.edit_spec(EAST_FILE, {"change_windows": closed_window()[0]})

    run = cli.apply("--override-window", "incident 4711: staffing hotfix")

    assert run.code == 0, run.text
    assert cli.view().bodies[f"Campaign.{EAST}"] == cli.desired().bodies[f"Campaign.{EAST}"]
    (entry,) = overrides(cli)
    assert entry["override"] == {"window_reason": "incident 4711: staffing hotfix"}
    assert entry["overridden"][0].startswith("Campaign.Collections_East: closed now")
    events = [e["event"] for e in cli.audit()]
    assert events.index("override") < events.index("apply-started")


def test_an_empty_reason_is_a_usage_error(cli_factory: CliFactory) -> None:
    cli = east_drifted(cli_factory)
    run = cli.apply("--override-window", "  ")
    assert run.code == 1 and "give a reason" in run.err


def test_a_tenant_window_governs_what_has_none_of_its_own(cli_factory: CliFactory) -> None:
    """Settings (tenant-wide) are read in UTC; a campaign with `change_windows: []` is free."""
    seed = edit_seed_campaign(desired_seed(), EAST, {"concurrency": {"max_agents": 20}})
    seed["settings"]["concurrency"]["max_agents"] = 41
    cli = cli_factory(seed)
    windows, opening = closed_window()
    cli.edit_spec("tenant.yaml", {"spec": {"change_windows": windows}})
    cli.edit_spec(EAST_FILE, {"change_windows": []})

    data = json.loads(cli.run("plan", str(cli.spec), "--format", "json", "--no-predict").out)
    by_kind = {c["kind"]: c for c in data["changes"]}
    assert "window" not in by_kind["Campaign"]  # its own empty list: always allowed
    settings = by_kind["DialerSettings"]["window"]
    assert settings["zone"] == "UTC" and settings["next_opening"] == iso(opening)
    assert cli.apply().code == 1
    assert cli.apply("--target", f"Campaign/{EAST}").code == 0


# ---- the blast-radius gate ------------------------------------------------------------------


def two_updates(cli_factory: CliFactory, share: float) -> Cli:
    seed = edit_seed_campaign(desired_seed(), EAST, {"concurrency": {"max_agents": 20}})
    seed = edit_seed_campaign(seed, "VIP_Callbacks_West", {"concurrency": {"max_agents": 9}})
    cli = cli_factory(seed)
    cli.edit_spec("tenant.yaml", {"spec": {"max_change_share": share}})
    return cli


def test_the_gate_passes_at_exactly_its_share(cli_factory: CliFactory) -> None:
    cli = two_updates(cli_factory, 0.4)  # 2 of 5 = 40%
    assert cli.apply().code == 0
    assert overrides(cli) == []


def test_the_gate_refuses_just_over_its_share_and_says_so_in_the_plan(
    cli_factory: CliFactory,
) -> None:
    cli = two_updates(cli_factory, 0.39)
    mark = cli.mark()
    plan = json.loads(cli.run("plan", str(cli.spec), "--format", "json", "--no-predict").out)
    assert plan["gate"]["trips"] is True and plan["gate"]["message"].startswith("40.00% is over")

    run = cli.apply()

    assert run.code == 1, run.text
    assert "blast radius: the plan updates or deletes 2 of the 5 managed resources" in run.err
    assert "--allow-large-change" in run.err and cli.writes_since(mark) == []


def test_allow_large_change_applies_and_is_audited(cli_factory: CliFactory) -> None:
    cli = two_updates(cli_factory, 0.39)
    run = cli.apply("--allow-large-change")
    assert run.code == 0, run.text
    (entry,) = overrides(cli)
    assert entry["override"] == {"allow_large_change": True}
    assert "2 of the 5 managed resources" in entry["overridden"][0]


def test_a_targeted_plan_is_counted_against_every_managed_resource(
    cli_factory: CliFactory,
) -> None:
    cli = two_updates(cli_factory, 0.2)  # 1 of 5 = 20% passes; both would be 40%
    assert cli.apply().code == 1
    run = cli.apply("--target", f"Campaign/{EAST}")
    assert run.code == 0, run.text


# ---- protections ----------------------------------------------------------------------------


def legacy_tenant(cli_factory: CliFactory) -> Cli:
    """A live campaign Legacy_A the specs declare with `protect: true`."""
    seed = desired_seed()
    legacy = extra_campaign("Legacy_A", seed["campaigns"][0])
    seed["campaigns"].append(legacy)
    cli = cli_factory(seed)
    spec = {k: v for k, v in legacy.items() if k != "name"}
    doc = {
        "apiVersion": "dialer.cxone/v1",
        "kind": "Campaign",
        "metadata": {"name": "Legacy_A"},
        "spec": spec,
        "protect": True,
    }
    (cli.spec / "campaigns" / "legacy-a.yaml").write_text(json.dumps(doc))
    cli.edit_spec("tenant.yaml", {"spec": {"max_change_share": 1.0}})
    return cli


def protected_file(cli: Cli) -> list[dict[str, str]]:
    data: dict[str, Any] = json.loads(cli.state.protected_path.read_text())
    return list(data["protected"])


def test_removing_a_protected_document_does_not_lift_the_protection(
    cli_factory: CliFactory,
) -> None:
    cli = legacy_tenant(cli_factory)
    assert cli.apply().code == 0  # nothing to change: the protection is recorded
    assert protected_file(cli) == [{"kind": "Campaign", "name": "Legacy_A"}]
    cli.remove_spec("campaigns/legacy-a.yaml")
    cli.set_prune(True)
    mark = cli.mark()

    refused = cli.apply()

    assert refused.code == 1, refused.text
    assert "Campaign.Legacy_A was protected (`protect: true`) at the last successful apply" in (
        refused.err
    )
    assert cli.writes_since(mark) == [] and "Campaign.Legacy_A" in cli.view().bodies
    forced = cli.apply("--allow-large-change")
    assert forced.code == 0, forced.text
    assert "Campaign.Legacy_A" not in cli.view().bodies
    assert overrides(cli)[0]["overridden"] == [
        "Campaign.Legacy_A was protected (`protect: true`) at the last successful apply"
    ]
    assert protected_file(cli) == []  # gone from the tenant: nothing left to protect


def test_a_document_without_protect_lifts_it_at_the_next_apply(cli_factory: CliFactory) -> None:
    cli = legacy_tenant(cli_factory)
    assert cli.apply().code == 0
    cli.edit_spec("campaigns/legacy-a.yaml", {"protect": False})
    assert cli.apply().code == 0
    assert protected_file(cli) == []
    cli.remove_spec("campaigns/legacy-a.yaml")
    cli.set_prune(True)
    assert cli.apply().code == 0
    assert "Campaign.Legacy_A" not in cli.view().bodies


def test_a_plan_without_the_state_directory_says_protection_is_unknown(
    cli_factory: CliFactory,
) -> None:
    cli = legacy_tenant(cli_factory)
    cli.remove_spec("campaigns/legacy-a.yaml")
    cli.set_prune(True)
    run = cli.run("plan", str(cli.spec), "--no-predict")
    assert run.code == 0
    assert "no record of the last successful apply here" in run.out
    assert not cli.state.env_dir.exists()  # a plan never creates the state directory
    data = json.loads(cli.run("plan", str(cli.spec), "--format", "json", "--no-predict").out)
    assert data["gate"]["protection_known"] is False and data["gate"]["trips"] is False
