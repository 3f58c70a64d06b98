"""The post-apply guard on outbound skills, end to end over a socket: it reads the source
the Tenant names, restores on a breach, and leaves the change live when it cannot read."""

from __future__ import annotations

from tests.cli.cxone import CxoneCli

WATCH = ["--verify-watch-seconds", "0.2"]
SUMMARY = "/inContactAPI/services/v30.0/skills/11002/summary"


def guarded(cli: CxoneCli, source: str) -> None:
    cli.edit_spec("tenant.yaml", {"spec": {"metrics_source": source}})
    cli.edit_spec(
        "skills/renewals-central.yaml",
        {"verify": {"metrics": {"abandonmentRate": {"max": 0.03}}}},
    )


def pin(cli: CxoneCli, connects: int, abandons: int) -> None:
    for name, value in (("dials", 4 * connects), ("connects", connects), ("abandons", abandons)):
        cli.emu.set_metric("Renewals_Central", name, value)


def apply(cli: CxoneCli) -> tuple[int, str]:
    run = cli.run("apply", str(cli.spec), "--auto-approve", *WATCH)
    return run.code, run.text


def test_a_skill_within_its_bound_holds(cxone: CxoneCli) -> None:
    guarded(cxone, "dialer-contacts")
    pin(cxone, connects=100, abandons=2)
    code, text = apply(cxone)
    assert code == 0, text
    assert "Guard: Renewals_Central held every bound" in text
    assert cxone.emu.block("Renewals_Central", "generalSettings")["maximumRatio"] == 2


def test_a_breach_read_from_the_skill_summary_restores_the_skill(cxone: CxoneCli) -> None:
    guarded(cxone, "skill-summary")
    pin(cxone, connects=100, abandons=6)
    code, text = apply(cxone)
    assert code == 1, text
    assert "Guard BREACH: abandonmentRate 0.06" in text
    assert cxone.emu.block("Renewals_Central", "generalSettings")["maximumRatio"] == 3
    reads = [r.path for r in cxone.requests_since() if r.path.endswith("/summary")]
    assert reads and not any("dialer-contacts" in r.path for r in cxone.requests_since())
    audit = (cxone.state_root / "cxone-example" / "audit.jsonl").read_text()
    assert '"event":"guard-breach"' in audit.replace(" ", "")


def test_auto_falls_back_to_the_dialer_contacts(cxone: CxoneCli) -> None:
    guarded(cxone, "auto")
    pin(cxone, connects=100, abandons=7)
    cxone.emu.faults.http_error(404, count=20, path=SUMMARY)
    code, text = apply(cxone)
    assert code == 1, text
    assert "Guard BREACH: abandonmentRate 0.07" in text
    assert any("dialer-contacts" in r.path for r in cxone.requests_since())


def test_a_source_the_tenant_does_not_serve_leaves_the_change_live(cxone: CxoneCli) -> None:
    guarded(cxone, "skill-summary")
    cxone.emu.faults.http_error(403, count=50, path=SUMMARY)
    code, text = apply(cxone)
    assert code == 1, text
    assert "Guard could not read metrics" in text
    assert "STILL LIVE" in text
    assert cxone.emu.block("Renewals_Central", "generalSettings")["maximumRatio"] == 2
