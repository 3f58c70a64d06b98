"""Seed documents: make_tenant is valid and deterministic; seed files load as YAML or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from reconciler.dialer_v1.bodies import CampaignBody, WebhookBody
from reconciler.dialer_v1.emulator import Emulator, ManualClock, make_tenant


def test_make_tenant_is_valid_and_deterministic() -> None:
    tenant = make_tenant(campaigns=50, webhooks=3, seed=7)
    assert tenant == make_tenant(campaigns=50, webhooks=3, seed=7)
    assert tenant != make_tenant(campaigns=50, webhooks=3, seed=8)
    for body in tenant["campaigns"]:
        CampaignBody.model_validate(body)
        assert "id" not in body
    for body in tenant["webhooks"]:
        assert WebhookBody.model_validate(body).auth.token is not None
    assert len({c["name"] for c in tenant["campaigns"]}) == 50


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_seed_files(tmp_path: Path, suffix: str) -> None:
    tenant = make_tenant(campaigns=4, webhooks=2, seed=3)
    path = tmp_path / f"tenant{suffix}"
    path.write_text(json.dumps(tenant) if suffix == ".json" else yaml.safe_dump(tenant))
    emu = Emulator.from_seed_file(path)
    live = emu.tenant_json()
    assert [c["name"] for c in live["campaigns"]] == [c["name"] for c in tenant["campaigns"]]
    assert (
        emu.webhook_token(tenant["webhooks"][1]["name"]) == (tenant["webhooks"][1]["auth"]["token"])
    )


def test_invalid_seeds_are_refused(tmp_path: Path) -> None:
    tenant = make_tenant(campaigns=2)
    tenant["campaigns"][1]["name"] = tenant["campaigns"][0]["name"]
    with pytest.raises(ValueError, match="appears twice"):
        Emulator(tenant=tenant, clock=ManualClock())
    broken = make_tenant()
    broken["settings"]["concurrency"]["max_agents"] = 0
    with pytest.raises(ValueError):
        Emulator(tenant=broken)
    path = tmp_path / "bad.yaml"
    path.write_text("campaigns: []\n")
    with pytest.raises(ValueError, match="settings"):
        Emulator.from_seed_file(path)
