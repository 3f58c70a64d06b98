"""The write limiter: pacing under the server's limit, adapting to its headers and 429s."""

from __future__ import annotations

import asyncio

import httpx

from reconciler.dialer_v1.emulator import ManualClock
from reconciler.dialer_v1.limiter import WriteLimiter
from tests.dialer_v1.test_client_harness import FakeTime, make_harness, webhook_body

WEBHOOKS = "/api/v1/integrations/webhooks"


def max_in_any_window(times: list[float], window: float = 60.0) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_bucket_never_admits_more_than_the_limit_in_any_minute() -> None:
    time = FakeTime(ManualClock())
    limiter = WriteLimiter(100, clock=time.now, sleep=time.sleep)
    sent: list[float] = []
    for _ in range(300):
        await limiter.acquire()
        sent.append(time.now())
        limiter.release(None)
    assert max_in_any_window(sent) <= 100
    # ...while staying close to it: 300 writes in about (300 - 10) / 90 minutes.
    assert 180 <= sent[-1] <= 200


async def test_server_headers_stop_writes_until_the_reset() -> None:
    time = FakeTime(ManualClock())
    limiter = WriteLimiter(100, clock=time.now, sleep=time.sleep)
    await limiter.acquire()
    answer = httpx.Response(202, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "42"})
    limiter.release(answer)
    waited = await limiter.acquire()
    assert waited == 42


async def test_a_lower_server_limit_is_adopted() -> None:
    time = FakeTime(ManualClock())
    limiter = WriteLimiter(100, clock=time.now, sleep=time.sleep)
    await limiter.acquire()
    limiter.release(httpx.Response(200, headers={"X-RateLimit-Limit": "20"}))
    assert limiter.per_minute == 20


async def test_a_429_pauses_every_writer_for_retry_after() -> None:
    time = FakeTime(ManualClock())
    limiter = WriteLimiter(100, clock=time.now, sleep=time.sleep)
    await limiter.acquire()
    limiter.release(httpx.Response(429, headers={"Retry-After": "9"}))
    start = time.now()
    await asyncio.gather(limiter.acquire(), limiter.acquire())
    assert time.now() - start >= 9
    assert limiter.per_minute < 100  # no limit header: the real limit is lower than ours


async def test_large_batch_at_the_servers_limit_sees_no_429() -> None:
    h = make_harness(webhooks=0, write_limit_per_minute=100)
    async with h.client(write_limit_per_minute=100) as client:
        await asyncio.gather(
            *(client.create_webhook(webhook_body(f"H{i:03d}")) for i in range(250))
        )
        stats = client.stats
    assert h.statuses("POST", WEBHOOKS) == [201] * 250
    assert stats.rate_limited == 0
    assert stats.throttled_seconds > 0


async def test_stricter_server_limit_costs_at_most_the_first_windows_429s() -> None:
    h = make_harness(webhooks=0, write_limit_per_minute=20)
    async with h.client(write_limit_per_minute=100) as client:
        start = h.time.now()
        for i in range(70):
            await client.create_webhook(webhook_body(f"H{i:03d}"))
    limited = [r for r in h.emu.requests if r.status == 429]
    assert h.statuses("POST", WEBHOOKS).count(201) == 70
    assert len(limited) <= 1
    assert h.time.now() - start < 4 * 60  # 70 writes at 20/min, not crawling
