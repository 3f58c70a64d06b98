"""The client-side write limiter: an async token bucket that listens to the server.

The contract limits writes to 100 per minute per tenant (§2). A bucket admits at most
`capacity + rate * T` writes in any interval T, so the bucket is sized to keep that under
the limit for every 60-second window: capacity = limit / 10, rate = (limit - capacity) / 60 s.
A large apply therefore runs at ~90 % of the limit and never hits 429 from pacing alone,
whether the server counts in fixed or sliding windows.

It adapts to what the server says, on answers to POST/PUT/DELETE only (a GET's headers
describe the read budget). The read-like POSTs (policy validation, simulator) are paced like
writes, because the server counts them as writes (contract §2: POST/PUT/DELETE):
- `X-RateLimit-Limit` lower than ours: adopt it (the tenant's limit is stricter).
- `X-RateLimit-Remaining` / `X-RateLimit-Reset`: never send more than the server says
  remain (minus writes still in flight) before the reset; at zero, wait for the reset.
- a 429: stop every writer until `Retry-After` (or the reset), empty the burst, and when
  the server gave no limit header, lower our rate by a fifth (the limit is unknown and
  evidently lower than we thought).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

WINDOW_SECONDS = 60.0
_SLOWDOWN_ON_429 = 0.8
_NEGLIGIBLE_SECONDS = 1e-6


def _header_float(headers: httpx.Headers, name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


class WriteLimiter:
    """Paces writes below `per_minute`; `acquire` before each write, `release` after it."""

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        if per_minute <= 0:
            raise ValueError("the write limit must be positive")
        self._clock = clock
        self._sleep = sleep
        self._limit = per_minute
        self._server_said_limit = False
        self._capacity, self._rate = self._shape(per_minute)
        self._tokens = self._capacity
        self._refilled_at = clock()
        self._blocked_until = 0.0
        self._server_remaining: float | None = None
        self._server_reset_at = 0.0
        self._in_flight = 0
        self._lock = asyncio.Lock()

    @staticmethod
    def _shape(limit: float) -> tuple[float, float]:
        capacity = max(1.0, limit / 10)
        spare = limit - capacity if limit - capacity >= 1 else limit
        return capacity, spare / WINDOW_SECONDS

    @property
    def per_minute(self) -> float:
        """The limit currently applied (lower than configured after adapting)."""
        return self._limit

    def _adopt(self, limit: float) -> None:
        self._limit = limit
        self._capacity, self._rate = self._shape(limit)
        self._tokens = min(self._tokens, self._capacity)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._refilled_at)
        self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
        self._refilled_at = now
        if self._server_remaining is not None and now >= self._server_reset_at:
            self._server_remaining = None  # a new server window began

    def _wait_needed(self, now: float) -> float:
        if self._blocked_until > now:
            return self._blocked_until - now
        if self._server_remaining is not None and self._server_remaining < 1:
            return max(0.0, self._server_reset_at - now)
        if self._tokens >= 1:
            return 0.0
        return (1 - self._tokens) / self._rate

    async def acquire(self) -> float:
        """Wait until one write may go out; returns the seconds waited."""
        waited = 0.0
        async with self._lock:
            while True:
                now = self._clock()
                self._refill(now)
                wait = self._wait_needed(now)
                # Float dust (a token short by 1e-12) must not turn into a sleep that a clock
                # with coarse resolution cannot even register: that would spin forever.
                if wait <= _NEGLIGIBLE_SECONDS:
                    break
                await self._sleep(wait)
                waited += wait
            self._tokens -= 1
            if self._server_remaining is not None:
                self._server_remaining -= 1
            self._in_flight += 1
        return waited

    def release(self, response: httpx.Response | None) -> None:
        """Record the end of a write, learning from the answer's rate-limit headers."""
        self._in_flight = max(0, self._in_flight - 1)
        if response is not None:
            self.observe(response)

    def observe(self, response: httpx.Response) -> None:
        """Learn from the write-budget headers of an answer (a write or a read-like POST)."""
        now = self._clock()
        headers = response.headers
        limit = _header_float(headers, "X-RateLimit-Limit")
        if limit is not None and limit >= 1:
            self._server_said_limit = True
            if limit < self._limit:
                self._adopt(limit)
        remaining = _header_float(headers, "X-RateLimit-Remaining")
        reset = _header_float(headers, "X-RateLimit-Reset")
        if remaining is not None and reset is not None:
            # Writes still in flight were sent after this one and may not be counted yet.
            self._server_remaining = remaining - self._in_flight
            self._server_reset_at = now + reset
            self._tokens = min(self._tokens, max(0.0, self._server_remaining))
        if response.status_code == 429:
            self._on_429(now, headers, reset)

    def _on_429(self, now: float, headers: httpx.Headers, reset: float | None) -> None:
        # Several writers in flight may all get a 429 for one overrun: slow down once.
        first = self._blocked_until <= now
        retry_after = _header_float(headers, "Retry-After")
        pause = retry_after if retry_after is not None else reset
        if pause is None:
            pause = 1 / self._rate
        self._blocked_until = max(self._blocked_until, now + pause)
        self._tokens = 0.0
        self._refilled_at = now
        if first and not self._server_said_limit:
            self._adopt(max(1.0, self._limit * _SLOWDOWN_ON_429))
