"""The rate limiters: pacing under the limit, adopting the server's figure up and down, 429s."""

from __future__ import annotations

import asyncio
import math

import httpx
import pytest

from reconciler.dialer_v1.emulator import ManualClock
from reconciler.dialer_v1.limiter import Limiter, Limiters, bucket_shape
from tests.dialer_v1.test_client_harness import FakeTime, make_harness, webhook_body

WEBHOOKS = "/api/v1/integrations/webhooks"
SETTINGS = "/api/v1/dialer/settings"


def most_in_a_minute(times: list[float], window: float = 60.0) -> int:
    """The most requests in any window [t, t + 60 s], both ends included."""
    times = sorted(times)
    best, end = 0, 0
    for start, t in enumerate(times):
        while end < len(times) and times[end] <= t + window:
            end += 1
        best = max(best, end - start)
    return best


def announcing(limit: int, status: int = 202) -> httpx.Response:
    """An answer carrying only `X-RateLimit-Limit`."""
    return httpx.Response(status, headers={"X-RateLimit-Limit": str(limit)})


def limiter_on_fake_time(per_minute: float) -> tuple[Limiter, FakeTime]:
    time = FakeTime(ManualClock())
    return Limiter(per_minute, clock=time.now, sleep=time.sleep), time


async def send(
    limiter: Limiter, time: FakeTime, count: int, answer: httpx.Response | None = None
) -> list[float]:
    """`count` requests one after another, each answered `answer`; their send times."""
    sent: list[float] = []
    for _ in range(count):
        await limiter.acquire()
        sent.append(time.now())
        limiter.release(answer)
    return sent


@pytest.mark.parametrize("per_minute", [1, 1.6, 2, 3, 7, 10, 19.5, 100, 600])
async def test_no_minute_ever_holds_more_than_the_limit(per_minute: float) -> None:
    limiter, time = limiter_on_fake_time(per_minute)
    sent = await send(limiter, time, 3 * math.floor(per_minute) + 5)
    assert most_in_a_minute(sent) <= math.floor(per_minute)


async def test_a_one_a_minute_limit_lets_one_write_through_in_the_first_minute() -> None:
    # The reported bug: the old shape gave a 1/min bucket a token *and* a refill of one a
    # minute, so a second write went out at t = 60 s, inside the first minute's window.
    limiter, time = limiter_on_fake_time(1)
    sent = await send(limiter, time, 3)
    assert sent[1] - sent[0] > 60 and sent[2] - sent[1] > 60
    assert most_in_a_minute(sent) == 1


async def test_a_long_run_goes_at_the_limit_per_61_seconds() -> None:
    limiter, time = limiter_on_fake_time(100)
    sent = await send(limiter, time, 300)
    assert most_in_a_minute(sent) <= 100
    assert most_in_a_minute(sent, window=60.999) <= 100  # the cap's second of margin
    # A burst of 10, then 100/60 a second until the cap's 100 at 54 s; the 101st waits
    # for the first to leave the 61 s window.
    assert sent[9] == 0 and sent[10] == pytest.approx(0.6)
    assert sent[99] == pytest.approx(54) and sent[100] == pytest.approx(61)
    assert sent[-1] == pytest.approx(2 * 61 + 54)


def test_the_bucket_spreads_at_the_limits_own_rate() -> None:
    for limit in (1, 2, 10, 100, 600, 10_000):
        capacity, rate = bucket_shape(limit)
        assert capacity == max(1, limit / 10)
        assert rate * 60 == pytest.approx(limit)


async def test_an_announced_higher_limit_is_adopted_and_grows_the_burst() -> None:
    limiter, time = limiter_on_fake_time(100)
    await limiter.acquire()
    limiter.release(announcing(600))
    assert limiter.per_minute == 600 and limiter.announced
    # The bucket grew by 60 - 10 tokens: 59 more go out at once, the 61st waits.
    start = time.now()
    for _ in range(59):
        assert await limiter.acquire() == 0
        limiter.release(announcing(600))
    assert await limiter.acquire() > 0
    assert time.now() > start


async def test_after_adopting_up_no_minute_holds_more_than_the_new_limit() -> None:
    limiter, time = limiter_on_fake_time(100)
    sent = await send(limiter, time, 400, announcing(600))
    assert limiter.per_minute == 600
    assert most_in_a_minute(sent) <= 600
    # Paced at the announced 600, not the configured 100: a burst of 60, then 10 a second.
    assert sent[-1] == pytest.approx((400 - 60) / 10)


