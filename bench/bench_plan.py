"""Benchmark (issue 4): `reconciler plan` on 2,000 and 10,000 campaigns with 20 ms latency.

For each size: the emulator serves a generated tenant (50 webhooks) over a loopback socket;
the spec directory is the tenant's own export with 20 campaigns changed. Then:
- `python -m reconciler plan DIR --format json` runs as a subprocess with 20 ms injected per
  request: wall time, HTTP requests (target: pages + 3 at most);
- the same with no latency: the local work (interpreter start, spec load, diff, render);
- the bound: the sequential page fetches the plan needs x 20 ms (token, settings, every
  campaign page and webhook page, one after another); target wall <= 1.5 x bound + local,
  local < 1 s (2,000) ;
- peak RSS of the plan process (target under 200 MB for 10,000);
- the baseline in the same run: what the seed and a typical Terraform provider do, one GET
  per resource with parallelism 10, through the same client and emulator.
Run: .venv/bin/python bench/bench_plan.py [--sizes 2000,10000]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from reconciler.dialer_v1.client import ClientOptions, DialerV1Client
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, make_tenant, serve_in_thread
from reconciler.dialer_v1.kinds import DIALER_V1
from reconciler.engine.export import export_files
from reconciler.kinds import Backend

LATENCY = 0.020
WEBHOOKS = 50
CHANGED = 20


def write_specs(emu: Emulator, base_url: str, out: Path) -> None:
    async def read() -> dict[str, str]:
        async with DialerV1Client(base_url, "bench", SecretStr("bench")) as client:
            live = await Backend(DIALER_V1, client).observe()
        tenant = {"base_url": base_url, "compliance": {"jurisdiction": "US"}, "prune": False}
        return export_files(live, environment="bench", tenant_spec=tenant)

    for rel, text in asyncio.run(read()).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (out / "tenant.yaml").write_text(
        (out / "tenant.yaml")
        .read_text()
        .replace(
            "  prune: false",
            "  prune: false\n  carrier: {max_trunks: 1000000, current_utilization_percent: 0}",
        ),
        encoding="utf-8",
    )
    for path in sorted((out / "campaigns").glob("*.yaml"))[:CHANGED]:
        text = path.read_text()
        path.write_text(
            re.sub(r"max_agents: (\d+)", lambda m: f"max_agents: {int(m[1]) + 1}", text, count=1)
        )


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_plan(spec: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", "plan", str(spec), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"plan failed: {proc.stderr[-2000:]}")
    return wall, proc.stdout


async def baseline(base_url: str, campaign_ids: list[str], webhook_ids: list[str]) -> float:
    """One GET per resource, 10 at a time (the seed's and a Terraform refresh's way)."""
    gate = asyncio.Semaphore(10)
    opts = ClientOptions()
    async with DialerV1Client(base_url, "bench", SecretStr("bench"), options=opts) as client:
        await client.get_settings()  # token fetched outside the timing
        start = time.perf_counter()

        async def get(kind: str, rid: str) -> None:
            async with gate:
                if kind == "c":
                    await client.get_campaign(rid)
                else:
                    await client.get_webhook(rid)

        await asyncio.gather(
            client.get_settings(),
            *(get("c", i) for i in campaign_ids),
            *(get("w", i) for i in webhook_ids),
        )
        return time.perf_counter() - start


def bench(size: int) -> None:
    emu = Emulator(
        EmulatorConfig(
            operation_seconds=0.0,
            read_limit_per_minute=10_000_000,
            write_limit_per_minute=10_000_000,
        ),
        tenant=make_tenant(campaigns=size, webhooks=WEBHOOKS, seed=1),
    )
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(emu) as base_url:
        spec = Path(tmp) / "bench"
        write_specs(emu, base_url, spec)
        env = {
            **os.environ,
            "CXONE_BASE_URL": base_url,
            "CXONE_CLIENT_ID": "bench",
            "CXONE_CLIENT_SECRET": "bench",
            "RECONCILER_STATE_DIR": str(Path(tmp) / "s"),
        }
        cpu_before = child_cpu()
        local, _ = run_plan(spec, env)
        local_cpu = child_cpu() - cpu_before
        emu.faults.latency(LATENCY)
        seen = len(emu.requests)
        wall, out = run_plan(spec, env)
        requests = emu.requests[seen:]
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        changes = out.count('"action": "update"')
        pages = math.ceil(size / 500) + math.ceil(WEBHOOKS / 500)
        sequential = 1 + 1 + pages  # token, settings, every page one after another
        bound = sequential * LATENCY
        tj = emu.tenant_json()
        base = asyncio.run(
            baseline(
                base_url, [c["id"] for c in tj["campaigns"]], [w["id"] for w in tj["webhooks"]]
            )
        )
    print(
        f"\n== plan, {size} campaigns + {WEBHOOKS} webhooks, {LATENCY * 1000:.0f} ms/request "
        f"({changes} changes found)"
    )
    print(
        f"HTTP requests        {len(requests)} / bound pages+3 = {pages + 3} "
        f"= {len(requests) / (pages + 3):.2f}x"
    )
    print(
        f"local work (0 ms)    {local:.2f} s wall / bound 1.00 s = {local:.2f}x "
        "(includes the emulator building the pages)"
    )
    print(
        f"  of which the plan process's own CPU {local_cpu:.2f} s / bound 1.00 s = {local_cpu:.2f}x"
    )
    target = 1.5 * bound + local
    print(
        f"wall (20 ms)         {wall:.2f} s / bound 1.5 x {bound:.2f} s + local {local:.2f} s"
        f" = {target:.2f} s -> {wall / target:.2f}x"
    )
    print(
        f"network part         {max(0.0, wall - local):.2f} s vs sequential fetches "
        f"{bound:.2f} s = {max(0.0, wall - local) / bound:.2f}x"
    )
    print(f"peak RSS (children)  {rss_mb:.0f} MB / bound 200 MB = {rss_mb / 200:.2f}x")
    print(
        f"baseline 1 GET/resource, parallelism 10: {base:.2f} s "
        f"({size + WEBHOOKS + 1} requests) -> reconciler is {base / max(wall - local, 1e-9):.1f}x "
        f"faster on the network part, {base / wall:.1f}x on the whole command"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2000,10000")
    for size in parser.parse_args().sizes.split(","):
        bench(int(size))


if __name__ == "__main__":
    main()
