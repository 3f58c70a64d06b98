"""Rollback says exactly what it restored, and names what it leaves alone."""

from __future__ import annotations

import json

import pytest

from tests.engine.conftest import Cli, CliFactory, Json, drifted_seed, extra_campaign, merge


def test_rollback_names_resources_created_after_the_snapshot(cli_factory: CliFactory) -> None:
    cli = cli_factory(drifted_seed())
    assert cli.apply().code == 0
    like = next(c for c in cli.emu.tenant_json()["campaigns"] if c["name"] == "Collections_East")
    body = {
        k: v
        for k, v in like.items()
        if k not in ("id", "versionTag", "createdAt", "updatedAt", "lastActivatedAt")
    }
    cli.emu.add_campaign(extra_campaign("Rogue_Extra", body))
    cli.emu.edit_campaign("Collections_East", {"concurrency": {"call_spacing_ms": 5}})
    result = cli.run("rollback", str(cli.spec), "--auto-approve")
    assert result.code == 0, result.text
    assert (
        "1 live resource(s) were created after this snapshot and are left alone (a rollback "
        "never deletes what it did not record): Campaign.Rogue_Extra"
    ) in result.out
    assert "the tenant matches" not in result.out
    now = cli.view().bodies
    assert "Campaign.Rogue_Extra" in now  # never deleted: the snapshot did not record it
    assert now["Campaign.Collections_East"] == cli.desired().bodies["Campaign.Collections_East"]


def _unmanaged_tenant(cli_factory: CliFactory) -> tuple[Cli, Json]:
    """A tenant with an unmanaged campaign (prune off), applied once: LKG holds it."""
    seed = drifted_seed()
    like = next(c for c in seed["campaigns"] if c["name"] == "Collections_East")
    body = {k: v for k, v in like.items() if k not in ("id", "versionTag")}
    seed["campaigns"].append(merge(body, {"name": "Collections_East_0001"}))
    seed["campaigns"][-1]["concurrency"]["max_agents"] = 102
    cli = cli_factory(seed)
    assert cli.apply().code == 0
    return cli, body


def test_rollback_leaves_an_unmanaged_edit_alone_by_default(cli_factory: CliFactory) -> None:
    cli, _ = _unmanaged_tenant(cli_factory)
    cli.emu.edit_campaign("Collections_East_0001", {"concurrency": {"max_agents": 77}})
    cli.emu.edit_campaign("Collections_East", {"concurrency": {"max_agents": 3}})
    result = cli.run("rollback", str(cli.spec), "--auto-approve")
    assert result.code == 0, result.text
    now = cli.emu.tenant_json()["campaigns"]
    live = {c["name"]: c["concurrency"]["max_agents"] for c in now}
    assert live["Collections_East_0001"] == 77  # not managed by the repo: left alone
    assert live["Collections_East"] == 25  # managed: restored
    assert "Campaign.Collections_East_0001" in result.out  # named as left alone
    assert "`--whole-tenant` restores them too" in result.out
    assert '~ Campaign "Collections_East_0001"' not in result.out


def test_whole_tenant_rollback_restores_the_unmanaged_one_too(cli_factory: CliFactory) -> None:
    cli, _ = _unmanaged_tenant(cli_factory)
    cli.emu.edit_campaign("Collections_East_0001", {"concurrency": {"max_agents": 77}})
    result = cli.run("rollback", str(cli.spec), "--auto-approve", "--whole-tenant")
    assert result.code == 0, result.text
    assert '~ Campaign "Collections_East_0001"' in result.out
    assert "concurrency.max_agents: 77 -> 102" in result.out
    live = {c["name"]: c["concurrency"]["max_agents"] for c in cli.emu.tenant_json()["campaigns"]}
    assert live["Collections_East_0001"] == 102


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_the_rollback_preview_in_every_plan_format(cli_factory: CliFactory, fmt: str) -> None:
    cli, _ = _unmanaged_tenant(cli_factory)
    cli.emu.edit_campaign("Collections_East", {"concurrency": {"max_agents": 3}})
    mark = cli.mark()
    refused = cli.run("rollback", str(cli.spec), "--format", fmt)  # shows, then refuses
    assert refused.code == 1 and not cli.writes_since(mark)
    if fmt == "json":
        preview = json.loads(refused.out)
        assert [(c["action"], c["name"]) for c in preview["changes"]] == [
            ("update", "Collections_East")
        ]
        assert preview["changes"][0]["diff"] == [
            {"path": "concurrency.max_agents", "before": 3, "after": 25}
        ]
        assert {"kind": "Campaign", "name": "Collections_East_0001"} in preview["unmanaged"]
    else:
        assert "Collections_East" in refused.out and "| ~ update |" in refused.out
