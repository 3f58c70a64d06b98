"""Retries of DialerV1Client: 429, 5xx, dropped connections and timeouts on reads; deadlines."""

from __future__ import annotations

import pytest

from reconciler.dialer_v1 import errors
from tests.dialer_v1.test_client_harness import make_harness

SETTINGS = "/api/v1/dialer/settings"


async def test_429_with_retry_after_waits_what_the_server_asked() -> None:
    h = make_harness()
    h.emu.faults.http_error(429, path=SETTINGS, retry_after=7)
    async with h.client() as client:
        await client.get_settings()
        assert client.stats.rate_limited == 1 and client.stats.retries == 1
    assert h.statuses("GET", SETTINGS) == [429, 200]
    assert h.time.slept == [7.0]
    # The 429 carried no X-RateLimit-Limit, so the read limiter took a fifth off its guess;
    # the next answer announced the limit, which it adopted.
    kinds = ["limit_changed", "rate_limited", "retry", "limit_changed"]
    assert [e.kind for e in h.events] == kinds
    assert h.events[-1].reason == "reads: 1000 a minute, announced by the API (was 800)"


async def test_429_without_retry_after_backs_off_with_jitter() -> None:
    h = make_harness()
    h.emu.faults.http_error(429, path=SETTINGS, count=3)
    async with h.client(backoff_base_seconds=1.0) as client:
        await client.get_settings()
    assert h.statuses("GET", SETTINGS) == [429, 429, 429, 200]
    # Full jitter: attempt n waits uniform(0, base * 2**(n-1)).
    assert len(h.time.slept) == 3
    for n, delay in enumerate(h.time.slept, start=1):
        assert 0 <= delay <= 2 ** (n - 1)


async def test_the_servers_own_rate_limit_is_honoured_via_its_headers() -> None:
    h = make_harness(read_limit_per_minute=3)
    async with h.client() as client:
        for _ in range(5):
            await client.get_settings()
        assert client.stats.read_limit_per_minute == 3  # announced on the first answer
    # Reads are paced by the announced limit, so none meets a 429.
    assert h.statuses("GET", SETTINGS) == [200] * 5
    assert max(h.time.slept) > 1  # waited for a token at 3 a minute, not a short backoff


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_on_reads_is_retried(status: int) -> None:
    h = make_harness()
    h.emu.faults.http_error(status, path=SETTINGS, count=2)
    async with h.client() as client:
        await client.get_settings()
        assert client.stats.retries == 2
    assert h.statuses("GET", SETTINGS) == [status, status, 200]


async def test_persistent_5xx_is_a_server_error_after_max_attempts() -> None:
    h = make_harness()
    h.emu.faults.http_error(500, path=SETTINGS, count=10)
    async with h.client(max_attempts=3) as client:
        with pytest.raises(errors.ServerError, match="3 attempt"):
            await client.get_settings()
    assert h.statuses("GET", SETTINGS) == [500, 500, 500]


async def test_persistent_429_is_rate_limited_with_retry_after() -> None:
    h = make_harness()
    h.emu.faults.http_error(429, path=SETTINGS, count=10, retry_after=2)
    async with h.client(max_attempts=2) as client:
        with pytest.raises(errors.RateLimitedError) as caught:
            await client.get_settings()
    assert caught.value.retry_after == 2


async def test_dropped_connection_on_a_read_is_retried() -> None:
    h = make_harness()
    h.emu.faults.drop_connection(path=SETTINGS, count=2)
    async with h.client() as client:
        settings = await client.get_settings()
    assert settings.version_tag
    assert h.statuses("GET", SETTINGS) == [None, None, 200]


async def test_persistent_drops_are_a_transport_error() -> None:
    h = make_harness()
    h.emu.faults.drop_connection(path=SETTINGS, count=10)
    async with h.client(max_attempts=2) as client:
        with pytest.raises(errors.TransportError):
            await client.get_settings()


async def test_total_deadline_stops_retrying() -> None:
    h = make_harness()
    h.emu.faults.http_error(503, path=SETTINGS, count=50, retry_after=30)
    async with h.client(max_attempts=50, request_deadline_seconds=100) as client:
        with pytest.raises(errors.DeadlineExceeded, match="deadline"):
            await client.get_settings()
    # 30 s apart: the fourth wait would pass 100 s, so it gave up after four attempts.
    assert h.statuses("GET", SETTINGS) == [503] * 4
    assert sum(h.time.slept) <= 100


async def test_a_slow_answer_times_out_and_is_retried() -> None:
    h = make_harness()
    h.emu.faults.latency(0.5, path=SETTINGS)  # real seconds; the attempt timeout is 0.02 s
    async with h.client(timeout_seconds=0.02, max_attempts=2) as client:
        with pytest.raises(errors.TransportError, match="timed out"):
            await client.get_settings()
        assert client.stats.requests_by_method["GET"] == 2


async def test_policy_validation_is_retried_like_a_read() -> None:
    h = make_harness()
    settings_path = "/api/v1/dialer/policies/validate"
    h.emu.faults.drop_connection(method="POST", path=settings_path)
    h.emu.faults.http_error(502, method="POST", path=settings_path)
    async with h.client() as client:
        live = await client.get_settings()
        result = await client.validate_policy(live.body)
    assert result.passed
    assert h.statuses("POST", settings_path) == [None, 502, 200]
