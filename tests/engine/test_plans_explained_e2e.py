"""Plans that explain themselves: --target, stale saved plans field by field, `show`.

End to end through the CLI against the emulator over a socket.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.engine.conftest import DRIFTED_TOUCHED, WEBHOOK, Cli

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json").read_text()
)
EAST = "Campaign.Collections_East"


def plan_json(cli: Cli, *extra: str) -> dict[str, object]:
    run = cli.run("plan", str(cli.spec), "--format", "json", "--no-predict", *extra)
    assert run.code == 0, run.text
    data: dict[str, object] = json.loads(run.out)
    jsonschema.validate(data, SCHEMA)
    return data


# ---- --target -------------------------------------------------------------------------------


def test_target_plans_only_the_named_resources_and_warns(cli: Cli) -> None:
    data = plan_json(cli, "--target", "Campaign/Collections_East", "--target", f"Webhook/{WEBHOOK}")
    changes = [f"{c['kind']}.{c['name']}" for c in data["changes"]]  # type: ignore[attr-defined, index]
    assert changes == [EAST, f"Webhook.{WEBHOOK}"]
    assert data["targets"] == ["Campaign/Collections_East", f"Webhook/{WEBHOOK}"]
    codes = [w["code"] for w in data["warnings"]]  # type: ignore[attr-defined, index]
    assert "targeting" in codes
    text = cli.run("plan", str(cli.spec), "--no-predict", "--target", "Campaign/Collections_East")
    assert "resource targeting is in effect" in text.out


def test_apply_with_targets_writes_nothing_outside_them(cli: Cli) -> None:
    before, desired = cli.view(), cli.desired()
    run = cli.apply(
        "--target", "Campaign/Collections_East", "--target", "Campaign/Renewals_Central"
    )
    assert run.code == 0, run.text
    now = cli.view()
    for address in DRIFTED_TOUCHED:
        wanted = desired if address.startswith("Campaign.") else before
        assert now.bodies.get(address) == wanted.bodies.get(address), address
    assert "resource targeting is in effect" in run.out


def test_a_singleton_is_targeted_by_its_name(cli: Cli) -> None:
    data = plan_json(cli, "--target", "DialerSettings/Predictive_Outbound_01")
    assert [c["kind"] for c in data["changes"]] == ["DialerSettings"]  # type: ignore[attr-defined, index]


def test_an_unknown_target_exits_1_before_anything_is_written(cli: Cli) -> None:
    mark = cli.mark()
    for target, words in (
        ("Campaign/Collections_Est", "did you mean Campaign/Collections_East?"),
        ("Campaing/Collections_East", "unknown kind 'Campaing' (did you mean Campaign?)"),
    ):
        for command in ("plan", "apply"):
            extra = ("--auto-approve",) if command == "apply" else ()
            run = cli.run(command, str(cli.spec), "--target", target, *extra)
            assert run.code == 1 and words in run.err, run.text
    assert cli.run("plan", str(cli.spec), "--target", "Campaign").code == 1  # not KIND/NAME
    assert cli.writes_since(mark) == []


def test_target_cannot_be_combined_with_a_saved_plan(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(saved), "--no-predict").code == 0
    run = cli.apply("--plan", str(saved), "--target", "Campaign/Collections_East")
    assert run.code == 1 and "--target cannot be combined with --plan" in run.err


def test_a_targeted_saved_plan_applies_only_its_targets(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    made = cli.run(
        "plan",
        str(cli.spec),
        "--out",
        str(saved),
        "--no-predict",
        "--target",
        "Campaign/Collections_East",
    )
    assert made.code == 0
    before = cli.view()
    assert cli.apply("--plan", str(saved)).code == 0
    now = cli.view()
    assert now.bodies[EAST] == cli.desired().bodies[EAST]
    assert "Campaign.Renewals_Central" not in now.bodies
    assert now.bodies[f"Webhook.{WEBHOOK}"] == before.bodies[f"Webhook.{WEBHOOK}"]


# ---- stale saved plans ----------------------------------------------------------------------


def test_a_stale_plan_is_refused_naming_each_field_that_moved(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(saved), "--no-predict").code == 0
    tag_then = cli.view().tags[EAST]
    cli.emu.edit_campaign("Collections_East", {"concurrency": {"max_agents": 33}})
    cli.emu.edit_campaign("VIP_Callbacks_West", {"algorithm": {"agent_availability_estimate": 0.5}})
    mark = cli.mark()

    run = cli.apply("--plan", str(saved))

    assert run.code == 1, run.text
    assert cli.writes_since(mark) == []
    assert f"{EAST}: versionTag {tag_then} -> {cli.view().tags[EAST]}" in run.err
    assert "concurrency.max_agents: 20 -> 33" in run.err  # what the plan saw -> now
    assert "algorithm.agent_availability_estimate: 1.0 -> 0.5" in run.err  # in sync then
    assert "the plan is stale: 2 live resource(s) changed since it was made" in run.err


def test_show_check_explains_in_every_format(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(saved), "--no-predict").code == 0
    fresh = cli.run("show", str(saved), "--check", str(cli.spec))
    assert fresh.code == 0 and "still matches" in fresh.out
    cli.emu.edit_campaign("Collections_East", {"dnc_lists": ["national"]})
    text = cli.run("show", str(saved), "--check", str(cli.spec))
    markdown = cli.run("show", str(saved), "--check", str(cli.spec), "--format", "markdown")
    data = json.loads(cli.run("show", str(saved), "--check", str(cli.spec), "--format", "json").out)
    assert text.code == markdown.code == 1
    assert 'dnc_lists: ["internal", "national"] -> ["national"]' in text.out
    assert '+ dnc_lists: ["national"]' in markdown.out and "<details>" in markdown.out
    (moved,) = data["resources"]
    assert moved["name"] == "Collections_East" and moved["fields"] == [
        {"path": "dnc_lists", "then": ["internal", "national"], "now": ["national"]}
    ]


def test_a_resource_moved_outside_the_compared_fields_is_said_so(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(saved), "--no-predict").code == 0
    cli.emu.edit_campaign("VIP_Callbacks_West", {})  # the same values written again
    run = cli.apply("--plan", str(saved))
    assert run.code == 1
    assert "no compared field differs" in run.err


def test_show_renders_a_saved_plan_as_plan_printed_it(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(saved), "--no-predict").code == 0
    shown = cli.run("show", str(saved), "--format", "json")
    assert shown.code == 0 and json.loads(shown.out) == json.loads(saved.read_text())
    text = cli.run("show", str(saved))
    assert text.code == 0 and 'Campaign "Collections_East"' in text.out
    markdown = cli.run("show", str(saved), "--format", "markdown")
    assert markdown.out.startswith("<!-- reconciler:plan:example -->")


def test_show_refuses_a_tampered_or_missing_plan(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(saved), "--no-predict").code == 0
    saved.write_text(saved.read_text().replace("Collections_East", "Collections_Eest", 1))
    run = cli.run("show", str(saved))
    assert run.code == 1 and "modified after it was written" in run.err
    missing = cli.run("show", str(tmp_path / "nope.json"))
    assert (
        missing.code == 1 and "cannot read plan" in missing.err and "Traceback" not in missing.err
    )
