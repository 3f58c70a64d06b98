"""The guardrails on a CXone admin tenant (`api: cxone-admin`), end to end.

`specs/cxone-example` (two skills, one DNC group) against the cxone-admin emulator over a
loopback socket, through the CLI: the gate counts skills and DNC groups, windows and
protections apply to them (tenant-wide: their kind declares no calling hours), a targeted
plan writes only its target, and a stale plan is explained through the skill's managed
fields only.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.cli.main import main
from reconciler.cxone_admin.emulator import AdminEmulator, AdminEmulatorConfig, serve_in_thread
from tests.engine.test_guardrails_e2e import closed_window

EXAMPLE = Path(__file__).resolve().parents[2] / "specs" / "cxone-example"
SKILL_FILE = "skills/collections-east.yaml"


class AdminCli:
    """The CLI against one cxone-admin emulator, with a copy of the example specs."""

    def __init__(self, emu: AdminEmulator, spec: Path, capsys: pytest.CaptureFixture[str]):
        self.emu, self.spec, self.capsys = emu, spec, capsys

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def apply(self, *extra: str) -> tuple[int, str, str]:
        return self.run("apply", str(self.spec), "--auto-approve", "--no-verify", *extra)

    def edit(self, relative: str, changes: dict[str, Any]) -> None:
        path = self.spec / relative
        doc = yaml.safe_load(path.read_text())
        doc.update(changes)
        path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def edit_spec(self, relative: str, changes: dict[str, Any]) -> None:
        path = self.spec / relative
        doc = yaml.safe_load(path.read_text())
        doc["spec"].update(changes)
        path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def plan(self, *extra: str) -> dict[str, Any]:
        code, out, err = self.run(
            "plan", str(self.spec), "--format", "json", "--no-predict", *extra
        )
        assert code == 0, err
        data: dict[str, Any] = json.loads(out)
        return data


@pytest.fixture
def admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[AdminCli]:
    emu = AdminEmulator(AdminEmulatorConfig())
    spec = tmp_path / "cxone-example"
    shutil.copytree(EXAMPLE, spec)
    with serve_in_thread(emu) as url:
        for name, value in {
            "CXONE_ISSUER_URL": url,
            "CXONE_ACCESS_KEY_ID": "AK-guardrails",
            "CXONE_ACCESS_KEY_SECRET": "ak-guardrails-secret",
            "CXONE_CLIENT_ID": "guardrails-app",
            "CXONE_CLIENT_SECRET": "guardrails-app-secret",
            "RECONCILER_STATE_DIR": str(tmp_path / "state"),
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("CXONE_API_URL", raising=False)
        cli = AdminCli(emu, spec, capsys)
        # Bring the tenant in line with the specs first (the gate is not the subject here).
        code, out, err = cli.apply("--allow-large-change")
        assert code == 0, out + err
        yield cli


def skill_change(cli: AdminCli, threshold: float) -> None:
    general = {**_general(cli), "abandonRateThreshold": threshold}
    cli.edit_spec(SKILL_FILE, {"generalSettings": general})


def _general(cli: AdminCli) -> dict[str, Any]:
    doc = yaml.safe_load((cli.spec / SKILL_FILE).read_text())
    general: dict[str, Any] = doc["spec"]["generalSettings"]
    return general


def test_the_gate_counts_skills_and_dnc_groups(admin: AdminCli) -> None:
    admin.edit("tenant.yaml", {"spec": {**_tenant(admin), "max_change_share": 0.3}})
    skill_change(admin, 2.0)  # 1 update of 3 managed resources: 33% > 30%
    data = admin.plan()
    assert data["gate"]["managed"] == 3 and data["gate"]["trips"] is True
    code, _, err = admin.apply()
    assert code == 1 and "1 of the 3 managed resources" in err
    admin.edit("tenant.yaml", {"spec": {**_tenant(admin), "max_change_share": 0.34}})
    assert admin.apply()[0] == 0


def _tenant(cli: AdminCli) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((cli.spec / "tenant.yaml").read_text())["spec"]
    return spec


def test_a_skill_outside_its_window_is_refused_and_read_in_utc(admin: AdminCli) -> None:
    skill_change(admin, 2.0)
    admin.edit("tenant.yaml", {"spec": {**_tenant(admin), "max_change_share": 1.0}})
    windows, _ = closed_window()
    admin.edit(SKILL_FILE, {"change_windows": windows})
    (change,) = admin.plan()["changes"]
    assert change["window"]["open"] is False and change["window"]["zone"] == "UTC"
    code, _, err = admin.apply()
    assert code == 1 and "OutboundSkill.Collections_East: outside its change windows" in err
    code, _, _ = admin.apply("--override-window", "BU maintenance")
    assert code == 0


def test_a_targeted_plan_and_a_stale_one_on_skills(admin: AdminCli, tmp_path: Path) -> None:
    admin.edit("tenant.yaml", {"spec": {**_tenant(admin), "max_change_share": 1.0}})
    skill_change(admin, 2.0)
    admin.edit_spec("dnc-groups/internal-dnc.yaml", {"dncGroupDescription": "Opted out"})
    data = admin.plan("--target", "DncGroup/Internal_DNC")
    assert [c["kind"] for c in data["changes"]] == ["DncGroup"]
    assert set(data["seen"]) == {"OutboundSkill"}  # the drifted skill left out, as compared
    saved = tmp_path / "plan.json"
    code, _, _ = admin.run("plan", str(admin.spec), "--no-predict", "--out", str(saved))
    assert code == 0
    admin.emu.edit_block(  # someone edits the skill in the admin console
        "Collections_East", "generalSettings", {"maximumRatio": 1}
    )
    code, out, err = admin.run("show", str(saved), "--check", str(admin.spec), "--format", "json")
    assert code == 1, out + err
    assert out, err
    (moved,) = json.loads(out)["resources"]
    paths = [f["path"] for f in moved["fields"]]
    assert paths == ["generalSettings.maximumRatio"]  # managed fields only
