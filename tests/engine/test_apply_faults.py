"""Every failure mode of issue 5, end to end over a socket, each checking THE INVARIANT.

The drifted tenant plans: ~ settings, ~ Collections_East, + Renewals_Central, ~ the webhook.
Writes go in groups (settings, then campaigns, then webhooks, then deletes), so a fault on
a campaign lands after the settings were written and before the webhook is.
"""

from __future__ import annotations

from reconciler.dialer_v1.emulator import Emulator
from tests.engine.conftest import (
    DRIFTED_TOUCHED,
    OLD_TOKEN,
    TOKEN,
    WEBHOOK,
    Cli,
    CliFactory,
    Json,
    Run,
    TenantView,
    Trigger,
    assert_audit_apply,
    assert_tenant_equals,
    assert_touched_are_desired_or_before,
    drifted_seed,
    extra_campaign,
    token_digest,
    writes_of,
)

SETTINGS = "DialerSettings.Predictive_Outbound_01"


def campaign_id(emu: Emulator, name: str) -> str:
    return next(c["id"] for c in emu.tenant_json()["campaigns"] if c["name"] == name)


def assert_restored(cli: Cli, run: Run, before: TenantView) -> Json:
    """Exit 1, the whole tenant back to its pre-apply bodies, audited, nothing unfinished."""
    assert run.code == 1, run.text
    now = cli.view()
    assert_touched_are_desired_or_before(now, before, cli.desired(), DRIFTED_TOUCHED)
    assert_tenant_equals(now, before, tokens=False)
    entries = cli.audit()
    end = assert_audit_apply(entries, result="restored")
    assert end["needs_attention"] == []
    assert "restore-started" in [e["event"] for e in entries]
    assert "rolled back" in run.err and end["snapshot_id"] in run.err
    assert cli.run("audit", "verify", str(cli.spec)).code == 0
    assert cli.unfinished() == 0
    return end


def restore_writes(entries: list[Json]) -> dict[str, str]:
    """address -> restore action, for the restore's writes that succeeded."""
    return {
        f"{w['kind']}.{w['name']}": w["action"]
        for w in writes_of(entries, after_event="restore-started")
        if w["outcome"] == "ok"
    }


def test_failed_activation_restores_settings_and_deletes_the_created_campaign(cli: Cli) -> None:
    before = cli.view()
    cli.emu.faults.fail_operation(name="Collections_East")

    run = cli.apply()

    assert_restored(cli, run, before)
    assert cli.view().tokens == before.tokens  # the webhook was never reached
    entries = cli.audit()
    failed = [w for w in writes_of(entries) if w["outcome"] == "failed"]
    assert [f"{w['kind']}.{w['name']}" for w in failed] == ["Campaign.Collections_East"]
    assert failed[0]["version_tag_before"] == before.tags["Campaign.Collections_East"]
    restored = restore_writes(entries)
    assert restored[SETTINGS] == "restore-update"
    assert restored["Campaign.Renewals_Central"] == "restore-delete"
    # Not partially applied: nothing to undo on the failed campaign itself.
    assert "Campaign.Collections_East" not in restored


def test_partially_applied_activation_is_undone(cli: Cli) -> None:
    before = cli.view()
    cli.emu.faults.fail_operation(name="Collections_East", partially_applied=True)

    run = cli.apply()

    assert "partially applied" in run.err
    assert_restored(cli, run, before)
    assert restore_writes(cli.audit())["Campaign.Collections_East"] == "restore-update"


def test_partially_applied_settings_are_undone_before_anything_else_is_written(
    cli: Cli,
) -> None:
    before = cli.view()
    cli.emu.faults.fail_operation(resource_type="settings", partially_applied=True)
    mark = cli.mark()

    run = cli.apply()

    assert_restored(cli, run, before)
    campaign_writes = [r for r in cli.writes_since(mark) if "/campaigns" in r.path]
    assert campaign_writes == []
    assert next(w["outcome"] for w in writes_of(cli.audit())) == "failed"


def test_activation_hung_past_the_deadline_is_never_reported_restored(cli: Cli) -> None:
    before = cli.view()
    cli.emu.faults.hang_operation(name="Collections_East")

    run = cli.apply("--operation-timeout", "1")

    # The hung activation may still land our update later: the resource matches its
    # snapshot now, but calling it restored would be a lie. A person must look.
    assert run.code == 3, run.text
    end = assert_audit_apply(cli.audit(), result="restore-failed")
    assert end["needs_attention"] == ["Campaign.Collections_East"]
    assert "Campaign.Collections_East" in run.err and end["snapshot_id"] in run.err
    now = cli.view()
    assert_touched_are_desired_or_before(now, before, cli.desired(), DRIFTED_TOUCHED)
    assert now.bodies[SETTINGS] == before.bodies[SETTINGS]
    assert "Campaign.Renewals_Central" not in now.bodies


