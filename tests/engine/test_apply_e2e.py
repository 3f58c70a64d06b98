"""`reconciler apply` end to end over a real socket: success, saved plans, rollback, snapshots."""

from __future__ import annotations

import json

from reconciler.state.lock import StateLock
from tests.engine.conftest import (
    DRIFTED_TOUCHED,
    TOKEN,
    WEBHOOK,
    Cli,
    CliFactory,
    assert_audit_apply,
    assert_tenant_equals,
    desired_seed,
    drifted_seed,
    extra_campaign,
    token_digest,
    writes_of,
)


def test_apply_converges_verifies_and_audits_every_write(cli: Cli) -> None:
    before = cli.view()
    assert before.bodies != cli.desired().bodies

    run = cli.apply()

    assert run.code == 0, run.text
    assert_tenant_equals(cli.view(), cli.desired())
    assert "applied and verified" in run.out
    entries = cli.audit()
    end = assert_audit_apply(entries, result="applied")
    writes = writes_of(entries)
    assert sorted(f"{w['kind']}.{w['name']}" for w in writes) == sorted(DRIFTED_TOUCHED)
    after = cli.view()
    for w in writes:
        address = f"{w['kind']}.{w['name']}"
        assert w["outcome"] == "applied"
        assert w["version_tag_before"] == before.tags.get(address)
        assert w["version_tag_after"] == after.tags[address]
    # The pre-apply snapshot holds the old bodies; the last-known-good the new ones.
    store = cli.snapshots()
    pre = store.load(end["snapshot_id"])
    lkg = store.last_known_good()
    assert lkg is not None and lkg.id == end["last_known_good"]
    for r in pre.resources:
        address = f"{r.kind}.{r.name}"
        if r.present:
            assert r.version_tag == before.tags[address]
            assert "token" not in json.dumps(r.body).lower().replace("token_from", "")
    assert {f"{r.kind}.{r.name}" for r in lkg.resources} == set(after.bodies)
    assert cli.run("audit", "verify", str(cli.spec)).code == 0
    assert cli.unfinished() == 0


def test_second_apply_is_a_no_op_and_writes_nothing(cli: Cli) -> None:
    assert cli.apply().code == 0
    mark = cli.mark()
    again = cli.apply()
    assert again.code == 0
    assert cli.writes_since(mark) == []
    assert "0 to create, 0 to update, 0 to delete" in again.out or "No changes" in again.out


def test_apply_refuses_without_auto_approve_when_not_interactive(cli: Cli) -> None:
    before = cli.view()
    run = cli.run("apply", str(cli.spec))
    assert run.code == 1
    assert "non-interactive" in run.err
    assert cli.writes_since() == []
    assert_tenant_equals(cli.view(), before)


def test_saved_plan_applies_exactly_that_plan(cli: Cli) -> None:
    plan_path = cli.spec.parent.parent / "plan.json"
    made = cli.run("plan", str(cli.spec), "--out", str(plan_path))
    assert made.code == 0
    saved = json.loads(plan_path.read_text())
    assert cli.writes_since() == []

    run = cli.apply("--plan", str(plan_path))

    assert run.code == 0, run.text
    assert_tenant_equals(cli.view(), cli.desired())
    entries = cli.audit()
    end = assert_audit_apply(entries, result="applied")
    assert end["plan_digest"] == saved["plan_digest"]
    assert sorted(f"{w['kind']}.{w['name']}" for w in writes_of(entries)) == sorted(
        f"{c['kind']}.{c['name']}" for c in saved["changes"]
    )


def test_saved_plan_is_refused_when_the_spec_changed(cli: Cli) -> None:
    plan_path = cli.spec.parent.parent / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(plan_path)).code == 0
    cli.edit_spec("campaigns/vip-callbacks-west.yaml", {"spec": {"concurrency": {"max_agents": 9}}})
    before = cli.view()

    run = cli.apply("--plan", str(plan_path))

    assert run.code == 1
    assert "stale" in run.err and "specs changed" in run.err
    assert cli.writes_since() == []
    assert_tenant_equals(cli.view(), before)


def test_saved_plan_is_refused_when_a_live_version_tag_moved(cli: Cli) -> None:
    plan_path = cli.spec.parent.parent / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(plan_path)).code == 0
    # An out-of-band edit between review and apply: even of a resource the plan does
    # not touch, the reviewed plan no longer describes the tenant.
    cli.emu.edit_campaign("VIP_Callbacks_West", {"concurrency": {"max_agents": 9}})
    before = cli.view()

    run = cli.apply("--plan", str(plan_path))

    assert run.code == 1
    assert "stale" in run.err and "Campaign.VIP_Callbacks_West" in run.err
    assert cli.writes_since() == []
    assert_tenant_equals(cli.view(), before)


def test_tampered_plan_is_refused(cli: Cli) -> None:
    plan_path = cli.spec.parent.parent / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(plan_path)).code == 0
    data = json.loads(plan_path.read_text())
    for change in data["changes"]:
        if change["name"] == "Collections_East":
            change["desired"]["concurrency"]["max_agents"] = 99
    plan_path.write_text(json.dumps(data))
    before = cli.view()

    run = cli.apply("--plan", str(plan_path))

    assert run.code == 1
    assert "modified" in run.err
    assert cli.writes_since() == []
    assert_tenant_equals(cli.view(), before)


