"""Benchmark (issue 3): reading the API, through the client library and through the CLI.

`reconciler emulator` runs as a process (its own interpreter: the client's and the server's
Python share no GIL) seeded with 10,000 campaigns, its rate limits raised so they do not cap
the measurement (the client adopts the limits the emulator announces).

Client library, in process (labelled so: these measure `DialerV1Client` itself, the layer
every command reads through):
1. read throughput: requests/s with 50 concurrent GETs against the sequential rate (no fixed
   bound: the ratio says what concurrency buys);
2. paging 10,000 campaigns at pageSize 500 with 20 ms injected per request, against the
   sequential page fetches (pages x 20 ms).
The CLI process beside them, the figure a user gets: `reconciler plan` of a spec directory
that holds only the Tenant, so it reads every page of the 10,000 campaigns (and lists them as
unmanaged), with 20 ms per request, against the same plan without latency (its local work:
interpreter, parsing, rendering) plus its requests one after another x 20 ms. No command
issues 50 concurrent reads of one resource, so (1) has no CLI counterpart.
Run: .venv/bin/python bench/bench_client.py
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from measure import cli_env, emulator_process, figure, note, run_cli
from pydantic import SecretStr

from reconciler.dialer_v1.client import ClientOptions, DialerV1Client
from reconciler.dialer_v1.emulator import make_tenant

CAMPAIGNS = 10_000
PAGE_SIZE = 500
LATENCY_SECONDS = 0.02
CONCURRENCY = 50
SEQUENTIAL_READS = 400
CONCURRENT_READS = 2_000
TENANT = "apiVersion: dialer.cxone/v1\nkind: Tenant\nmetadata: {name: prod}\nspec: {}\n"
LIMITS = ("--read-limit", str(10**9), "--write-limit", str(10**6), "--operation-seconds", "0")


def client(base_url: str) -> DialerV1Client:
    return DialerV1Client(
        base_url, "bench", SecretStr("bench-secret"), options=ClientOptions(timeout_seconds=60)
    )


async def sequential_rate(base_url: str) -> float:
    async with client(base_url) as api:
        await api.get_settings()  # token, connection and the announced read limit
        start = time.perf_counter()
        for _ in range(SEQUENTIAL_READS):
            await api.get_settings()
        return SEQUENTIAL_READS / (time.perf_counter() - start)


async def concurrent_rate(base_url: str) -> tuple[float, int]:
    async with client(base_url) as api:
        await api.get_settings()
        per_worker = CONCURRENT_READS // CONCURRENCY

        async def worker() -> None:
            for _ in range(per_worker):
                await api.get_settings()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - start
        return per_worker * CONCURRENCY / elapsed, api.stats.retries


async def paging_seconds(base_url: str) -> tuple[float, int]:
    async with client(base_url) as api:
        await api.get_settings()
        start = time.perf_counter()
        count = 0
        async for _ in api.iter_campaigns(page_size=PAGE_SIZE):
            count += 1
        return time.perf_counter() - start, count


def main() -> int:
    seed = make_tenant(campaigns=CAMPAIGNS, webhooks=1)
    pages = -(-CAMPAIGNS // PAGE_SIZE)
    with (
        tempfile.TemporaryDirectory(prefix="bench-client-") as tmp,
        emulator_process(seed, *LIMITS) as emu,
    ):
        seq = asyncio.run(sequential_rate(emu.url))
        conc, retries = asyncio.run(concurrent_rate(emu.url))
        env = cli_env(emu.url, Path(tmp) / "state")
        spec = Path(tmp) / "prod"
        spec.mkdir()
        (spec / "tenant.yaml").write_text(TENANT, encoding="utf-8")
        plan = ["plan", str(spec), "--format", "json"]
        local = run_cli(plan, env)
        emu.control("faults/latency", {"seconds": LATENCY_SECONDS})
        wall, count = asyncio.run(paging_seconds(emu.url))
        seen = len(emu.requests())
        slow = run_cli(plan, env)
        requests = len(emu.requests()) - seen
        unmanaged = len(json.loads(slow.out)["unmanaged"])
    assert count == CAMPAIGNS, f"paged {count} campaigns, expected {CAMPAIGNS}"
    print(f"== reading {CAMPAIGNS} campaigns from `reconciler emulator` (a separate process)")
    figure(
        f"client library (in process): {CONCURRENCY} concurrent reads",
        conc,
        "req/s",
        seq,
        digits=0,
    )
    note(
        f"bound: the sequential rate, {SEQUENTIAL_READS} GETs one after another; "
        f"{CONCURRENT_READS} GETs, {retries} retries"
    )
    figure(
        f"client library (in process): page {count} campaigns, {LATENCY_SECONDS * 1000:.0f} ms"
        " latency",
        wall,
        "s",
        pages * LATENCY_SECONDS,
    )
    note(f"bound: {pages} pages of {PAGE_SIZE} fetched one after another x 20 ms")
    bound = local.seconds + requests * LATENCY_SECONDS
    figure(
        f"CLI process: reconciler plan reading {CAMPAIGNS} campaigns, 20 ms latency",
        slow.seconds,
        "s",
        bound,
    )
    note(
        f"bound: the same plan without latency {local.seconds:.2f} s (local work) + "
        f"{requests} requests one after another x 20 ms; {unmanaged} campaigns listed"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