def test_activation_past_the_deadline_that_then_lands_is_undone(cli: Cli) -> None:
    before = cli.view()
    cid = campaign_id(cli.emu, "Collections_East")
    cli.emu.faults.hang_operation(name="Collections_East")

    # The restore's first write to the campaign meets the running activation (409) and
    # waits for it; here it resumes then and lands our update, which the restore undoes.
    with Trigger(cli.emu, "PUT", f"/api/v1/campaigns/{cid}", cli.emu.faults.clear, nth=2) as t:
        run = cli.apply("--operation-timeout", "1")
    assert t.fired.is_set()

    assert "still in progress" in run.err
    assert_restored(cli, run, before)
    assert restore_writes(cli.audit())["Campaign.Collections_East"] == "restore-update"


def test_out_of_band_edit_racing_the_apply_gets_412_and_is_not_clobbered(cli: Cli) -> None:
    before = cli.view()
    # The campaign is edited by someone else while the settings activation is awaited,
    # i.e. after the plan read its versionTag and before our PUT.
    edit = {"concurrency": {"max_agents": 21}}
    with Trigger(
        cli.emu,
        "PUT",
        "/api/v1/dialer/settings",
        lambda: cli.emu.edit_campaign("Collections_East", edit),
    ) as trigger:
        run = cli.apply()
    assert trigger.fired.is_set()

    assert run.code == 1, run.text
    assert "412" in run.err or "stale" in run.err or "precondition" in run.err.lower()
    now = cli.view()
    # Our refused write did not touch it: the other person's edit stays.
    theirs = before.bodies["Campaign.Collections_East"]
    assert now.bodies["Campaign.Collections_East"]["concurrency"]["max_agents"] == 21
    assert {
        k: v for k, v in now.bodies["Campaign.Collections_East"].items() if k != "concurrency"
    } == {k: v for k, v in theirs.items() if k != "concurrency"}
    others = [a for a in DRIFTED_TOUCHED if a != "Campaign.Collections_East"]
    for address in others:
        assert now.bodies.get(address) == before.bodies.get(address), address
    end = assert_audit_apply(cli.audit(), result="restored")
    assert end["needs_attention"] == []
    assert cli.unfinished() == 0


def test_injected_409_fails_the_write_and_restores(cli: Cli) -> None:
    before = cli.view()
    cid = campaign_id(cli.emu, "Collections_East")
    cli.emu.faults.http_error(409, method="PUT", path=f"/api/v1/campaigns/{cid}")

    run = cli.apply()

    assert_restored(cli, run, before)


def test_5xx_bursts_are_retried_and_the_apply_succeeds(cli: Cli) -> None:
    cli.emu.faults.http_error(503, count=3, method="PUT")
    cli.emu.faults.http_error(500, count=2, method="GET", path="/api/v1/dialer/operations")
    cli.emu.faults.http_error(502, count=1, method="POST", path="/api/v1/campaigns")

    run = cli.apply()

    assert run.code == 0, run.text
    assert_tenant_equals(cli.view(), cli.desired())
    assert_audit_apply(cli.audit(), result="applied")
    assert_single_application(cli)


def test_429_bursts_are_waited_out_and_the_apply_succeeds(cli: Cli) -> None:
    cli.emu.faults.http_error(429, count=2, method="PUT", retry_after=0)
    cli.emu.faults.http_error(429, count=1, method="POST", path="/api/v1/campaigns", retry_after=1)

    run = cli.apply()

    assert run.code == 0, run.text
    assert_tenant_equals(cli.view(), cli.desired())
    assert len([r for r in cli.emu.requests if r.status == 429]) == 3
    assert_single_application(cli)


def assert_single_application(cli: Cli) -> None:
    """No write reached the dialer twice: one accepted write per planned resource."""
    accepted = [r for r in cli.writes_since() if r.status in (200, 201, 202, 204)]
    paths = [f"{r.method} {r.path}" for r in accepted]
    assert len(paths) == len(DRIFTED_TOUCHED), paths


def test_connection_dropped_after_an_update_was_handled_is_not_applied_twice(cli: Cli) -> None:
    cid = campaign_id(cli.emu, "Collections_East")
    cli.emu.faults.drop_connection(
        method="PUT", path=f"/api/v1/campaigns/{cid}", after_handling=True
    )
    before = cli.view()

    run = cli.apply()

    now = cli.view()
    where = assert_touched_are_desired_or_before(now, before, cli.desired(), DRIFTED_TOUCHED)
    handled = [r for r in cli.emu.requests if r.method == "PUT" and r.path.endswith(cid)]
    accepted = [r for r in handled if r.status == 202]
    assert len(accepted) + len([r for r in handled if r.status is None]) >= 1
    # The dialer activated our update at most once (its own audit log says so).
    assert run.code in (0, 1), run.text
    if run.code == 0:
        assert set(where.values()) <= {"desired", "both"}
        assert_audit_apply(cli.audit(), result="applied")
    else:
        assert_tenant_equals(now, before, tokens=False)
        assert_audit_apply(cli.audit(), result="restored")
    assert len(accepted) <= 1


