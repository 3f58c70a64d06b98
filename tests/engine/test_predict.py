"""Plan predictions: present where they belong, deterministic, schema-valid, and warned on."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import SecretStr

from reconciler.cli.main import main
from reconciler.desired import load_desired_state
from reconciler.dialer_v1.client import DialerV1Client
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, serve_in_thread
from reconciler.engine.from_specs import plan_desired_state
from reconciler.engine.plan import Plan
from reconciler.engine.predict import (
    WARNING_CODE,
    AbandonmentLimit,
    abandonment_warning,
    make_predictor,
)
from tests.factories import backend

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "specs" / "example"
SEED = ROOT / "reconciler" / "demo" / "live-tenant.yaml"
SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
EAST = "campaigns/collections-east.yaml"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy)
    return copy


def edit(spec: Path, relative: str, old: str, new: str) -> None:
    path = spec / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


async def plan_of(spec: Path, *, predict: bool = True) -> Plan:
    state = load_desired_state(spec)
    emu = Emulator.from_seed_file(SEED, EmulatorConfig())
    client = DialerV1Client("http://127.0.0.1", "t", SecretStr("s"), transport=emu.transport())
    async with client as api:
        plan, _ = await plan_desired_state(
            backend(api),
            state,
            prune=False,
            created_at="2026-11-24T05:00:00Z",
            predictor=make_predictor(state) if predict else None,
        )
    return plan


def by_address(plan: Plan) -> dict[str, Any]:
    return {str(c.address): c.to_json() for c in plan.changes}


async def test_created_and_updated_campaigns_carry_before_and_after(spec: Path) -> None:
    plan = await plan_of(spec)
    changes = by_address(plan)
    east = changes["Campaign.Collections_East"]["prediction"]
    assert east["before"]["method"] == "simulation" and east["after"]["method"] == "simulation"
    assert east["before"]["peak_concurrent_calls"] > east["after"]["peak_concurrent_calls"]
    created = changes["Campaign.Renewals_Central"]["prediction"]
    assert created["before"] is None and created["after"]["method"] == "analytic"
    assert created["after"]["abandonment_rate"] == 0.0
    # Settings and webhooks are not campaigns: no prediction.
    assert "prediction" not in changes["DialerSettings.Predictive_Outbound_01"]
    assert "prediction" not in changes["Webhook.WFM_Dialer_Sync"]
    jsonschema.validate(plan.to_json(), SCHEMA)
    keys = {
        "abandonment_rate",
        "abandonment_rate_ci95",
        "agent_utilization",
        "average_wait_sec",
        "peak_concurrent_calls",
        "calls_blocked_by_carrier",
        "calls_placed",
        "calls_answered",
        "calls_abandoned",
    }
    assert keys <= set(east["after"])


async def test_predictions_are_deterministic_so_saved_plans_are_stable(spec: Path) -> None:
    first, second = await plan_of(spec), await plan_of(spec)
    assert first.digest == second.digest


async def test_no_predictor_no_predictions(spec: Path) -> None:
    plan = await plan_of(spec, predict=False)
    assert all(c.prediction is None for c in plan.changes)


async def test_a_risky_ratio_warns_with_the_limits_it_passes(spec: Path) -> None:
    edit(spec, EAST, "max_simultaneous_calls: 40", "max_simultaneous_calls: 80")
    edit(spec, EAST, "dial_ratio: 1.6", "dial_ratio: 4.0")
    edit(spec, EAST, "call_spacing_ms: 150", "call_spacing_ms: 0")
    edit(spec, EAST, "agent_availability_estimate: 0.85", "agent_availability_estimate: 1.0")
    plan = await plan_of(spec)
    warnings = [w for w in plan.warnings if w.code == WARNING_CODE]
    assert len(warnings) == 1
    w = warnings[0]
    assert w.message.startswith("Campaign.Collections_East: predicted abandonment")
    assert "the campaign's abandonment_rate_target 2.50%" in w.message
    assert "the US legal limit 3.00% (47 CFR 64.1200(a)(7)" in w.message
    assert w.source is not None and "collections-east.yaml:" in w.source
    after = by_address(plan)["Campaign.Collections_East"]["prediction"]["after"]
    assert after["abandonment_rate"] > 0.03


async def test_safe_plans_do_not_warn(spec: Path) -> None:
    plan = await plan_of(spec)
    assert not [w for w in plan.warnings if w.code == WARNING_CODE]


def test_the_upper_end_of_the_interval_alone_warns() -> None:
    after = {"abandonment_rate": 0.02, "abandonment_rate_ci95": [0.012, 0.028]}
    limits = [AbandonmentLimit(0.025, "the target"), AbandonmentLimit(0.03, "the law")]
    w = abandonment_warning("Campaign.A", after, limits, None)
    assert w is not None and w.code == WARNING_CODE
    assert "upper end of its 95% interval exceeds the target 2.50%" in w.message
    assert "the law" not in w.message and "the estimate exceeds" not in w.message
    inside = {"abandonment_rate": 0.01, "abandonment_rate_ci95": [0.005, 0.02]}
    assert abandonment_warning("Campaign.A", inside, limits, None) is None


@pytest.fixture
def served(spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    emu = Emulator.from_seed_file(SEED, EmulatorConfig())
    with serve_in_thread(emu) as url:
        monkeypatch.setenv("CXONE_BASE_URL", url)
        monkeypatch.setenv("CXONE_CLIENT_ID", "t")
        monkeypatch.setenv("CXONE_CLIENT_SECRET", "s")
        monkeypatch.setenv("RECONCILER_STATE_DIR", str(tmp_path / "state"))
        yield spec


def test_plan_cli_json_has_predictions_and_no_predict_drops_them(
    served: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(served), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    predicted = [c["name"] for c in data["changes"] if c.get("prediction")]
    assert predicted == ["Collections_East", "Renewals_Central", "VIP_Callbacks_West"]
    assert main(["plan", str(served), "--format", "json", "--no-predict"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert not [c for c in data["changes"] if c.get("prediction")]