def test_rollback_to_last_known_good_and_to_a_named_snapshot(cli: Cli) -> None:
    original = cli.view()
    assert cli.apply().code == 0
    first_good = cli.snapshots().last_known_good()
    assert first_good is not None
    first_pre = assert_audit_apply(cli.audit(), result="applied")["snapshot_id"]
    # A second, different apply; then someone edits the tenant out of band.
    cli.edit_spec("campaigns/vip-callbacks-west.yaml", {"spec": {"concurrency": {"max_agents": 8}}})
    assert cli.apply().code == 0
    second = cli.view()
    cli.emu.edit_campaign("VIP_Callbacks_West", {"concurrency": {"max_agents": 3}})

    listing = cli.run("snapshots", str(cli.spec))
    assert listing.code == 0
    lkg = cli.snapshots().last_known_good()
    assert lkg is not None
    assert f"* {lkg.id}" in listing.out and first_pre in listing.out

    back = cli.run("rollback", str(cli.spec), "--auto-approve")
    assert back.code == 0, back.text
    assert_tenant_equals(cli.view(), second)
    assert "Rollback complete" in back.out
    assert '~ Campaign "VIP_Callbacks_West"' in back.out  # the preview, before the writes

    to_pre = cli.run("rollback", str(cli.spec), "--auto-approve", "--to", first_pre)
    assert to_pre.code == 0, to_pre.text
    now = cli.view()
    # The pre-apply snapshot holds what the first apply touched, as it was before it;
    # Renewals_Central did not exist then, so it is deleted.
    for address, body in original.bodies.items():
        if address in DRIFTED_TOUCHED:
            assert now.bodies[address] == body, address
    assert "Campaign.Renewals_Central" not in now.bodies
    assert f"Webhook.{WEBHOOK}: webhook token re-sent from the environment" in to_pre.out
    assert now.tokens[WEBHOOK] == token_digest(TOKEN)
    events = [e["event"] for e in cli.audit()]
    assert events.count("rollback-started") == 2 and events.count("rollback-finished") == 2
    assert cli.run("audit", "verify", str(cli.spec)).code == 0


def test_rollback_refuses_without_auto_approve(cli: Cli) -> None:
    assert cli.apply().code == 0
    cli.emu.edit_campaign("Collections_East", {"concurrency": {"max_agents": 3}})
    mark = cli.mark()
    run = cli.run("rollback", str(cli.spec))
    assert run.code == 1 and "non-interactive" in run.err
    assert "concurrency.max_agents: 3 -> 25" in run.out  # shown before refusing
    assert cli.writes_since(mark) == []


def test_rollback_with_nothing_to_restore_writes_nothing(cli: Cli) -> None:
    assert cli.apply().code == 0
    mark = cli.mark()
    run = cli.run("rollback", str(cli.spec))  # no --auto-approve needed: nothing to do
    assert run.code == 0 and "Nothing to roll back" in run.err
    assert cli.writes_since(mark) == []


def test_audit_verify_detects_a_tampered_line(cli: Cli) -> None:
    assert cli.apply().code == 0
    assert cli.run("audit", "verify", str(cli.spec)).code == 0
    path = cli.state.audit_path
    lines = path.read_text().splitlines(keepends=True)
    entry = json.loads(lines[1])
    entry["actor"] = "someone-else"
    lines[1] = json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"
    path.write_text("".join(lines))

    run = cli.run("audit", "verify", str(cli.spec))

    assert run.code == 1
    assert "BROKEN at line 2" in run.err


def test_second_apply_refuses_while_the_state_is_locked(cli: Cli) -> None:
    before = cli.view()
    with StateLock(cli.state, command="apply"):
        run = cli.apply()
    assert run.code == 1
    assert "locked by" in run.err
    assert cli.writes_since() == []
    assert_tenant_equals(cli.view(), before)


def test_stale_lock_of_a_dead_process_is_taken_over(cli: Cli) -> None:
    cli.state.ensure()
    dead = {
        "pid": 2**22 + 17,
        "host": "ci",
        "command": "apply",
        "started_at": "2026-01-01T00:00:00Z",
    }
    cli.state.lock_path.write_text(json.dumps(dead) + "\n")

    run = cli.apply()

    assert run.code == 0, run.text
    assert "stale" in run.err and str(dead["pid"]) in run.err
    assert_tenant_equals(cli.view(), cli.desired())


def test_prune_deletes_and_creates_in_one_apply(cli_factory: CliFactory) -> None:
    seed = drifted_seed()
    seed["campaigns"].append(extra_campaign("Legacy_Winback", seed["campaigns"][0]))
    cli = cli_factory(seed)
    cli.set_prune(True)

    run = cli.apply()

    assert run.code == 0, run.text
    assert "Campaign.Legacy_Winback" not in cli.view().bodies
    assert_tenant_equals(cli.view(), cli.desired())
    deleted = [w for w in writes_of(cli.audit()) if w["action"] == "delete"]
    assert [w["name"] for w in deleted] == ["Legacy_Winback"]
    assert deleted[0]["version_tag_after"] is None


def test_in_sync_tenant_plans_nothing(cli_factory: CliFactory) -> None:
    cli = cli_factory(desired_seed(token=TOKEN))
    run = cli.apply()
    assert run.code == 0
    assert cli.writes_since() == []
    assert cli.audit() == []
