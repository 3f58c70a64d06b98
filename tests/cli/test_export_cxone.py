"""`reconciler export` of a real CXone tenant (`api: cxone-admin`), end to end over a socket:
the files validate, `plan` on them shows no changes, and a second export is byte-identical."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cli.cxone import SECRETS, CxoneCli


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def test_export_round_trips_and_is_byte_identical(cxone: CxoneCli, tmp_path: Path) -> None:
    first, second = tmp_path / "out" / "prod", tmp_path / "again" / "prod"
    run = cxone.run("export", "--out", str(first))  # CXONE_ISSUER_URL chooses cxone-admin
    assert run.code == 0, run.text
    assert sorted(files(first)) == [
        "dnc-groups/internal-dnc.yaml",
        "dnc-groups/national-dnc.yaml",
        "dnc-groups/retired-state-list.yaml",
        "skills/collections-east.yaml",
        "skills/renewals-central.yaml",
        "skills/winback-west.yaml",
        "tenant.yaml",
    ]
    assert cxone.writes_since() == []
    tenant = yaml.safe_load((first / "tenant.yaml").read_text())["spec"]
    assert tenant["api"] == "cxone-admin" and tenant["issuer_url"] == cxone.url
    assert tenant["credentials"]["access_key_secret_env"] == "CXONE_ACCESS_KEY_SECRET"
    skill = yaml.safe_load((first / "skills" / "renewals-central.yaml").read_text())
    assert skill["kind"] == "OutboundSkill" and skill["metadata"]["name"] == "Renewals_Central"
    blocks = skill["spec"]
    assert list(blocks) == [
        "generalSettings",
        "retrySettings",
        "cpaSettings",
        "scheduleSettings",
        "timeZoneSettings",
        "deliveryPreferences",
        "dncGroups",
    ]
    assert blocks["generalSettings"]["maximumRatio"] == 3
    assert "maximumAttempts" not in blocks["retrySettings"]  # managed in generalSettings
    assert blocks["timeZoneSettings"] == [
        {
            "standardName": "Central Standard Time",
            "startTime": "09:00",
            "endTime": "20:00",
            "timeZoneActiveToCall": True,
            "overrideTime": True,
        }
    ]
    assert blocks["dncGroups"] == ["National_DNC"]
    text = "".join(p.decode() for p in files(first).values())
    assert not any(secret in text for secret in SECRETS)

    assert cxone.run("validate", str(first)).code == 0
    plan = cxone.run("plan", str(first), "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert "No changes." in plan.out

    assert cxone.run("export", "--out", str(second)).code == 0
    assert files(first) == files(second)


def test_what_a_spec_cannot_hold_is_left_out_and_named(cxone: CxoneCli, tmp_path: Path) -> None:
    cxone.emu.edit_block("Winback_West", "generalSettings", {"dialingMode": "turbo"})
    cxone.emu.edit_block("Collections_East", "generalSettings", {"maximumRatio": 4})
    out = tmp_path / "prod"
    run = cxone.run("export", "--api", "cxone-admin", "--out", str(out))
    assert run.code == 0, run.text
    assert "Left out of the specs (the tenant keeps these values):" in run.err
    assert (
        "OutboundSkill.Winback_West: generalSettings.dialingMode (a field the tool does not know)"
        in run.err
    )
    assert (
        "OutboundSkill.Collections_East: generalSettings.maximumRatio 4 (outside its "
        "documented range)" in run.err
    )
    general = yaml.safe_load((out / "skills" / "collections-east.yaml").read_text())["spec"][
        "generalSettings"
    ]
    assert "maximumRatio" not in general
    # Only the zones called are listed; the emulator's skills know every zone of the unit.
    zones = yaml.safe_load((out / "skills" / "winback-west.yaml").read_text())["spec"][
        "timeZoneSettings"
    ]
    assert [z["standardName"] for z in zones] == ["Mountain Standard Time", "Pacific Standard Time"]
    assert cxone.run("plan", str(out), "--detailed-exitcode").code == 0


def test_a_given_api_host_is_written_and_discovery_skipped(cxone: CxoneCli, tmp_path: Path) -> None:
    cxone.setenv("CXONE_API_URL", cxone.url)  # the issuer (for the token) stays the emulator
    out = tmp_path / "prod"
    run = cxone.run("export", "--out", str(out), "--api-version", "28")
    assert run.code == 0, run.text
    spec = yaml.safe_load((out / "tenant.yaml").read_text())["spec"]
    assert spec["api_url"] == cxone.url and spec["api_version"] == 28
    assert not any("well-known" in r.path for r in cxone.requests_since())
    assert all("/v28.0/" in r.path for r in cxone.requests_since() if "inContact" in r.path)


def test_two_apis_named_by_the_environment_is_an_error(cxone: CxoneCli, tmp_path: Path) -> None:
    cxone.setenv("CXONE_BASE_URL", "http://127.0.0.1:9")
    run = cxone.run("export", "--out", str(tmp_path / "prod"))
    assert run.code == 1
    assert "which tenant to export is not clear" in run.err and "--api" in run.err
    assert cxone.requests_since() == []


def test_missing_credentials_are_named(cxone: CxoneCli, tmp_path: Path) -> None:
    cxone.monkeypatch.delenv("CXONE_ACCESS_KEY_SECRET")
    run = cxone.run("export", "--out", str(tmp_path / "prod"))
    assert run.code == 1 and "set CXONE_ACCESS_KEY_SECRET" in run.err
    assert not (tmp_path / "prod").exists()
