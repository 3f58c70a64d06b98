"""Rollback says exactly what it restored, and names what it leaves alone."""

from __future__ import annotations

from tests.engine.conftest import CliFactory, drifted_seed, extra_campaign


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
    assert "Left alone, not in the snapshot: Campaign.Rogue_Extra" in result.out
    assert "created after this snapshot" in result.err
    assert "the tenant matches" not in result.out
    now = cli.view().bodies
    assert "Campaign.Rogue_Extra" in now  # never deleted: the snapshot did not record it
    assert now["Campaign.Collections_East"] == cli.desired().bodies["Campaign.Collections_East"]
