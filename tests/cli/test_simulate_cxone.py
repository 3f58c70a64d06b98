"""`simulate` and plan predictions for outbound skills (api: cxone-admin), over a socket."""

from __future__ import annotations

import json
from typing import Any

from tests.cli.cxone import CxoneCli

QUICK = ["--duration-minutes", "10", "--replications", "3", "--format", "json"]
SUMMARY = "/inContactAPI/services/v30.0/skills/11002/summary"


def simulate(cli: CxoneCli, *argv: str) -> dict[str, Any]:
    run = cli.run("simulate", str(cli.spec), *QUICK, *argv)
    assert run.code == 0, run.text
    data: dict[str, Any] = json.loads(run.out)
    return data


def test_offline_the_staffed_skills_are_simulated_from_the_specs(cxone: CxoneCli) -> None:
    data = simulate(cxone, "--seed", "7")
    names = [c["name"] for c in data["campaigns"]]
    assert names == ["Collections_East", "Renewals_Central"]
    east = data["campaigns"][0]
    assert (east["kind"], east["type"]) == ("OutboundSkill", "predictive")
    assert east["pacing"] == {
        "agents": 40,
        "maximumRatio": 2,
        "maximumRatio_from": "specs",
        "abandonTimeout": 2,
        "preview": False,
        "max_simultaneous_calls": 80,
        "free_trunks": None,
        "free_trunks_from": None,
    }
    assert east["assumption_sources"]["answer_rate"] == "Tenant simulation block"
    assert east["local"]["replications"] == 3 and data["skipped"] == []
    assert cxone.requests_since() == []  # offline: nothing was asked of the tenant
    again = simulate(cxone, "--seed", "7")
    assert again == data


def test_a_skill_without_staffing_is_skipped_unless_named(cxone: CxoneCli) -> None:
    path = cxone.spec / "skills" / "renewals-central.yaml"
    path.write_text(path.read_text().replace("staffing:\n  agents: 25\n", ""))
    data = simulate(cxone)
    assert [c["name"] for c in data["campaigns"]] == ["Collections_East"]
    assert data["skipped"] == [
        {
            "name": "Renewals_Central",
            "reason": "no staffing.agents: the model needs the skill's agents",
        }
    ]
    run = cxone.run("simulate", str(cxone.spec), "--skill", "Renewals_Central")
    assert run.code == 1
    assert "skill Renewals_Central has no staffing" in run.err
    assert "add `staffing: {agents: N}`" in run.err
    text = cxone.run("simulate", str(cxone.spec), "--duration-minutes", "5")
    assert "Skipped (no staffing.agents" in text.out and "Renewals_Central" in text.out


def test_unknown_skill_is_an_error(cxone: CxoneCli) -> None:
    run = cxone.run("simulate", str(cxone.spec), "--skill", "Nope")
    assert run.code == 1 and "no skill named Nope" in run.err and "Collections_East" in run.err


def test_remote_fills_what_the_specs_leave_out_from_the_live_skill(cxone: CxoneCli) -> None:
    cxone.edit_spec(
        "skills/renewals-central.yaml", {"spec": {"generalSettings": {"maximumRatio": None}}}
    )
    path = cxone.spec / "skills" / "renewals-central.yaml"
    path.write_text(path.read_text().replace("    maximumRatio: null\n", ""))
    offline = simulate(cxone, "--skill", "Renewals_Central")["campaigns"][0]
    assert offline["pacing"]["maximumRatio"] == 1
    assert offline["pacing"]["maximumRatio_from"] == "default"
    data = simulate(cxone, "--skill", "Renewals_Central", "--remote")
    renewals = data["campaigns"][0]
    assert renewals["pacing"]["maximumRatio"] == 3  # the live skill's
    assert renewals["pacing"]["maximumRatio_from"] == "live skill"
    assert (renewals["pacing"]["free_trunks"], renewals["pacing"]["free_trunks_from"]) == (
        150,
        "business unit outboundPortLimit",
    )
    assert renewals["remote"] is None and data["models"]["remote"] is None
    assert "live skills" in data["read_live"]
    assert cxone.writes_since() == []


def test_a_preview_skill_is_simulated_as_preview(cxone: CxoneCli) -> None:
    cxone.edit_spec(
        "skills/collections-east.yaml",
        {"spec": {"deliveryPreferences": {"confirmationRequiredDefault": True}}},
    )
    east = simulate(cxone, "--skill", "Collections_East")["campaigns"][0]
    assert east["type"] == "preview" and east["local"]["abandonment_rate"] == 0


def test_history_reads_the_skill_summary_else_the_dialer_contacts(cxone: CxoneCli) -> None:
    data = simulate(cxone, "--skill", "Renewals_Central", "--from-history")
    renewals = data["campaigns"][0]
    source = renewals["assumption_sources"]["answer_rate"]
    assert source.startswith("history: connects / dials of the skill summary")
    assert 0.15 <= renewals["assumptions"]["answer_rate"] <= 0.40  # the emulator's range
    cxone.emu.faults.http_error(404, path=SUMMARY)
    fallback = simulate(cxone, "--skill", "Renewals_Central", "--from-history")
    assert fallback["campaigns"][0]["assumption_sources"]["answer_rate"].startswith(
        "history: connects / dials of the dialer contacts"
    )
    assert cxone.writes_since() == []


def test_the_plan_predicts_staffed_skills_before_and_after(cxone: CxoneCli) -> None:
    run = cxone.run("plan", str(cxone.spec), "--format", "json")
    assert run.code == 0, run.text
    changes = {c["name"]: c for c in json.loads(run.out)["changes"]}
    renewals = changes["Renewals_Central"]["prediction"]
    # maximumRatio 3 -> 2 on 25 agents: fewer lines, less abandonment.
    assert renewals["before"]["peak_concurrent_calls"] > renewals["after"]["peak_concurrent_calls"]
    assert renewals["before"]["abandonment_rate"] > renewals["after"]["abandonment_rate"]
    east = changes["Collections_East"]["prediction"]
    assert east["before"] == east["after"]  # a zone change does not move the pacing
    again = json.loads(cxone.run("plan", str(cxone.spec), "--format", "json").out)
    assert {c["name"]: c["prediction"] for c in again["changes"]} == {
        name: c["prediction"] for name, c in changes.items()
    }
    bare = json.loads(cxone.run("plan", str(cxone.spec), "--format", "json", "--no-predict").out)
    assert all(c.get("prediction") is None for c in bare["changes"])


def test_a_skill_without_staffing_gets_no_prediction(cxone: CxoneCli) -> None:
    path = cxone.spec / "skills" / "renewals-central.yaml"
    path.write_text(path.read_text().replace("staffing:\n  agents: 25\n", ""))
    changes = json.loads(cxone.run("plan", str(cxone.spec), "--format", "json").out)["changes"]
    assert {c["name"]: c.get("prediction") is not None for c in changes} == {
        "Collections_East": True,
        "Renewals_Central": False,
    }


def test_predicted_abandonment_above_the_skill_threshold_is_warned(cxone: CxoneCli) -> None:
    cxone.edit_spec(
        "skills/renewals-central.yaml",
        {
            "spec": {"generalSettings": {"maximumRatio": 3, "abandonRateThreshold": 1}},
            "staffing": {"agents": 20},  # 60 lines: the unit's 150 still hold both skills
        },
    )
    run = cxone.run("plan", str(cxone.spec))
    assert run.code == 0, run.text
    assert "OutboundSkill.Renewals_Central: predicted abandonment" in run.out
    assert "the skill's abandonRateThreshold 1.00%" in run.out
