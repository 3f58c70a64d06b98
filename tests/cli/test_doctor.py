"""`reconciler doctor` end to end: the CLI against the CXone admin emulator over a socket.

Every test also holds doctor to its promise: the emulator's own request log shows no
request that could change the tenant (the token request is the only POST).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.cxone import SECRETS, CxoneCli, CxoneFactory

AGGREGATED = "/inContactAPI/services/v30.0/skills/parameters"


def doctor(cli: CxoneCli, *extra: str) -> tuple[int, dict[str, Any]]:
    run = cli.run("doctor", str(cli.spec), "--format", "json", *extra)
    for secret in SECRETS:
        assert secret not in run.text
    return run.code, json.loads(run.out)


def checks(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["status"] for c in report["checks"]}


def findings(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in report["findings"]}


def assert_read_only(cli: CxoneCli) -> None:
    log = cli.requests_since()
    assert log, "doctor sent nothing"
    assert {r.method for r in log} <= {"GET", "POST"}
    assert [r.path for r in log if r.method == "POST"] == ["/auth/token"]
    assert cli.writes_since() == []


def test_the_example_tenant_can_be_managed(cxone: CxoneCli) -> None:
    run = cxone.run("doctor", str(cxone.spec))
    assert run.code == 0, run.text
    for name in ("token", "discovery", "api-version", "business-unit", "skills", "blocks"):
        assert f"ok    {name}" in run.out
    assert "outboundPortLimit 150" in run.out
    assert "3 skill(s)' blocks read in one GET /skills/parameters" in run.out
    assert "every skill (2) and DNC group (2) the specs name is there" in run.out
    assert "not settled  put-semantics" in run.out and "only a write would tell" in run.out
    assert "The tenant can be managed with these specs." in run.out
    assert_read_only(cxone)
    # What the report counts is what the emulator answered.
    assert f"{len(cxone.requests_since())} GET" not in run.out  # the token is a POST
    gets = sum(1 for r in cxone.requests_since() if r.method == "GET")
    assert f"Requests: {gets} GET, 1 POST" in run.out


def test_json_report_settles_what_reads_can_show(cxone: CxoneCli) -> None:
    # 7 abandons of 300 connects: 2.33%, which the summary rounds to a whole 2%. (Unpinned,
    # the emulator's figures follow the hour and are sometimes whole themselves.)
    for skill in ("Collections_East", "Renewals_Central", "Winback_West"):
        cxone.emu.set_metric(skill, "connects", 300)
        cxone.emu.set_metric(skill, "abandons", 7)
    code, report = doctor(cxone)
    assert code == 0 and report["manageable"] is True and report["writes"] == 0
    assert set(checks(report).values()) == {"ok"}
    found = findings(report)
    assert found["skill-get"]["answer"] == "flat"
    assert found["total-records"]["answer"] == "number"
    assert found["schedule-day"]["answer"] == "name"
    assert found["time-zones-get"]["answer"].startswith("wrapped")
    assert found["summary-abandon-rate"]["status"] == "settled"
    assert "agree" in found["summary-abandon-rate"]["answer"]
    for key in ("put-semantics", "error-body", "case-insensitive", "start-stop-delay"):
        assert found[key]["status"] == "not settled"
    assert report["emulator_flags"] == [
        "--total-records number",
        "--skill-get flat",
        "--schedule-day name",
        "--time-zones-get wrapped",
    ]
    assert report["business_unit"]["outboundPortLimit"] == 150
    assert report["recommended_metrics_source"] == "dialer-contacts"
    assert report["requests"]["POST"] == 1
    assert_read_only(cxone)


def test_every_switch_a_read_can_settle_is_told_apart(cxone_factory: CxoneFactory) -> None:
    cli = cxone_factory(
        skill_get="wrapped", total_records="string", schedule_day="number", time_zones_get="list"
    )
    code, report = doctor(cli)
    assert code == 0
    found = findings(report)
    assert (found["skill-get"]["answer"], found["total-records"]["answer"]) == (
        "wrapped",
        "string",
    )
    assert found["schedule-day"]["answer"] == "number"
    assert found["time-zones-get"]["answer"] == "list; zones named by name"
    assert report["emulator_flags"] == [
        "--total-records string",
        "--skill-get wrapped",
        "--schedule-day number",
        "--time-zones-get list",
    ]
    assert_read_only(cli)


def test_refused_credentials_stop_at_the_token(cxone: CxoneCli) -> None:
    cxone.setenv("CXONE_ACCESS_KEY_SECRET", "not-the-secret-9911")
    code, report = doctor(cxone)
    assert code == 1 and report["manageable"] is False
    (token,) = report["checks"]
    assert token["name"] == "token" and token["status"] == "fail"
    assert "invalid_grant" in token["summary"]
    assert report["findings"] == []
    assert "not-the-secret-9911" not in json.dumps(report)
    assert cxone.writes_since() == []


def test_failed_discovery_is_named(cxone: CxoneCli) -> None:
    cxone.emu.faults.http_error(404, path="/.well-known/cxone-configuration")
    code, report = doctor(cxone)
    assert code == 1
    assert checks(report) == {"token": "ok", "discovery": "fail"}
    assert "discovery does not know the tenant" in report["checks"][1]["summary"]


def test_a_given_api_host_skips_discovery(cxone: CxoneCli) -> None:
    cxone.setenv("CXONE_API_URL", cxone.url)
    code, report = doctor(cxone)
    assert code == 0 and checks(report)["discovery"] == "skip"
    assert not any("well-known" in r.path for r in cxone.requests_since())


def test_a_version_the_tenant_does_not_serve(cxone: CxoneCli) -> None:
    cxone.edit_spec("tenant.yaml", {"spec": {"api_version": 17}})
    run = cxone.run("doctor", str(cxone.spec))
    assert run.code == 1
    assert "FAIL  api-version    v17.0 is not served by this tenant" in run.out
    assert "hint: set the Tenant's api_version" in run.out
    assert "business-unit" not in run.out  # nothing after it is read


def test_every_block_the_models_cannot_read_is_named(cxone: CxoneCli) -> None:
    cxone.emu.edit_block("Winback_West", "cpaSettings", {"abandonTimeout": "soon"})
    cxone.emu.edit_block("Renewals_Central", "generalSettings", {"maximumRatio": [2]})
    code, report = doctor(cxone)
    assert code == 1
    blocks = next(c for c in report["checks"] if c["name"] == "blocks")
    assert blocks["status"] == "fail" and blocks["summary"].startswith("2 block(s)")
    text = " ".join(blocks["details"])
    assert "Winback_West" in text and "cpaSettings" in text and "abandonTimeout" in text
    assert "Renewals_Central" in text and "maximumRatio" in text
    assert_read_only(cxone)


def test_an_answer_that_is_not_json_fails_its_check(cxone: CxoneCli) -> None:
    cxone.emu.faults.replace_body("<html>Sign in</html>", content_type="text/html", path=AGGREGATED)
    code, report = doctor(cxone)
    assert code == 1
    blocks = next(c for c in report["checks"] if c["name"] == "blocks")
    assert blocks["status"] == "fail" and "not JSON" in blocks["summary"]


def test_a_skill_the_specs_name_that_the_tenant_lacks(cxone: CxoneCli) -> None:
    cxone.write_spec(
        "skills/typo.yaml",
        {
            "apiVersion": "dialer.cxone/v1",
            "kind": "OutboundSkill",
            "metadata": {"name": "winback_west"},
            "spec": {"generalSettings": {"maximumRatio": 1}, "dncGroups": ["National_DNC"]},
        },
    )
    cxone.write_spec(
        "skills/inbound.yaml",
        {
            "apiVersion": "dialer.cxone/v1",
            "kind": "OutboundSkill",
            "metadata": {"name": "Inbound_Support"},
            "spec": {"generalSettings": {"maximumRatio": 1}, "dncGroups": ["National_DNC"]},
        },
    )
    run = cxone.run("doctor", str(cxone.spec))
    assert run.code == 1
    assert "FAIL  specs" in run.out
    assert "skill winback_west: not in the tenant (did you mean Winback_West?)" in run.out
    assert "skill Inbound_Support: not a Personal Connection skill" in run.out
    assert_read_only(cxone)


def test_a_dnc_group_neither_live_nor_declared(cxone: CxoneCli) -> None:
    cxone.edit_spec("tenant.yaml", {"spec": {"compliance": {"dnc_groups_required": ["State_DNC"]}}})
    cxone.edit_spec("skills/collections-east.yaml", {"spec": {"dncGroups": ["State_DNC"]}})
    cxone.edit_spec("skills/renewals-central.yaml", {"spec": {"dncGroups": ["State_DNC"]}})
    code, report = doctor(cxone)
    assert code == 1
    specs = next(c for c in report["checks"] if c["name"] == "specs")
    assert "DNC group State_DNC: neither in the tenant nor declared" in specs["details"]


def test_a_declared_group_the_tenant_lacks_is_only_a_note(cxone: CxoneCli) -> None:
    cxone.write_spec(
        "dnc-groups/state.yaml",
        {
            "apiVersion": "dialer.cxone/v1",
            "kind": "DncGroup",
            "metadata": {"name": "State_DNC"},
            "spec": {"dncGroupDescription": "state list", "isActive": True},
        },
    )
    code, report = doctor(cxone)
    assert code == 0
    specs = next(c for c in report["checks"] if c["name"] == "specs")
    assert specs["details"] == [
        "DNC group State_DNC: declared, not in the tenant yet (apply creates it)"
    ]


@pytest.mark.parametrize(
    ("configured", "refused", "status", "recommended"),
    [
        ("dialer-contacts", "/inContactAPI/services/v30.0/wfm-data", "warn", "skill-summary"),
        ("auto", "/inContactAPI/services/v30.0/wfm-data", "ok", "skill-summary"),
        ("skill-summary", "/inContactAPI/services/v30.0/skills/110", "warn", "dialer-contacts"),
    ],
)
def test_which_metrics_source_the_guard_can_use(
    cxone: CxoneCli, configured: str, refused: str, status: str, recommended: str
) -> None:
    cxone.edit_spec("tenant.yaml", {"spec": {"metrics_source": configured}})
    cxone.edit_spec(
        "skills/collections-east.yaml", {"verify": {"metrics": {"abandonmentRate": {"max": 0.03}}}}
    )
    # Every read of that source is refused, as a security profile without the permission does.
    cxone.emu.faults.http_error(403, count=50, path=refused)
    code, report = doctor(cxone)
    metrics = next(c for c in report["checks"] if c["name"] == "metrics")
    assert code == 0  # managing works; the guard would not
    assert metrics["status"] == status
    assert report["recommended_metrics_source"] == recommended
    if status == "warn":
        assert "Collections_East would say 'could not read metrics'" in metrics["hint"]
        assert f"set metrics_source: {recommended}" in metrics["hint"]


def test_fields_and_values_the_documentation_does_not_know(cxone: CxoneCli) -> None:
    cxone.emu.edit_block("Winback_West", "generalSettings", {"dialingMode": "turbo"})
    cxone.emu.edit_block("Collections_East", "generalSettings", {"maximumRatio": 4})
    code, report = doctor(cxone)
    assert code == 0
    found = findings(report)
    assert "generalSettings: dialingMode (1)" in found["field-additions"]["answer"]
    values = found["undocumented-values"]["answer"]
    assert "maximumRatio seen: 1 (1), 3 (1), 4 (1)" in values
    assert "Collections_East: generalSettings.maximumRatio 4 (documented <= 3)" in values


def test_doctor_is_for_cxone_admin_specs(cxone: CxoneCli) -> None:
    cxone.edit_spec("tenant.yaml", {"spec": {"api": "dialer-v1", "base_url": cxone.url}})
    for skill in ("collections-east", "renewals-central"):
        (cxone.spec / "skills" / f"{skill}.yaml").unlink()
    (cxone.spec / "dnc-groups" / "internal-dnc.yaml").unlink()
    cxone.edit_spec("tenant.yaml", {"spec": {"compliance": {"dnc_groups_required": []}}})
    run = cxone.run("doctor", str(cxone.spec))
    assert run.code == 1
    assert "doctor checks a real CXone tenant (`api: cxone-admin`" in run.err
    assert cxone.requests_since() == []
