"""The example specs load into a DesiredState with merged tool-only blocks and a digest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import SecretStr

from reconciler.desired import SimulationBlock, load_desired_state, validate_spec_dir
from reconciler.dialer_v1.bodies import body_to_json

EXAMPLE = Path(__file__).resolve().parents[2] / "specs" / "example"


def test_example_is_clean() -> None:
    state, diagnostics = validate_spec_dir(EXAMPLE)
    assert diagnostics == ()
    assert state is not None
    assert state.environment == "example"
    assert [c.name for c in state.campaigns] == [
        "Collections_East",
        "Renewals_Central",
        "VIP_Callbacks_West",
    ]
    assert {c.body.type for c in state.campaigns} == {"predictive", "progressive", "preview"}
    assert len({c.body.calling_hours.timezone for c in state.campaigns}) == 3
    assert state.settings is not None and state.settings.body.name == "Predictive_Outbound_01"
    assert state.tenant is not None and state.tenant.spec.carrier is not None
    assert state.tenant.spec.carrier.free_trunks == pytest.approx(82.5)
    assert state.digest.startswith("sha256:") and len(state.digest) == 7 + 64


def test_sources_point_at_document_starts() -> None:
    state = load_desired_state(EXAMPLE)
    east = state.campaign("Collections_East")
    assert east.source.path.endswith("campaigns/collections-east.yaml")
    assert (east.source.line, east.source.col) == (2, 1)


def test_simulation_merges_field_by_field() -> None:
    state = load_desired_state(EXAMPLE)
    # Collections_East overrides answer_rate; the rest comes from the Tenant or defaults.
    assert state.simulation_for("Collections_East") == SimulationBlock(
        answer_rate=0.3, talk_time_sec=180, wrap_time_sec=0, ring_time_sec=20
    )
    assert state.simulation_for("Renewals_Central").talk_time_sec == 240
    assert state.simulation_for("VIP_Callbacks_West") == SimulationBlock()


def test_verify_merges_and_defaults() -> None:
    state = load_desired_state(EXAMPLE)
    east = state.verify_for("Collections_East")
    assert east is not None
    assert set(east.metrics) == {"abandonmentRate", "efficiency"}
    assert (east.watch_seconds, east.interval_seconds) == (900, 60)
    west = state.verify_for("VIP_Callbacks_West")
    assert west is not None and west.metrics["abandonmentRate"].max == 0.03


def test_webhook_token_only_by_reference() -> None:
    state = load_desired_state(EXAMPLE)
    (hook,) = state.webhooks
    assert hook.token_env == "WFM_WEBHOOK_TOKEN"
    assert hook.body_without_token.auth.token is None
    body = hook.body_with_token(SecretStr("t0ken"))
    assert body_to_json(body, reveal_secrets=True)["auth"] == {"type": "bearer", "token": "t0ken"}
    assert "t0ken" not in repr(body) and "t0ken" not in repr(hook)


def test_digest_changes_with_any_byte_and_any_rename(tmp_path: Path) -> None:
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy)
    first = load_desired_state(copy).digest
    assert load_desired_state(copy).digest == first
    east = copy / "campaigns" / "collections-east.yaml"
    east.write_text(east.read_text() + "# a comment changes the bytes\n")
    second = load_desired_state(copy).digest
    assert second != first
    east.rename(copy / "campaigns" / "collections-east2.yaml")
    assert load_desired_state(copy).digest not in (first, second)


def test_warnings_are_carried_by_the_state(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "env")
    (tmp_path / "env" / "tenant.yaml").unlink()
    state = load_desired_state(tmp_path / "env")
    assert [w.code for w in state.warnings] == ["no-carrier"]
    assert state.tenant is None
    assert state.simulation_for("Renewals_Central") == SimulationBlock(talk_time_sec=240)
    assert state.verify_for("Renewals_Central") is None