def test_connection_dropped_after_a_create_was_handled_is_not_applied_twice(cli: Cli) -> None:
    before = cli.view()
    cli.emu.faults.drop_connection(method="POST", path="/api/v1/campaigns", after_handling=True)

    run = cli.apply()

    # The lost create is still activating, so it cannot be found by name; its repeat meets
    # its own name (409), never a second campaign. The outcome is unknown, so the apply
    # restores, deleting what the first attempt created.
    creates = [
        r for r in cli.writes_since() if r.method == "POST" and r.path == "/api/v1/campaigns"
    ]
    assert [r.status for r in creates] == [None, 409]
    assert "first attempt probably landed" in run.err
    assert_restored(cli, run, before)
    assert restore_writes(cli.audit())["Campaign.Renewals_Central"] == "restore-delete"


def test_token_expiry_mid_apply_is_refreshed_and_the_apply_succeeds(cli: Cli) -> None:
    with Trigger(cli.emu, "PUT", "/api/v1/dialer/settings", cli.emu.faults.expire_tokens) as t:
        run = cli.apply()
    assert t.fired.is_set()

    assert run.code == 0, run.text
    assert_tenant_equals(cli.view(), cli.desired())
    assert [r.path for r in cli.emu.requests].count("/oauth/token") >= 2


def test_a_restore_that_keeps_failing_exits_3_naming_the_resource_and_snapshot(cli: Cli) -> None:
    before = cli.view()
    # The apply's activation fails half-applied; every restore attempt fails too.
    cli.emu.faults.fail_operation(name="Collections_East", partially_applied=True)
    cli.emu.faults.fail_operation(name="Collections_East", count=20)

    run = cli.apply()

    assert run.code == 3, run.text
    end = assert_audit_apply(cli.audit(), result="restore-failed")
    assert end["needs_attention"] == ["Campaign.Collections_East"]
    assert "Campaign.Collections_East" in run.err and end["snapshot_id"] in run.err
    now = cli.view()
    # Everything else was restored; the resource that needs a person is named.
    for address in DRIFTED_TOUCHED:
        if address != "Campaign.Collections_East":
            assert now.bodies.get(address) == before.bodies.get(address), address
    assert cli.unfinished() == 0
    assert cli.run("audit", "verify", str(cli.spec)).code == 0
    # Once the cause is gone a person can roll back to the named snapshot.
    cli.emu.faults.clear()
    back = cli.run("rollback", str(cli.spec), "--auto-approve", "--to", end["snapshot_id"])
    assert back.code == 0, back.text
    assert_tenant_equals(cli.view(), before, tokens=False)


def test_a_restore_whose_activation_hangs_exits_3(cli: Cli) -> None:
    before = cli.view()
    cli.emu.faults.fail_operation(name="Collections_East", partially_applied=True)
    cli.emu.faults.hang_operation(name="Collections_East")

    run = cli.apply("--operation-timeout", "1")

    assert run.code == 3, run.text
    end = assert_audit_apply(cli.audit(), result="restore-failed")
    assert end["needs_attention"] == ["Campaign.Collections_East"]
    assert "Campaign.Collections_East" in run.err and end["snapshot_id"] in run.err
    now = cli.view()
    assert now.bodies[SETTINGS] == before.bodies[SETTINGS]
    assert "Campaign.Renewals_Central" not in now.bodies
    cli.emu.faults.clear()


def test_pruned_campaign_is_recreated_and_webhook_token_resent_on_restore(
    cli_factory: CliFactory,
) -> None:
    seed = drifted_seed()
    like = seed["campaigns"][0]
    seed["campaigns"] += [extra_campaign("Legacy_A", like), extra_campaign("Legacy_B", like)]
    cli = cli_factory(seed)
    cli.set_prune(True)
    before = cli.view()
    assert before.tokens[WEBHOOK] == token_digest(OLD_TOKEN)
    old_id = campaign_id(cli.emu, "Legacy_A")
    # Deletes run last: the webhook is updated and Legacy_A deleted before Legacy_B fails.
    cli.emu.faults.fail_operation(name="Legacy_B")

    run = cli.apply("--allow-large-change")  # 5 of 5 managed: the gate is not the subject

    assert run.code == 1, run.text
    now = cli.view()
    assert_tenant_equals(now, before, tokens=False)
    assert campaign_id(cli.emu, "Legacy_A") != old_id  # re-created, same content
    restored = restore_writes(cli.audit())
    assert restored["Campaign.Legacy_A"] == "restore-create"
    assert restored[f"Webhook.{WEBHOOK}"] == "restore-update"
    # Snapshots never hold the secret: the token comes from the environment, and we say so.
    assert now.tokens[WEBHOOK] == token_digest(TOKEN)
    assert f"Webhook.{WEBHOOK}" in run.err and "token re-sent from the environment" in run.err
    assert_audit_apply(cli.audit(), result="restored")
