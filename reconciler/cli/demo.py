"""`reconciler demo`: the whole loop on the embedded emulator, over a real loopback socket.

Starts the emulator seeded with a live tenant that differs from `specs/example/`, then runs
the same commands a user would: validate, plan, apply, drift, an out-of-band edit caught by
drift, a failed activation rolled back, a metric breach rolled back by the post-apply
guard, snapshots and the audit chain. Each step checks its
exit code; the demo fails (exit 1) if any step behaved differently from what it announces.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigError

HELP = "run validate, plan, apply, drift and a rolled-back failure on the embedded emulator"
DEMO_TOKEN = "demo-wfm-token"  # a made-up value for the emulator only
# The example specs watch for 900 s; the demo watches briefly (one read per campaign).
WATCH = ["--verify-watch-seconds", "0.2"]


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("demo", help=HELP, description=HELP + ".")
    p.add_argument(
        "--api",
        choices=("dialer-v1", "cxone-admin"),
        default="dialer-v1",
        help="the modelled dialer API (default), or the real-tenant walk-through of the CXone "
        "admin API (doctor, validate, plan, apply, drift, rollback, a failed block write "
        "restored, a guard breach)",
    )
    p.add_argument(
        "--spec-dir",
        help="the specs to apply (default: specs/example, or specs/cxone-example with "
        "--api cxone-admin)",
    )
    p.set_defaults(func=run)


def banner(text: str) -> None:
    print(f"\n\x1b[1m== {text}\x1b[0m" if sys.stdout.isatty() else f"\n== {text}", flush=True)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def step(title: str, argv: list[str], expect: int) -> bool:
    from reconciler.cli.main import main

    banner(f"{title}\n$ reconciler {' '.join(argv)}")
    sys.stdout.flush()
    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    ok = code == expect
    print(f"-> exit {code} ({'as expected' if ok else f'EXPECTED {expect}'})", flush=True)
    return ok


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise ConfigError(f"demo: cannot find {old!r} in {path}")
    path.write_text(text.replace(old, new), encoding="utf-8")


def spec_source(given: str | None, default: str) -> Path:
    """The demo's specs: `--spec-dir`, else the example, checked to hold a Tenant."""
    source = Path(given or default)
    if not (source / "tenant.yaml").exists():
        raise ConfigError(
            f"demo: {source} has no tenant.yaml",
            hint="run the demo from the repository root, or pass --spec-dir",
        )
    return source


def finish(results: list[bool]) -> int:
    """The closing line, and the exit code: 0 when every step behaved as announced."""
    failed = results.count(False)
    banner(f"Demo finished: {len(results) - failed} of {len(results)} steps as expected.")
    return 0 if failed == 0 else 1


def run(args: argparse.Namespace) -> int:
    if args.api == "cxone-admin":
        from reconciler.cli.demo_cxone import run_cxone_admin

        return run_cxone_admin(spec_source(args.spec_dir, "specs/cxone-example"))
    # Imported here: the emulator (Starlette, uvicorn) is not needed by any other command.
    from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, serve_in_thread

    source = spec_source(args.spec_dir, "specs/example")
    seed = resources.files("reconciler.demo").joinpath("live-tenant.yaml")
    emu = Emulator.from_seed_file(Path(str(seed)), EmulatorConfig(operation_seconds=0.2))
    with (
        tempfile.TemporaryDirectory(prefix="reconciler-demo-") as tmp,
        serve_in_thread(emu) as base_url,
    ):
        work = Path(tmp) / source.name
        shutil.copytree(source, work)
        env = {
            "CXONE_BASE_URL": base_url,
            "CXONE_CLIENT_ID": "demo",
            "CXONE_CLIENT_SECRET": "demo-secret",
            "WFM_WEBHOOK_TOKEN": DEMO_TOKEN,
            "RECONCILER_STATE_DIR": str(Path(tmp) / "state"),
        }
        print(
            f"Emulator listening on {base_url}, seeded with a live tenant that differs "
            f"from {source}/ (see reconciler/demo/live-tenant.yaml)."
        )
        results: list[bool] = []
        with environment(env):
            spec = str(work)
            results.append(
                step("1. Validate the specs offline (no network)", ["validate", spec], 0)
            )
            results.append(
                step(
                    "2. Plan: what would change on the live tenant",
                    ["plan", spec, "--detailed-exitcode"],
                    2,
                )
            )
            # Analytics that hold the verify: bounds (the emulator's are random otherwise).
            emu.set_metric("Collections_East", "abandonmentRate", 0.012)
            emu.set_metric("Collections_East", "efficiency", 0.82)
            results.append(
                step(
                    "3. Apply: snapshot, write with If-Match, await, verify; the guard "
                    "watches the changed campaigns' metrics",
                    ["apply", spec, "--auto-approve", *WATCH],
                    0,
                )
            )
            results.append(step("4. Drift: the tenant now matches the repo", ["drift", spec], 0))
            emu.edit_campaign("Collections_East", {"algorithm": {"dial_ratio": 3.0}})
            results.append(
                step(
                    "5. Someone raises Collections_East's dial ratio in the "
                    "admin console; drift catches it",
                    ["drift", spec],
                    2,
                )
            )
            results.append(
                step(
                    "6. Apply restores the repo's value",
                    ["apply", spec, "--auto-approve", *WATCH],
                    0,
                )
            )
            edit(work / "campaigns" / "collections-east.yaml", "max_agents: 25", "max_agents: 20")
            edit(work / "campaigns" / "renewals-central.yaml", "max_agents: 20", "max_agents: 18")
            emu.faults.fail_operation(name="Renewals_Central", partially_applied=True)
            results.append(
                step(
                    "7. A change whose activation fails half-way: every touched "
                    "resource is restored from the snapshot and verified",
                    ["apply", spec, "--auto-approve"],
                    1,
                )
            )
            emu.set_metric("Collections_East", "abandonmentRate", 0.041)
            results.append(
                step(
                    "8. The same change goes live, but abandonment climbs to 4.1% "
                    "(bound 2.5%): the guard restores the pre-apply state",
                    ["apply", spec, "--auto-approve", *WATCH],
                    1,
                )
            )
            results.append(
                step("9. Snapshots (* marks the last-known-good)", ["snapshots", spec], 0)
            )
            results.append(
                step("10. The local audit trail's hash chain", ["audit", "verify", spec], 0)
            )
    return finish(results)
