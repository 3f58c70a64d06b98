"""`reconciler demo --api cxone-admin`: the real-tenant walk-through on the embedded emulator.

The CXone admin API's emulator (issuer, discovery and API on one loopback port) holds the
tenant `specs/cxone-example` was written for; two skills differ from the specs. The demo
runs what a user runs against a real tenant: doctor, validate, plan, apply with the guard
watching, drift after someone edits a skill in the admin console, rollback to the
last-known-good, a change whose block write the tenant refuses (what was written before it
is restored), a change the guard undoes when abandonment climbs, snapshots and the audit
chain. Every step checks its exit code; the demo exits 1 if any step behaved otherwise.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from reconciler.cli.demo import WATCH, edit, environment, finish, step

# The skill the demo's guard watches, and its bound (abandoned / live answers).
WATCHED = "Collections_East"
VERIFY = """staffing:
  agents: 40
verify:
  metrics:
    abandonmentRate: {max: 0.03}
"""
RENEWALS_PUT = "/inContactAPI/services/v30.0/skills/11002/parameters/general-settings"


def _pin(emu: object, connects: int, abandons: int) -> None:
    """Every dialer-contacts interval of the watched skill reports these counts."""
    for name, value in (("dials", 4 * connects), ("connects", connects), ("abandons", abandons)):
        emu.set_metric(WATCHED, name, value)  # type: ignore[attr-defined]


def run_cxone_admin(source: Path) -> int:
    """The walk-through on `source` (a copy is edited; the directory itself is not)."""
    # Imported here: the emulator (Starlette, uvicorn) is not needed by any other command.
    from reconciler.cxone_admin.emulator import AdminEmulator, serve_in_thread

    emu = AdminEmulator()
    with (
        tempfile.TemporaryDirectory(prefix="reconciler-demo-") as tmp,
        serve_in_thread(emu) as url,
    ):
        work = Path(tmp) / source.name
        shutil.copytree(source, work)
        # The guard needs a bound to watch: the demo's copy gives the skill one.
        edit(work / "skills" / "collections-east.yaml", "staffing:\n  agents: 40\n", VERIFY)
        env = {
            "CXONE_ISSUER_URL": url,
            "CXONE_ACCESS_KEY_ID": "demo-access-key",
            "CXONE_ACCESS_KEY_SECRET": "demo-access-key-secret",
            "CXONE_CLIENT_ID": "demo-app",
            "CXONE_CLIENT_SECRET": "demo-app-secret",
            "RECONCILER_STATE_DIR": str(Path(tmp) / "state"),
        }
        print(
            f"CXone admin emulator (issuer, discovery and API) listening on {url}; its "
            f"tenant differs from {source}/ in two skills."
        )
        with environment(env):
            results = _walk(emu, work)
    return finish(results)


def _walk(emu: object, work: Path) -> list[bool]:
    spec = str(work)
    results = [
        step(
            "1. Doctor: can this tenant be managed? (read-only: only GETs and the token)",
            ["doctor", spec],
            0,
        ),
        step("2. Validate the specs offline (no network)", ["validate", spec], 0),
        step(
            "3. Plan: what would change on the live tenant",
            ["plan", spec, "--detailed-exitcode"],
            2,
        ),
    ]
    _pin(emu, connects=100, abandons=1)  # 1%: inside the 3% bound
    results += [
        step(
            "4. Apply: snapshot, re-read each block and check its digest, write it whole, "
            "verify; the guard watches Collections_East's abandonment",
            ["apply", spec, "--auto-approve", *WATCH],
            0,
        ),
        step("5. Drift: the tenant now matches the repo", ["drift", spec], 0),
    ]
    emu.edit_block("Renewals_Central", "generalSettings", {"maximumRatio": 3})  # type: ignore[attr-defined]
    results += [
        step(
            "6. Someone raises Renewals_Central's maximumRatio in the admin console; drift "
            "catches it",
            ["drift", spec],
            2,
        ),
        step(
            "7. Rollback: the last-known-good snapshot is restored, verified",
            ["rollback", spec, "--auto-approve"],
            0,
        ),
        step("8. Drift: back in sync", ["drift", spec], 0),
    ]
    edit(
        work / "skills" / "collections-east.yaml",
        "abandonRateThreshold: 2.5",
        "abandonRateThreshold: 2",
    )
    edit(work / "skills" / "renewals-central.yaml", "maximumRatio: 2", "maximumRatio: 1")
    emu.faults.http_error(400, method="PUT", path=RENEWALS_PUT)  # type: ignore[attr-defined]
    results.append(
        step(
            "9. A change whose second block write the tenant refuses (400): the first skill, "
            "already written, is restored from the snapshot and verified",
            ["apply", spec, "--auto-approve", *WATCH],
            1,
        )
    )
    _pin(emu, connects=100, abandons=5)  # 5%: above the bound
    results += [
        step(
            "10. The same change goes live, but abandonment climbs to 5% (bound 3%): the "
            "guard restores the pre-apply state",
            ["apply", spec, "--auto-approve", *WATCH],
            1,
        ),
        step("11. Snapshots (* marks the last-known-good)", ["snapshots", spec], 0),
        step("12. The local audit trail's hash chain", ["audit", "verify", spec], 0),
    ]
    return results
