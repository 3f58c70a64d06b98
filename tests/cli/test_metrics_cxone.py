"""`metrics` and `audit` for outbound skills (api: cxone-admin), over a socket."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.cli.cxone import CxoneCli

WINDOW = ["--from", "2026-09-21T00:00:00Z", "--to", "2026-09-21T10:00:00Z"]
SUMMARY = "/inContactAPI/services/v30.0/skills/11002/summary"


def metrics(cli: CxoneCli, *argv: str) -> dict[str, Any]:
    run = cli.run("metrics", str(cli.spec), *WINDOW, "--format", "json", *argv)
    assert run.code == 0, run.text
    data: dict[str, Any] = json.loads(run.out)
    return data


def pin(cli: CxoneCli, connects: int, abandons: int, dials: int = 200) -> None:
    for name, value in (("dials", dials), ("connects", connects), ("abandons", abandons)):
        cli.emu.set_metric("Renewals_Central", name, value)


def test_a_skills_intervals_summed_by_hour(cxone: CxoneCli) -> None:
    pin(cxone, connects=50, abandons=1)
    data = metrics(cxone, "--skill", "Renewals_Central")
    assert (data["skill"], data["skill_id"], data["source"]) == (
        "Renewals_Central",
        "11002",
        "dialer-contacts",
    )
    assert data["metrics"] == ["abandonmentRate", "answerRate", "dials", "connects", "abandons"]
    rows = data["results"]
    assert [r["intervalStart"] for r in rows] == [f"2026-09-21T{h:02d}:00:00Z" for h in range(10)]
    assert rows[0] == {
        "skillId": "11002",
        "intervalStart": "2026-09-21T00:00:00Z",
        "intervalEnd": "2026-09-21T01:00:00Z",
        "abandonmentRate": 0.02,  # 4 intervals of 1 abandon in 50 connects
        "answerRate": 0.25,
        "dials": 800.0,
        "connects": 200.0,
        "abandons": 4.0,
    }
    assert cxone.writes_since() == []


def test_campaign_names_the_skill_and_days_group_every_interval(cxone: CxoneCli) -> None:
    pin(cxone, connects=40, abandons=2)
    data = metrics(
        cxone, "--campaign", "Renewals_Central", "--group-by", "day", "--metric", "abandonmentRate"
    )
    (day,) = data["results"]
    assert day["intervalStart"] == "2026-09-21T00:00:00Z"
    assert day == {**day, "abandonmentRate": 0.05} and set(day) == {
        "skillId",
        "intervalStart",
        "intervalEnd",
        "abandonmentRate",
    }


def test_the_summary_is_one_row_for_the_range(cxone: CxoneCli) -> None:
    pin(cxone, connects=100, abandons=3)
    data = metrics(cxone, "--skill", "Renewals_Central", "--source", "skill-summary")
    (row,) = data["results"]
    assert data["group_by"] == "range" and data["source"] == "skill-summary"
    assert (row["intervalStart"], row["intervalEnd"]) == (
        "2026-09-21T00:00:00Z",
        "2026-09-21T10:00:00Z",
    )
    assert row["abandonmentRate"] == pytest.approx(0.03)


def test_auto_says_why_it_fell_back(cxone: CxoneCli) -> None:
    cxone.edit_spec("tenant.yaml", {"spec": {"metrics_source": "auto"}})
    cxone.emu.faults.http_error(403, path=SUMMARY)
    data = metrics(cxone, "--skill", "Renewals_Central")
    assert data["source"].startswith("dialer-contacts (the skill summary is not served")
    assert len(data["results"]) == 10


def test_metrics_the_admin_api_does_not_report_are_refused(cxone: CxoneCli) -> None:
    run = cxone.run(
        "metrics", str(cxone.spec), "--skill", "Renewals_Central", "--metric", "efficiency"
    )
    assert run.code == 1
    assert "does not report efficiency" in run.err and "abandonmentRate" in run.err
    assert cxone.requests_since() == []


def test_an_unknown_skill_is_an_error(cxone: CxoneCli) -> None:
    run = cxone.run("metrics", str(cxone.spec), "--skill", "Inbound_Support")
    assert run.code == 1 and "no live Personal Connection skill named 'Inbound_Support'" in run.err


def test_csv_and_the_markdown_chart_against_the_skills_threshold(cxone: CxoneCli) -> None:
    text = cxone.run(
        "metrics", str(cxone.spec), "--skill", "Collections_East", *WINDOW, "--format", "csv"
    )
    lines = list(csv.reader(io.StringIO(text.out)))
    assert lines[0][:3] == ["interval_start", "interval_end", "abandonmentRate"]
    assert len(lines) == 11
    md = cxone.run(
        "metrics", str(cxone.spec), "--skill", "Collections_East", *WINDOW, "--format", "markdown"
    )
    assert md.code == 0, md.text
    assert "vs skill's abandonRateThreshold 2.50%" in md.out
    assert "```mermaid" in md.out


def test_audit_says_the_admin_api_keeps_none_for_skills(cxone: CxoneCli) -> None:
    run = cxone.run("audit", str(cxone.spec))
    assert run.code == 1
    assert "keeps no audit history of skills or their parameters" in run.err
    assert "audit.jsonl" in run.err
    assert f"reconciler audit verify {cxone.spec}" in run.err
    assert cxone.requests_since() == []
