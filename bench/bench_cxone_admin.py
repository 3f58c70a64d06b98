"""Benchmark of the CXone admin client against `reconciler emulator --api cxone-admin`.

The emulator runs as the CLI in a child process, seeded with SKILLS Personal Connection
skills, with LATENCY_SECONDS injected per request (a remote tenant). Three reads of the
whole tenant's dialer settings:

1. one aggregated `GET /skills/parameters` (what a plan does): requests against the bound
   of token + discovery + 1, and wall time against a bound of 1 s for SKILLS skills;
2. paging the skill list at top=100: wall time against the bound of sequential pages
   (pages x latency);
3. the naive way, seven single-block GETs per skill at the client's concurrency (10):
   wall time against its own bound (requests / 10 x latency), and how many times slower
   than (1) it is.

Run: `.venv/bin/python bench/bench_cxone_admin.py`.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from reconciler.cxone_admin.auth import AccessKeyCredentials
from reconciler.cxone_admin.blocks import BLOCK_NAMES
from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.cxone_admin.emulator import default_seed
from reconciler.dialer_v1.client import ClientOptions

SKILLS = 1_000
LATENCY_SECONDS = 0.02
AGGREGATED_BOUND_SECONDS = 1.0
TOP = 100
CONCURRENCY = 10


def seed_file(directory: Path) -> Path:
    """The default seed with SKILLS PC skills cloned from its first one."""
    seed: dict[str, Any] = default_seed()
    template = seed["skills"][0]
    others = [s for s in seed["skills"] if s.get("outboundStrategy") != "Personal Connection"]
    seed["skills"] = [
        {**template, "skillId": 20_000 + i, "skillName": f"Outbound_{i:05d}", "isRunning": False}
        for i in range(SKILLS)
    ] + others
    seed["dncGroups"] = []
    path = directory / "seed.json"
    path.write_text(json.dumps(seed))
    return path


def client(url: str) -> CxoneAdminClient:
    credentials = AccessKeyCredentials("bench", SecretStr("k"), "app", SecretStr("s"))
    options = ClientOptions(timeout_seconds=60, max_in_flight=CONCURRENCY)
    return CxoneAdminClient(credentials, issuer_url=url, options=options)


async def aggregated(url: str) -> tuple[float, int, int]:
    async with client(url) as api:
        start = time.perf_counter()
        everything = await api.all_parameters()
        wall = time.perf_counter() - start
        return wall, api.stats.requests, sum(len(p.blocks) for p in everything.values())


async def paging(url: str) -> tuple[float, int]:
    async with client(url) as api:
        await api.api_base()  # token and discovery first: only the pages are timed
        start = time.perf_counter()
        count = len([s async for s in api.iter_skills(page_size=TOP)])
        return time.perf_counter() - start, count


async def per_block(url: str) -> tuple[float, int]:
    async with client(url) as api:
        skills = [s.skillId async for s in api.iter_skills(page_size=TOP)]
        before = api.stats.requests
        start = time.perf_counter()
        await asyncio.gather(
            *(api.get_block(skill, name) for skill in skills for name in BLOCK_NAMES)
        )
        return time.perf_counter() - start, api.stats.requests - before


async def main(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as control:
        answer = await control.post("/_emulator/faults/latency", json={"seconds": LATENCY_SECONDS})
        answer.raise_for_status()
    wall, requests, blocks = await aggregated(url)
    print(
        f"aggregated read of {SKILLS} skills ({blocks} blocks, {LATENCY_SECONDS * 1000:.0f} ms"
        f" latency): {requests} requests / bound 3 = {requests / 3:.2f}x;"
        f" wall {wall:.2f} s / bound {AGGREGATED_BOUND_SECONDS:.2f} s"
        f" = {wall / AGGREGATED_BOUND_SECONDS:.2f}x"
    )
    paged, count = await paging(url)
    pages = -(-(count + 3) // TOP)
    bound = pages * LATENCY_SECONDS
    print(
        f"page {count} PC skills (top={TOP}, {pages} pages): wall {paged:.2f} s"
        f" / bound {bound:.2f} s = {paged / bound:.2f}x"
    )
    naive, naive_requests = await per_block(url)
    naive_bound = naive_requests / CONCURRENCY * LATENCY_SECONDS
    print(
        f"per-block reads ({naive_requests} GETs at {CONCURRENCY} in flight): wall {naive:.2f} s"
        f" / bound {naive_bound:.2f} s = {naive / naive_bound:.2f}x;"
        f" the aggregated read is {naive / wall:.1f}x faster"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        seed = seed_file(Path(directory))
        command = [sys.executable, "-m", "reconciler", "emulator", "--api", "cxone-admin"]
        command += ["--port", "0", "--seed", str(seed)]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            line = server.stdout.readline().strip()
            if not line.startswith("emulator listening on http://127.0.0.1:"):
                raise SystemExit(f"the emulator did not start (got {line!r})")
            asyncio.run(main(line.rsplit(" ", 1)[-1]))
        finally:
            server.terminate()
            server.wait(timeout=30)
