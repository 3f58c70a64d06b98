"""Every open question about a real tenant (each an emulator switch), both ways, end to end.

For each setting the same story runs through the real CLI over a socket: the plan shows
exactly the expected changes (every block of a skill, a coupled field, a CPA exception, a
schedule, zones, DNC links, a DNC group created and one updated), the apply converges
(every block at its desired content, the audit log says applied), then drift is clean and
a second plan has nothing to do.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.cxone_admin.emulator import default_seed
from tests.cxone_admin.conftest import AdminCliFactory
from tests.cxone_admin.harness import (
    RICH_PLAN,
    AdminCli,
    assert_all,
    assert_desired_or_before,
    write_rich_specs,
)
from tests.engine.conftest import assert_audit_apply

EAST_PATHS = [
    "cpaSettings.abandonTimeout",
    "cpaSettings.exceptions",
    "deliveryPreferences.confirmationRequiredTimeout",
    "dncGroups",
    "generalSettings.maximumAttempts",
    "retrySettings.generalStaleMinutes",
    "retrySettings.restrictedCallingMaxAttempts",
    "scheduleSettings.mondayEndTime",
    "scheduleSettings.mondayStartTime",
    "scheduleSettings.saturdayEndTime",
    "scheduleSettings.saturdayIsActive",
    "timeZoneSettings",
]
RENEWALS_PATHS = ["dncGroups", "generalSettings.maximumRatio"]

# (switch, value): every behaviour docs/cxone-admin-emulator.md lists as open, both ways.
SWITCHES: list[tuple[str, Any]] = [
    ("put_semantics", "merge"),
    ("put_semantics", "replace"),
    ("put_answer", "empty"),
    ("put_answer", "object"),
    ("error_body", "object"),
    ("error_body", "bare"),
    ("case_insensitive", True),
    ("case_insensitive", False),
    ("skill_get", "flat"),
    ("skill_get", "wrapped"),
    ("schedule_day", "name"),
    ("schedule_day", "lower"),
    ("schedule_day", "number"),
    ("time_zones_get", "wrapped"),
    ("time_zones_get", "list"),
    ("total_records", "number"),
    ("total_records", "string"),
    ("total_records", "absent"),
    ("top_cap", None),
    ("top_cap", 2),
]


def converge(cli: AdminCli) -> None:
    """Plan (exactly the rich changes), apply (all desired, audited), drift clean, no-op."""
    write_rich_specs(cli)
    before = cli.view()

    plan = cli.plan("--format", "json", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    changes = json.loads(plan.out)["changes"]
    assert {(c["kind"], c["name"], c["action"]) for c in changes} == RICH_PLAN
    paths = {c["name"]: [d["path"] for d in c["diff"]] for c in changes}
    assert paths["Collections_East"] == EAST_PATHS
    assert paths["Renewals_Central"] == RENEWALS_PATHS
    assert cli.writes_since() == []

    run = cli.apply("--no-verify")

    assert run.code == 0, run.text
    where = assert_desired_or_before(cli.view(), before, cli.expected(before))
    assert_all(where, "desired")
    assert_audit_apply(cli.audit(), result="applied")
    drift = cli.drift()
    assert drift.code == 0, drift.text
    mark = cli.mark()
    again = cli.plan("--detailed-exitcode")
    assert again.code == 0, again.text
    assert cli.writes_since(mark) == []
    assert cli.run("audit", "verify", str(cli.spec)).code == 0


@pytest.mark.parametrize(("switch", "value"), SWITCHES, ids=[f"{s}={v}" for s, v in SWITCHES])
def test_each_switch_both_ways_plans_applies_and_converges(
    admin_cli_factory: AdminCliFactory, switch: str, value: Any
) -> None:
    cli = admin_cli_factory(**{switch: value})
    converge(cli)


def test_a_capped_page_size_still_reads_every_skill(admin_cli_factory: AdminCliFactory) -> None:
    cli = admin_cli_factory(top_cap=2)
    mark = cli.mark()
    plan = cli.plan("--format", "json")
    assert plan.code == 0, plan.text
    pages = [r for r in cli.api_requests(mark) if r.path.endswith("/skills")]
    assert len(pages) >= 3  # six skills, two a page: the client followed the pages
    unmanaged = {(u["kind"], u["name"]) for u in json.loads(plan.out)["unmanaged"]}
    assert ("OutboundSkill", "Winback_West") in unmanaged  # on the second page


def test_the_default_cap_of_100_pages_a_large_tenant(admin_cli_factory: AdminCliFactory) -> None:
    seed = default_seed()
    template = next(s for s in seed["skills"] if s["skillName"] == "Winback_West")
    seed["skills"] += [
        {**template, "skillId": 13_000 + i, "skillName": f"Extra_{i:03d}", "isRunning": False}
        for i in range(130)
    ]
    cli = admin_cli_factory(seed, top_cap=100)
    converge(cli)
    pages = [r for r in cli.api_requests() if r.path.endswith("/skills")]
    assert any("skip=100" in r.query for r in pages)


@pytest.mark.parametrize("retry_after", [None, 1])
def test_429s_with_and_without_retry_after_are_waited_out(
    admin_cli_factory: AdminCliFactory, retry_after: int | None
) -> None:
    cli = admin_cli_factory(retry_after=retry_after is not None)
    # After a 429 from an API that announces no limit the client paces itself a fifth
    # slower; a roomy declared limit keeps that pacing from dominating the test's time.
    cli.edit_spec("tenant.yaml", {"spec": {"rate_limits": {"writes_per_minute": 6000}}})
    cli.emu.faults.http_error(429, count=2, method="PUT", retry_after=retry_after)
    cli.emu.faults.http_error(
        429, count=1, method="GET", path="/inContactAPI", retry_after=retry_after
    )
    converge(cli)
    assert [r.status for r in cli.emu.requests].count(429) == 3
