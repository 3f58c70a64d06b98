"""Benchmark of the CXone client against the emulator over loopback sockets (issue 3, Measure).

1. Read throughput: requests/s with 50 concurrent GETs, compared with the sequential rate
   (there is no fixed bound; the ratio says what concurrency buys).
2. Paging: time to read 10,000 campaigns at pageSize 500 with 20 ms injected latency per
   request, against the bound of sequential page fetches (pages x 20 ms).

The emulator runs in a child process (its own interpreter, so the client's and the server's
Python do not share one GIL), with the read limit raised so the limiter of the emulator does
not cap the measurement. Run: `.venv/bin/python bench/bench_client.py`.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import httpx
from pydantic import SecretStr

from reconciler.dialer_v1.client import ClientOptions, DialerV1Client

CAMPAIGNS = 10_000
PAGE_SIZE = 500
LATENCY_SECONDS = 0.02
CONCURRENCY = 50
SEQUENTIAL_READS = 400
CONCURRENT_READS = 2_000

SERVER = f"""
import asyncio, socket, sys, threading
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, make_tenant
from reconciler.dialer_v1.emulator.server import base_url, bind_socket, make_server
emu = Emulator(EmulatorConfig(read_limit_per_minute=10**9, write_limit_per_minute=10**6),
               tenant=make_tenant(campaigns={CAMPAIGNS}, webhooks=1))
sock = bind_socket("127.0.0.1", 0)
# Accepted sockets inherit TCP_NODELAY: without it, uvicorn's separate header and body writes
# meet Nagle's algorithm and the client's delayed ACK, flooring every request at ~40 ms.
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
server = make_server(emu, log_level="error")
threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True).start()
while not server.started:
    threading.Event().wait(0.01)
print(base_url(sock), flush=True)
sys.stdin.read()
server.should_exit = True
"""


def client(base_url: str) -> DialerV1Client:
    return DialerV1Client(
        base_url, "bench", SecretStr("bench-secret"), options=ClientOptions(timeout_seconds=60)
    )


async def sequential_rate(base_url: str) -> float:
    async with client(base_url) as api:
        await api.get_settings()  # token and connection warm-up
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
        async with httpx.AsyncClient(base_url=base_url) as control:
            answer = await control.post(
                "/_emulator/faults/latency", json={"seconds": LATENCY_SECONDS}
            )
            answer.raise_for_status()
        start = time.perf_counter()
        count = 0
        async for _ in api.iter_campaigns(page_size=PAGE_SIZE):
            count += 1
        return time.perf_counter() - start, count


async def main(base_url: str) -> None:
    seq = await sequential_rate(base_url)
    conc, retries = await concurrent_rate(base_url)
    print(f"sequential reads: {seq:.0f} req/s ({SEQUENTIAL_READS} GETs)")
    print(
        f"{CONCURRENCY} concurrent reads: {conc:.0f} req/s / sequential {seq:.0f} req/s"
        f" = {conc / seq:.2f}x ({CONCURRENT_READS} GETs, {retries} retries)"
    )
    wall, count = await paging_seconds(base_url)
    pages = -(-CAMPAIGNS // PAGE_SIZE)
    bound = pages * LATENCY_SECONDS
    assert count == CAMPAIGNS, f"paged {count} campaigns, expected {CAMPAIGNS}"
    print(
        f"page {count} campaigns ({pages} pages of {PAGE_SIZE}, {LATENCY_SECONDS * 1000:.0f} ms"
        f" latency): wall {wall:.2f} s / bound {bound:.2f} s = {wall / bound:.2f}x"
    )


if __name__ == "__main__":
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit(f"the emulator did not start (got {url!r})")
        asyncio.run(main(url))
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)
