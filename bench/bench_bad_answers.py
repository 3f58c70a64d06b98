"""Benchmark (issue 11): `reconciler plan` against a misbehaving server fails in bounded time.

The emulator serves 10,000 campaigns (20 pages of 500) over a loopback socket with 20 ms
per request; the spec directory is the tenant's own export cut to 20 campaigns (the rest
stay unmanaged), so the figures are about reading the tenant, not loading 10,000 files.
`python -m reconciler plan` runs as a subprocess:
- healthy: the wall time of a plan that reads every page (the reference);
- endless paging: every page answers the token it was fetched with (`page_token` fault);
  the plan must stop at page 2, so it must take less than the healthy plan (ratio < 1), and
  its exit must be 1 with one error line and its hint;
- a broken settings answer (HTML) while the campaign and webhook reads are held up for 3 s:
  the other reads are cancelled, so the error must come well before those 3 s are over
  (bound: the healthy plan's local work + 3 s).
Run: .venv/bin/python bench/bench_bad_answers.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_plan import write_specs

from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, make_tenant, serve_in_thread

CAMPAIGNS = 10_000
LATENCY = 0.020
HELD_SECONDS = 3.0
KEPT_SPECS = 20


def run_plan(spec: Path, env: dict[str, str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", "plan", str(spec), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    return time.perf_counter() - start, proc.returncode, proc.stderr


def faulted(emu: Emulator, setup: Callable[[Emulator], None]) -> None:
    emu.faults.clear()
    emu.faults.latency(LATENCY)
    setup(emu)


def endless(emu: Emulator) -> None:
    emu.faults.page_token(path="/api/v1/campaigns")


def html_settings(emu: Emulator) -> None:
    emu.faults.latency(HELD_SECONDS, path="/api/v1/campaigns")
    emu.faults.latency(HELD_SECONDS, path="/api/v1/integrations/webhooks")
    emu.faults.replace_body(
        "<html><title>Sign in</title></html>",
        content_type="text/html",
        path="/api/v1/dialer/settings",
    )


def main() -> None:
    emu = Emulator(
        EmulatorConfig(operation_seconds=0.0, read_limit_per_minute=10_000_000),
        tenant=make_tenant(campaigns=CAMPAIGNS, webhooks=5, seed=1),
    )
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(emu) as base_url:
        spec = Path(tmp) / "bench"
        write_specs(emu, base_url, spec)
        for path in sorted((spec / "campaigns").glob("*.yaml"))[KEPT_SPECS:]:
            path.unlink()
        env = {
            **os.environ,
            "CXONE_BASE_URL": base_url,
            "CXONE_CLIENT_ID": "bench",
            "CXONE_CLIENT_SECRET": "bench",
            "RECONCILER_STATE_DIR": str(Path(tmp) / "s"),
        }
        local, code, _ = run_plan(spec, env)
        assert code == 0, "the healthy plan at 0 ms failed"
        emu.faults.latency(LATENCY)
        healthy, code, _ = run_plan(spec, env)
        assert code == 0, "the healthy plan failed"
        faulted(emu, endless)
        seen = len(emu.requests)
        looped, loop_code, loop_err = run_plan(spec, env)
        pages = sum(r.path == "/api/v1/campaigns" for r in emu.requests[seen:])
        faulted(emu, html_settings)
        broken, html_code, html_err = run_plan(spec, env)
    print(f"\n== plan, {CAMPAIGNS} campaigns, {LATENCY * 1000:.0f} ms/request")
    print(f"healthy plan         {healthy:.2f} s (local work at 0 ms: {local:.2f} s)")
    print(
        f"endless paging       {looped:.2f} s / bound healthy {healthy:.2f} s = "
        f"{looped / healthy:.2f}x (exit {loop_code}, {pages} campaign pages asked,"
        f" {len(loop_err.splitlines())} stderr lines)"
    )
    bound = local + HELD_SECONDS
    print(
        f"HTML settings, other reads held {HELD_SECONDS:.0f} s: {broken:.2f} s / bound"
        f" {bound:.2f} s = {broken / bound:.2f}x (exit {html_code},"
        f" {len(html_err.splitlines())} stderr lines)"
    )


if __name__ == "__main__":
    main()
