"""drift.yml with self-heal, played end to end against the emulator.

`prod` opts in (`self_heal: true`): its drift is healed by the `heal` job, in the apply
environment and group, with the state artifact restored and saved; `staging` does not and
is checked read-only by the `drift` job. Both directories describe the same emulated tenant.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.ci.player import play_apply, play_drift
from tests.workflows.test_player import (
    World,
    _apply_directly,
    check_golden,
    make_world,
    normalise,
    secrets_absent,
)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with make_world(tmp_path) as w:
        yield w


def opt_in(world: World, env: str) -> None:
    world.edit(env, "tenant.yaml", "  prune: false\n", "  prune: false\n  self_heal: true\n")


def test_an_opted_in_environment_is_healed_and_the_other_only_checked(
    world: World, update_goldens: bool
) -> None:
    opt_in(world, "prod")
    world.commit("prod heals its drift")
    _apply_directly(world)
    world.emu.edit_campaign("Collections_East", {"algorithm": {"dial_ratio": 3.0}})

    outcome = play_drift(world.options())

    assert outcome.exit_code == 0, [(j.name, j.conclusion) for j in outcome.jobs]
    jobs = {j.name: j.conclusion for j in outcome.jobs}
    assert jobs["heal prod"] == "success" and jobs["drift staging"] == "success"
    assert "drift prod" not in jobs and "heal staging" not in jobs
    live = {c["name"]: c for c in world.emu.tenant_json()["campaigns"]}
    assert live["Collections_East"]["algorithm"]["dial_ratio"] == 1.6  # healed
    # prod found drift and healed it; staging ran after and found the tenant in sync (the
    # jobs run one after another in the player: drift first, then heal).
    assert world.read("prod", "exit-code") == "2\n"
    issue = json.loads(world.read("prod", "issue.json"))
    assert issue["state"] == "open" and "#### Self-heal" in issue["body"]
    assert "re-applied the specs to every drifted resource (1), verified" in issue["body"]
    check_golden("heal-issue.md", normalise(issue["body"], world), update_goldens)
    state = world.out / "prod" / "artifacts" / "reconciler-state-prod" / "prod"
    audit = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    assert [e["event"] for e in audit if e["event"] in ("self-heal", "apply-finished")] == [
        "self-heal",
        "apply-finished",
    ]
    assert (state / "protected.json").is_file()

    # The next hour: in sync, the issue is closed; apply.yml later restores the heal's state.
    closed = play_drift(world.options())
    assert closed.exit_code == 0 and world.read("prod", "exit-code") == "0\n"
    assert json.loads(world.read("prod", "issue.json"))["state"] == "closed"
    applied = play_apply(world.options(), environment="prod")
    assert applied.exit_code == 0
    assert "restored" in world.read("prod", "apply.log")
    secrets_absent(world.out)


def test_a_heal_the_gate_stops_keeps_the_issue_open_saying_why(world: World) -> None:
    opt_in(world, "prod")
    _apply_directly(world)
    world.edit("prod", "tenant.yaml", "max_change_share: 0.8", "max_change_share: 0.2")
    world.commit("prod heals, carefully")
    world.emu.edit_campaign("Collections_East", {"algorithm": {"dial_ratio": 3.0}})
    world.emu.edit_campaign("Renewals_Central", {"concurrency": {"max_agents": 3}})
    before = world.emu.tenant_json()

    outcome = play_drift(world.options())

    assert outcome.exit_code == 0 and world.read("prod", "exit-code") == "2\n"
    assert world.emu.tenant_json()["campaigns"] == before["campaigns"]  # nothing written
    body = json.loads(world.read("prod", "issue.json"))["body"]
    assert "Self-heal: nothing re-applied; 2 drifted resource(s) not healed." in body
    assert "the blast-radius gate" in body and "over max_change_share 20.00%" in body
