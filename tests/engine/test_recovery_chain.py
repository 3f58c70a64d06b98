"""Interrupted runs stacked on each other, and recovery that must ask before writing."""

from __future__ import annotations

from reconciler.state.journal import Journal
from reconciler.state.snapshots import SnapshotResource, SnapshotStore
from tests.engine.conftest import Cli, CliFactory, drifted_seed

ADDRESS = "Campaign.Collections_East"


def _interrupted_apply_and_recovery(cli: Cli) -> str:
    """Leave the state an apply killed mid-write, and then its recovery killed too, leave."""
    cli.state.ensure()
    live = cli.emu.tenant_json()
    campaign = next(c for c in live["campaigns"] if c["name"] == "Collections_East")
    body = cli.view().bodies[ADDRESS]
    snapshot = SnapshotStore(cli.state).save(
        cli.state.environment,
        "pre-apply",
        [
            SnapshotResource(
                "Campaign", "Collections_East", campaign["id"], True, campaign["versionTag"], body
            )
        ],
    )
    for run_id, command in (("a-killed", "apply"), ("r-killed", "recovery")):
        journal = Journal.begin(
            cli.state,
            run_id=run_id,
            command=command,
            plan_digest=None,
            snapshot_id=snapshot.id,
            pid=999_999,
        )
        journal.intent(
            1,
            kind="Campaign",
            name="Collections_East",
            action="update",
            resource_id=campaign["id"],
            version_tag_before=campaign["versionTag"],
        )
    # What the killed apply had written before it died.
    cli.emu.edit_campaign("Collections_East", {"concurrency": {"call_spacing_ms": 999}})
    return snapshot.id


def test_a_killed_recovery_is_closed_with_the_run_it_recovered(cli_factory: CliFactory) -> None:
    cli = cli_factory(drifted_seed())
    snapshot_id = _interrupted_apply_and_recovery(cli)
    assert cli.unfinished() == 2
    first = cli.apply()
    assert first.code == 0, first.text
    assert f"restored to snapshot {snapshot_id}" in first.err
    assert "was restoring snapshot" in first.err  # the second journal closed, not replayed
    assert cli.unfinished() == 0
    assert cli.view().bodies == cli.desired().bodies
    mark = cli.mark()
    again = cli.apply()
    assert again.code == 0 and "recovery" not in again.err
    assert cli.writes_since(mark) == []  # nothing replayed over the verified apply


def test_recovery_asks_first_and_writes_nothing_without_approval(cli_factory: CliFactory) -> None:
    cli = cli_factory(drifted_seed())
    _interrupted_apply_and_recovery(cli)
    mark = cli.mark()
    refused = cli.run("apply", str(cli.spec), "--no-verify")  # no TTY, no --auto-approve
    assert refused.code == 1
    assert "without confirmation" in refused.err
    assert cli.writes_since(mark) == []
    assert cli.unfinished() == 2
