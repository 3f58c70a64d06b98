"""`plan` and `drift` end to end over a socket: read-only, few requests, drift named."""

from __future__ import annotations

import json

from tests.engine.conftest import (
    TOKEN,
    Cli,
    CliFactory,
    desired_seed,
    extra_campaign,
)


def in_sync(cli_factory: CliFactory) -> Cli:
    return cli_factory(desired_seed(token=TOKEN))


def test_plan_shows_every_change_and_never_writes(cli: Cli) -> None:
    run = cli.run("plan", str(cli.spec), "--format", "json")

    assert run.code == 0
    plan = json.loads(run.out)
    assert plan["summary"] == {"create": 1, "update": 3, "delete": 0}
    assert {(c["kind"], c["name"], c["action"]) for c in plan["changes"]} == {
        ("DialerSettings", "Predictive_Outbound_01", "update"),
        ("Campaign", "Collections_East", "update"),
        ("Campaign", "Renewals_Central", "create"),
        ("Webhook", "WFM_Dialer_Sync", "update"),
    }
    assert TOKEN not in run.text
    assert cli.writes_since() == []


def test_plan_costs_a_token_the_settings_and_one_page_per_list(cli_factory: CliFactory) -> None:
    seed = desired_seed(token=TOKEN)
    like = seed["campaigns"][0]
    seed["campaigns"] += [extra_campaign(f"Bulk_{i:04d}", like) for i in range(1100)]
    cli = cli_factory(seed)

    run = cli.run("plan", str(cli.spec), "--detailed-exitcode")

    assert run.code == 0, run.text  # prune is off: the extra campaigns are left alone
    paths = sorted(f"{r.method} {r.path}" for r in cli.emu.requests)
    assert paths == sorted(
        ["POST /oauth/token", "GET /api/v1/dialer/settings"]
        + ["GET /api/v1/campaigns"] * 3  # 1103 campaigns at 500 per page
        + ["GET /api/v1/integrations/webhooks"]
    )


def test_detailed_exitcode_is_2_with_changes_and_0_without(
    cli: Cli, cli_factory: CliFactory
) -> None:
    assert cli.run("plan", str(cli.spec), "--detailed-exitcode").code == 2
    assert cli.run("plan", str(cli.spec)).code == 0
    assert cli.apply().code == 0
    assert cli.run("plan", str(cli.spec), "--detailed-exitcode").code == 0


def test_drift_is_0_in_sync_and_2_after_an_out_of_band_edit_naming_the_field(
    cli_factory: CliFactory,
) -> None:
    cli = in_sync(cli_factory)
    assert cli.run("drift", str(cli.spec)).code == 0

    cli.emu.edit_campaign("VIP_Callbacks_West", {"concurrency": {"max_agents": 4}})
    cli.emu.edit_settings({"algorithm": {"warm_line_timeout_sec": 1}})
    run = cli.run("drift", str(cli.spec), "--format", "markdown")

    assert run.code == 2, run.text
    assert "VIP_Callbacks_West" in run.out and "concurrency.max_agents" in run.out
    assert "Predictive_Outbound_01" in run.out and "algorithm.warm_line_timeout_sec" in run.out
    assert "Collections_East" not in run.out
    assert cli.writes_since() == []


def test_drift_reports_a_campaign_removed_out_of_band(cli_factory: CliFactory) -> None:
    cli = in_sync(cli_factory)
    cli.emu.remove_campaign("Renewals_Central")

    run = cli.run("drift", str(cli.spec), "--format", "json")

    assert run.code == 2
    changes = json.loads(run.out)["changes"]
    assert [(c["name"], c["action"]) for c in changes] == [("Renewals_Central", "create")]
    assert cli.writes_since() == []


def test_drift_fails_with_1_when_the_api_is_unreachable(cli_factory: CliFactory) -> None:
    cli = in_sync(cli_factory)
    cli.emu.faults.http_error(403, method="GET", path="/api/v1/dialer/settings", count=50)

    run = cli.run("drift", str(cli.spec))

    assert run.code == 1
    assert "error:" in run.err


def test_drift_text_speaks_of_drift_and_of_what_apply_would_do(cli_factory: CliFactory) -> None:
    cli = in_sync(cli_factory)
    assert cli.run("drift", str(cli.spec)).out.startswith("No drift: the live tenant matches")

    cli.emu.edit_campaign("VIP_Callbacks_West", {"concurrency": {"max_agents": 4}})
    run = cli.run("drift", str(cli.spec))

    assert run.code == 2
    lines = run.out.splitlines()
    assert lines[0].startswith(
        'Drift detected on "example": the live tenant differs from the specs in 1 resource(s).'
    )
    assert "will perform" not in run.out
    assert "# Campaign.VIP_Callbacks_West differs from the specs: apply would update it" in run.out
    assert "~ concurrency.max_agents: 4 -> 10" in run.out  # live -> specs
    assert lines[-1] == (
        f"To fix it, run `reconciler apply {cli.spec}` (0 to create, 1 to update, 0 to delete), "
        "or change the specs to adopt the live values."
    )


def test_plan_names_the_live_resources_it_leaves_alone_up_to_20(cli_factory: CliFactory) -> None:
    seed = desired_seed(token=TOKEN)
    like = seed["campaigns"][0]
    seed["campaigns"] += [extra_campaign(f"Legacy_{i:02d}", like) for i in range(23)]
    cli = cli_factory(seed)

    text = cli.run("plan", str(cli.spec)).out
    md = cli.run("plan", str(cli.spec), "--format", "markdown").out
    data = json.loads(cli.run("plan", str(cli.spec), "--format", "json").out)

    assert "Not managed: 23 live resource(s) are not in the repo and are left alone" in text
    assert '  Campaign "Legacy_19"' in text and "Legacy_20" not in text
    assert "  ... and 3 more (see `reconciler plan --format json`)" in text
    assert "- Campaign <code>Legacy_00</code>" in md and "Legacy_20" not in md
    assert "- ... and 3 more (see `reconciler plan --format json`)" in md
    assert [u["name"] for u in data["unmanaged"]] == [f"Legacy_{i:02d}" for i in range(23)]
