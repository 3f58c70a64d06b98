"""`reconciler export` against the emulator over a socket: deterministic, clean round trip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.cli.main import main
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, make_tenant, serve_in_thread


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Emulator]:
    tenant = make_tenant(campaigns=40, webhooks=3, seed=7)
    tenant["campaigns"].append({**tenant["campaigns"][0], "name": "Odd name/with spaces"})
    # Distinct API names that fold to one file name: each must keep its own file.
    for name in ("Sales_East", "Sales-East", "sales_east"):
        tenant["campaigns"].append({**tenant["campaigns"][0], "name": name})
    emu = Emulator(EmulatorConfig(operation_seconds=0.0), tenant=tenant)
    with serve_in_thread(emu) as base_url:
        monkeypatch.setenv("CXONE_BASE_URL", base_url)
        monkeypatch.setenv("CXONE_CLIENT_ID", "id")
        monkeypatch.setenv("CXONE_CLIENT_SECRET", "secret")
        monkeypatch.setenv("RECONCILER_STATE_DIR", str(tmp_path / "state"))
        yield emu


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_export_twice_is_byte_identical_and_plans_clean(
    served: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a" / "prod", tmp_path / "b" / "prod"
    assert main(["export", "--out", str(first)]) == 0
    assert main(["export", "--out", str(second)]) == 0
    assert _tree(first) == _tree(second)
    files = _tree(first)
    assert len([f for f in files if f.startswith("campaigns/")]) == 44
    assert len([f for f in files if f.startswith("webhooks/")]) == 3
    for text in files.values():
        assert text.startswith(b"# yaml-language-server: $schema=")
    for name in served.tenant_json()["webhooks"]:
        token = served.webhook_token(name["name"])
        assert token and all(token.encode() not in blob for blob in files.values())
    assert b"token_from" in next(v for k, v in files.items() if k.startswith("webhooks/"))
    capsys.readouterr()
    seen = len(served.requests)
    assert main(["plan", str(first), "--detailed-exitcode"]) == 0
    assert "No changes" in capsys.readouterr().out
    plan_requests = served.requests[seen:]
    assert {r.method for r in plan_requests if r.path != "/oauth/token"} == {"GET"}


def test_export_refuses_to_overwrite_existing_specs(
    served: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "prod"
    assert main(["export", "--out", str(out)]) == 0
    assert main(["export", "--out", str(out)]) == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    assert main(["export", "--out", str(out), "--force"]) == 0
