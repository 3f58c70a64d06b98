"""The client-side rate limiters: listen to the server, never overrun a minute.

The contract limits each tenant to 100 writes (POST/PUT/DELETE) and 1,000 reads a minute
(§2); a Tenant may declare its own figures (`spec.rate_limits`), and the server may
announce its figure in `X-RateLimit-Limit`. One `Limiter` paces each budget: writes, with
the read-like POSTs (policy validation, the simulator) among them because the server counts
by method, and reads (GETs).

Two rules decide when a request may go, for a limit of L a minute (n = floor(L): requests
are whole):
- The cap, exact: at most n requests in any 61 s, counted from our own send times. The
  extra second covers a burst the server counts late (queued behind the connection pool),
  so no 60 s window of the server's, fixed or sliding, ever holds more than n. At 1 a
  minute a second write waits 61 s.
- The spread, a token bucket: a tenth of the limit at once (at least 1), then L/60 a
  second. It keeps the requests smooth within the cap: a run starts with a small burst and
  goes at the limit's own rate; a run longer than a minute settles at n per 61 s.

The server is the authority; the configured (or declared) limit only paces the start of a
run, before any answer has said otherwise. From answers counted against this budget only
(a GET's headers describe the read budget, a write's the write budget):
- `X-RateLimit-Limit`: adopted, up as well as down. The cap counts the requests already
  sent against the new figure. Up, the bucket grows by the new capacity minus the old;
  down, its tokens are cut to the new capacity.
- `X-RateLimit-Remaining` / `X-RateLimit-Reset`: never send more than the server says
  remain (minus requests still in flight) before the reset; at zero, wait for the reset.
- a 429: stop every caller until `Retry-After` (or the reset), empty the bucket, and when
  no answer ever carried a limit, lower ours by a fifth (the real one is evidently lower).
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})  # what the server counts as a write
WINDOW_SECONDS = 60.0
# The cap's window: a minute and a second, for a burst the server counts late.
CAP_SECONDS = WINDOW_SECONDS + 1.0
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
    return value if value >= 0 and math.isfinite(value) else None


def whole(limit: float) -> int:
    """The requests a limit of `limit` a minute allows in one minute."""
    return max(1, math.floor(limit))


def bucket_shape(limit: float) -> tuple[float, float]:
    """The spreading bucket's (capacity, refill per second) for `limit` a minute."""
    return max(1.0, whole(limit) / 10), limit / WINDOW_SECONDS


class Limiter:
    """Paces one budget below `per_minute`; `acquire` before each request, `release` after."""

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        if not per_minute >= 1:
            raise ValueError("a rate limit must be at least 1 a minute")
        self._clock = clock
        self._sleep = sleep
        self._limit = per_minute
        self._announced = False
        self._capacity, self._rate = bucket_shape(per_minute)
        self._tokens = self._capacity
        self._refilled_at = clock()
        self._sent: deque[float] = deque()  # our send times within the cap's window
        self._blocked_until = 0.0
        self._server_remaining: float | None = None
        self._server_reset_at = 0.0
        self._in_flight = 0
        self._lock = asyncio.Lock()

    @property
    def per_minute(self) -> float:
        """The limit applied now: configured, announced by the server, or lowered after a 429."""
        return self._limit

    @property
    def announced(self) -> bool:
        """Whether an answer has carried `X-RateLimit-Limit`."""
        return self._announced

    def _adopt(self, limit: float) -> None:
        old_capacity = self._capacity
        self._limit = limit
        self._capacity, self._rate = bucket_shape(limit)
        if self._capacity >= old_capacity:
            self._tokens += self._capacity - old_capacity
        else:
            self._tokens = min(self._tokens, self._capacity)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._refilled_at)
        self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
        self._refilled_at = now
        if self._server_remaining is not None and now >= self._server_reset_at:
            self._server_remaining = None  # a new server window began

    def _cap_wait(self, now: float) -> float:
        allowed = whole(self._limit)
        # Only the newest `allowed` sends can hold the next one back (more remain in the
        # window after a lower limit was adopted).
        while self._sent and (len(self._sent) > allowed or self._sent[0] <= now - CAP_SECONDS):
            self._sent.popleft()
        if len(self._sent) < allowed:
            return 0.0
        return self._sent[0] + CAP_SECONDS - now

    def _wait_needed(self, now: float) -> float:
        if self._blocked_until > now:
            return self._blocked_until - now
        if self._server_remaining is not None and self._server_remaining < 1:
            return max(0.0, self._server_reset_at - now)
        spread = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self._rate
        return max(self._cap_wait(now), spread)

    async def acquire(self) -> float:
        """Wait until one request may go out; returns the seconds waited."""
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
            self._sent.append(now)
            if self._server_remaining is not None:
                self._server_remaining -= 1
            self._in_flight += 1
        return waited

    def release(self, response: httpx.Response | None) -> None:
        """Record the end of a request, learning from the answer's rate-limit headers."""
        self._in_flight = max(0, self._in_flight - 1)
        if response is not None:
            self.observe(response)

    def observe(self, response: httpx.Response) -> None:
        """Learn from the rate-limit headers of an answer counted against this budget."""
        now = self._clock()
        headers = response.headers
        limit = _header_float(headers, "X-RateLimit-Limit")
        if limit is not None and limit >= 1:
            self._announced = True
            if limit != self._limit:
                self._refill(now)
                self._adopt(limit)
        remaining = _header_float(headers, "X-RateLimit-Remaining")
        reset = _header_float(headers, "X-RateLimit-Reset")
        if remaining is not None and reset is not None:
            # Requests still in flight were sent after this one and may not be counted yet.
            self._server_remaining = remaining - self._in_flight
            self._server_reset_at = now + reset
            self._tokens = min(self._tokens, max(0.0, self._server_remaining))
        if response.status_code == 429:
            self._on_429(now, headers, reset)

    def _on_429(self, now: float, headers: httpx.Headers, reset: float | None) -> None:
        # Several callers in flight may all get a 429 for one overrun: slow down once.
        first = self._blocked_until <= now
        retry_after = _header_float(headers, "Retry-After")
        pause = retry_after if retry_after is not None else reset
        if pause is None:
            pause = 1 / self._rate
        self._blocked_until = max(self._blocked_until, now + pause)
        self._tokens = 0.0
        self._refilled_at = now
        if first and not self._announced:
            self._adopt(max(1.0, self._limit * _SLOWDOWN_ON_429))


@dataclass(frozen=True)
class Limiters:
    """A tenant's two budgets, split as the server counts them: by method."""

    writes: Limiter
    reads: Limiter

    def for_method(self, method: str) -> Limiter:
        """The budget a request with `method` is counted against."""
        return self.writes if method.upper() in WRITE_METHODS else self.reads

    def name_of(self, limiter: Limiter) -> str:
        """'writes' or 'reads', for messages."""
        return "writes" if limiter is self.writes else "reads"
