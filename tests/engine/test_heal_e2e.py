"""`drift --heal`: self-healing inside windows and under the gate, end to end.

Against the emulator over a socket. Under faults THE INVARIANT holds as for apply: every
resource the heal touched holds its desired body or its pre-heal body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from tests.engine.conftest import (
    DRIFTED_TOUCHED,
    Cli,
    assert_audit_apply,
    assert_tenant_equals,
    assert_touched_are_desired_or_before,
)
from tests.engine.test_guardrails_e2e import EAST_FILE, closed_window

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json").read_text()
)


def heal(cli: Cli, *extra: str) -> tuple[int, str, str]:
    run = cli.run("drift", str(cli.spec), "--heal", "--auto-approve", *extra)
    return run.code, run.out, run.err


def opt_in(cli: Cli) -> None:
    cli.edit_spec("tenant.yaml", {"spec": {"self_heal": True}})


def test_heal_without_the_opt_in_reports_drift_and_writes_nothing(cli: Cli) -> None:
    mark = cli.mark()
    code, out, _ = heal(cli)
    assert code == 2
    assert "does not set `self_heal: true`" in out and "not healed" in out
    assert cli.writes_since(mark) == []


def test_heal_reapplies_the_specs_with_apply_s_records(cli: Cli) -> None:
    opt_in(cli)
    code, out, err = heal(cli)
    assert code == 2, out + err
    assert_tenant_equals(cli.view(), cli.desired())
    assert "Self-heal: re-applied the specs to every drifted resource (4), verified." in out
    assert "guard: skipped (a heal re-applies reviewed specs)" in err
    entries = cli.audit()
    (healing,) = [e for e in entries if e["event"] == "self-heal"]
    assert sorted(healing["healing"]) == sorted(DRIFTED_TOUCHED)
    assert_audit_apply(entries, result="applied")
    assert cli.snapshots().last_known_good() is not None and cli.unfinished() == 0
    # Healed: the next check finds the tenant in sync.
    again = cli.run("drift", str(cli.spec), "--heal", "--auto-approve")
    assert again.code == 0 and "No drift" in again.out


def test_heal_needs_auto_approve_without_a_terminal(cli: Cli) -> None:
    opt_in(cli)
    mark = cli.mark()
    run = cli.run("drift", str(cli.spec), "--heal")
    assert run.code == 1 and "--auto-approve" in run.err
    assert cli.writes_since(mark) == []


def test_a_change_outside_its_window_is_not_healed_and_the_rest_is(cli: Cli) -> None:
    opt_in(cli)
    windows, _ = closed_window()
    cli.edit_spec(EAST_FILE, {"change_windows": windows})
    before = cli.view()
    code, out, _ = heal(cli, "--format", "markdown")
    assert code == 2
    assert "#### Self-heal" in out and "3 drifted resource(s), verified; 1 not healed" in out
    assert "not healed: `Campaign.Collections_East`: outside its change windows" in out
    now, desired = cli.view(), cli.desired()
    assert now.bodies["Campaign.Collections_East"] == before.bodies["Campaign.Collections_East"]
    assert now.bodies["Campaign.Renewals_Central"] == desired.bodies["Campaign.Renewals_Central"]


def test_a_heal_over_the_gate_writes_nothing_and_says_why(cli: Cli) -> None:
    opt_in(cli)
    cli.edit_spec("tenant.yaml", {"spec": {"max_change_share": 0.4}})  # 3 updates of 5: 60%
    mark = cli.mark()
    code, out, _ = heal(cli, "--format", "json")
    assert code == 2 and cli.writes_since(mark) == []
    data = json.loads(out)
    jsonschema.validate(data, SCHEMA)
    assert data["heal"]["result"] == "not-healed" and data["heal"]["healed"] == []
    reasons = {n["reason"] for n in data["heal"]["not_healed"]}
    assert reasons == {
        "the blast-radius gate: blast radius: the plan updates or deletes 3 of the 5 managed"
        " resources, 60.00%, over max_change_share 40.00%"
    }


Fault = Callable[[Cli], None]
FAULTS: dict[str, Fault] = {
    "failed activation": lambda cli: cli.emu.faults.fail_operation(name="Collections_East"),
    "partial activation": lambda cli: cli.emu.faults.fail_operation(
        name="Renewals_Central", partially_applied=True
    ),
    "refused webhook write": lambda cli: cli.emu.faults.http_error(
        409, method="PUT", path="/api/v1/integrations/webhooks"
    ),
    "dropped answer": lambda cli: cli.emu.faults.drop_connection(
        method="PUT", path="/api/v1/dialer/settings", after_handling=True
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_heal_under_faults_restores_what_it_touched(cli: Cli, fault: str) -> None:
    opt_in(cli)
    before, desired = cli.view(), cli.desired()
    FAULTS[fault](cli)
    code, out, err = heal(cli)
    assert code == 1, out + err
    assert_touched_are_desired_or_before(cli.view(), before, desired, DRIFTED_TOUCHED)
    assert cli.unfinished() == 0
    assert "the heal failed and was rolled back" in err
    assert "Self-heal FAILED: the re-apply failed and every touched resource was restored" in out
    assert_tenant_equals(cli.view(), before, tokens=False)
    assert_audit_apply(cli.audit(), result="restored")
