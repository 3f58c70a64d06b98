"""Benchmark (issue 4): `reconciler plan` on 2,000 and 10,000 campaigns with 20 ms latency.

For each size `reconciler emulator` runs as a process serving a generated tenant (50
webhooks) over a loopback socket; the spec directory is the tenant's own `reconciler export`
with 20 campaigns changed. Then:
- `python -m reconciler plan DIR --format json` runs as a process with 20 ms injected per
  request: wall time, HTTP requests (target: pages + 3 at most);
- the same with no latency: the local work (interpreter start, spec load, diff, render),
  wall and the plan process's own CPU;
- the bound: the sequential page fetches the plan needs x 20 ms (token, settings, every
  campaign page and webhook page, one after another); target wall <= 1.5 x bound + local,
  local < 1 s (2,000);
- peak RSS of the plan process (target under 200 MB for 10,000);
- labelled as a baseline: what the seed and a typical Terraform provider do, one GET per
  resource with parallelism 10, through the client library in this process.
Run: .venv/bin/python bench/bench_plan.py [--sizes 2000,10000]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import tempfile
import time
from pathlib import Path

from measure import cli_env, emulator_process, export_specs, figure, note, run_cli
from pydantic import SecretStr

from reconciler.dialer_v1.client import ClientOptions, DialerV1Client
from reconciler.dialer_v1.emulator import make_tenant

LATENCY = 0.020
WEBHOOKS = 50
CHANGED = 20
RSS_BOUND_MB = 200.0
LOCAL_BOUND_S = 1.0  # for 2,000 campaigns
LOCAL_BOUND_SIZE = 2_000
LIMITS = ("--read-limit", "1000000", "--write-limit", "1000000", "--operation-seconds", "0")


def prepare_specs(spec: Path) -> None:
    """Give the exported Tenant a roomy carrier; change the first CHANGED campaigns."""
    tenant = spec / "tenant.yaml"
    tenant.write_text(
        tenant.read_text().replace(
            "  prune: false",
            "  prune: false\n  carrier: {max_trunks: 1000000, current_utilization_percent: 0}",
        ),
        encoding="utf-8",
    )
    for path in sorted((spec / "campaigns").glob("*.yaml"))[:CHANGED]:
        text = path.read_text()
        path.write_text(
            re.sub(r"max_agents: (\d+)", lambda m: f"max_agents: {int(m[1]) + 1}", text, count=1)
        )


async def baseline(base_url: str, campaign_ids: list[str], webhook_ids: list[str]) -> float:
    """One GET per resource, 10 at a time (the seed's and a Terraform refresh's way)."""
    gate = asyncio.Semaphore(10)
    opts = ClientOptions()
    async with DialerV1Client(base_url, "bench", SecretStr("bench"), options=opts) as client:
        await client.get_settings()  # token fetched, read limit announced, outside the timing
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
    seed = make_tenant(campaigns=size, webhooks=WEBHOOKS, seed=1)
    with tempfile.TemporaryDirectory() as tmp, emulator_process(seed, *LIMITS) as emu:
        state = Path(tmp) / "s"
        spec = export_specs(emu.url, Path(tmp) / "bench", state)
        prepare_specs(spec)
        env = cli_env(emu.url, state)
        argv = ["plan", str(spec), "--format", "json"]
        local = run_cli(argv, env)
        emu.control("faults/latency", {"seconds": LATENCY})
        seen = len(emu.requests())
        slow = run_cli(argv, env)
        requests = len(emu.requests()) - seen
        emu.control("faults/clear", {})
        tenant = emu.tenant()
        base = asyncio.run(
            baseline(
                emu.url,
                [c["id"] for c in tenant["campaigns"]],
                [w["id"] for w in tenant["webhooks"]],
            )
        )
    changes = slow.out.count('"action": "update"')
    pages = math.ceil(size / 500) + math.ceil(WEBHOOKS / 500)
    sequential = 1 + 1 + pages  # token, settings, every page one after another
    bound = sequential * LATENCY
    print(
        f"== plan, {size} campaigns + {WEBHOOKS} webhooks, {LATENCY * 1000:.0f} ms/request "
        f"({changes} changes found)"
    )
    figure(f"plan {size}: HTTP requests", requests, "", pages + 3, digits=0)
    if size == LOCAL_BOUND_SIZE:
        figure(f"plan {size}: local work, 0 ms (CLI process)", local.seconds, "s", LOCAL_BOUND_S)
        note("includes the emulator building the pages")
        figure(f"plan {size}: the plan process's own CPU", local.cpu_seconds, "s", LOCAL_BOUND_S)
    else:
        note(f"local work, 0 ms: {local.seconds:.2f} s; its own CPU {local.cpu_seconds:.2f} s")
    target = 1.5 * bound + local.seconds
    figure(f"plan {size}: wall, 20 ms (CLI process)", slow.seconds, "s", target)
    note(f"bound: 1.5 x {sequential} sequential requests x 20 ms + local {local.seconds:.2f} s")
    network = max(0.0, slow.seconds - local.seconds)
    figure(f"plan {size}: network part (wall - local)", network, "s", bound)
    figure(f"plan {size}: peak RSS of the plan process", slow.peak_rss_mb, "MB", RSS_BOUND_MB)
    note(
        f"baseline (client library in this process, one GET per resource, parallelism 10): "
        f"{base:.2f} s for {size + WEBHOOKS + 1} requests; the whole plan command is "
        f"{base / slow.seconds:.1f}x faster"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2000,10000")
    for size in parser.parse_args().sizes.split(","):
        bench(int(size))


if __name__ == "__main__":
    main()