async def test_an_announced_lower_limit_is_adopted_and_cuts_the_burst() -> None:
    limiter, time = limiter_on_fake_time(600)
    sent = await send(limiter, time, 1, announcing(20))
    assert limiter.per_minute == 20
    sent += await send(limiter, time, 60, announcing(20))
    # A fresh 600/min bucket held 60 tokens; after the cut only the new burst of 2 remains,
    # then one every 3 s.
    assert sent[:5] == [0, 0, 0, 3, 6]
    assert most_in_a_minute(sent[3:]) <= 20


async def test_a_lower_limit_counts_the_requests_already_sent() -> None:
    limiter, time = limiter_on_fake_time(600)
    sent = await send(limiter, time, 30, httpx.Response(202))  # of the first burst of 60
    sent += await send(limiter, time, 1, announcing(20))
    sent += await send(limiter, time, 4, announcing(20))
    # 31 went out at t = 0 under the old limit; at 20 a minute nothing more may go until
    # they leave the cap's 61 s window.
    assert sent[31:] == [61, 61, 64, 67]


async def test_the_configured_limit_paces_until_an_answer_says_otherwise() -> None:
    limiter, time = limiter_on_fake_time(20)
    sent = await send(limiter, time, 60, httpx.Response(202))
    assert limiter.per_minute == 20 and not limiter.announced
    assert most_in_a_minute(sent) <= 20


async def test_server_headers_stop_requests_until_the_reset() -> None:
    limiter, _ = limiter_on_fake_time(100)
    await limiter.acquire()
    answer = httpx.Response(202, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "42"})
    limiter.release(answer)
    waited = await limiter.acquire()
    assert waited == 42


async def test_a_429_pauses_every_caller_for_retry_after() -> None:
    limiter, time = limiter_on_fake_time(100)
    await limiter.acquire()
    limiter.release(httpx.Response(429, headers={"Retry-After": "9"}))
    start = time.now()
    await asyncio.gather(limiter.acquire(), limiter.acquire())
    assert time.now() - start >= 9
    assert limiter.per_minute == 80  # no limit header: the real limit is lower than ours


async def test_a_429_without_any_header_pauses_and_slows_down_once() -> None:
    limiter, time = limiter_on_fake_time(100)
    await asyncio.gather(limiter.acquire(), limiter.acquire())
    # Both in-flight requests meet the same overrun: one slow-down, not two.
    limiter.release(httpx.Response(429))
    limiter.release(httpx.Response(429))
    assert limiter.per_minute == 80
    waited = await limiter.acquire()
    _, rate = bucket_shape(100)
    assert waited >= 1 / rate  # paused for one token's time at the old rate
    sent = await send(limiter, time, 200, httpx.Response(202))
    assert most_in_a_minute(sent) <= 80


async def test_a_429_under_an_announced_limit_keeps_the_limit() -> None:
    limiter, time = limiter_on_fake_time(100)
    await send(limiter, time, 1, announcing(600))
    await limiter.acquire()
    limiter.release(httpx.Response(429, headers={"X-RateLimit-Limit": "600", "Retry-After": "5"}))
    assert limiter.per_minute == 600  # someone else spent the budget: wait, do not shrink
    assert await limiter.acquire() == pytest.approx(5)


def test_limiters_split_the_budgets_by_method() -> None:
    time = FakeTime(ManualClock())
    limiters = Limiters(
        writes=Limiter(100, clock=time.now, sleep=time.sleep),
        reads=Limiter(1000, clock=time.now, sleep=time.sleep),
    )
    for method in ("POST", "PUT", "DELETE", "post"):
        assert limiters.for_method(method) is limiters.writes
    assert limiters.for_method("GET") is limiters.reads
    assert limiters.name_of(limiters.reads) == "reads"


def test_a_limit_below_one_a_minute_is_refused() -> None:
    time = FakeTime(ManualClock())
    with pytest.raises(ValueError, match="at least 1"):
        Limiter(0.5, clock=time.now, sleep=time.sleep)


# ---- the client against the emulator (in-process, fake time) ------------------------------


async def test_the_client_adopts_the_announced_write_limit_and_reports_it() -> None:
    h = make_harness(webhooks=0, write_limit_per_minute=600)
    async with h.client() as client:  # configured: the contract's 100
        assert client.stats.write_limit_per_minute == 100
        await asyncio.gather(
            *(client.create_webhook(webhook_body(f"H{i:03d}")) for i in range(120))
        )
        stats = client.stats
    assert stats.write_limit_per_minute == 600 and stats.rate_limited == 0
    changes = [e for e in h.events if e.kind == "limit_changed"]
    assert [(e.method, e.reason) for e in changes] == [
        ("POST", "writes: 600 a minute, announced by the API (was 100)")
    ]


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
