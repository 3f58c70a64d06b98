"""`reconciler demo --api cxone-admin` runs every step of the real-tenant walk-through."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_cxone_admin_demo_behaves_as_announced(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    for name in ("CXONE_BASE_URL", "CXONE_API_URL", "RECONCILER_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert main(["demo", "--api", "cxone-admin"]) == 0
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "Demo finished: 12 of 12 steps as expected." in out
    assert "EXPECTED" not in out
    for seen in (
        "The tenant can be managed with these specs.",
        "Guard BREACH: abandonmentRate 0.05",
        "every touched resource was restored to its pre-apply content and verified",
        "Rollback complete",
        "hash chain intact",
    ):
        assert seen in out
    assert "demo-access-key-secret" not in out and "demo-app-secret" not in out
    # The example directory itself is untouched (the demo edits a copy).
    assert "verify:" not in (ROOT / "specs/cxone-example/skills/collections-east.yaml").read_text()


def test_a_spec_dir_without_a_tenant_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["demo", "--api", "cxone-admin", "--spec-dir", str(tmp_path)]) == 1
    assert "has no tenant.yaml" in capsys.readouterr().err
