"""Sending one API call: auth, write pacing, timeouts, retries, and what is safe to repeat.

Every call goes through `Requester.send`, which makes up to `max_attempts` attempts
within a total deadline, sleeping between them with exponential backoff and full jitter
(`uniform(0, min(cap, base * 2**n))`), or exactly what the server asked (`Retry-After`,
else `X-RateLimit-Reset`) after a 429.

What is retried, and why it cannot apply a write twice:
- Reads (GET, the token request, and the side-effect-free POSTs: policy validation and the
  simulator) repeat on 429, 5xx, timeouts and dropped connections: repeating changes nothing.
- A write is repeated here only when the server certainly did not act on it:
  * it never left: the connection could not be opened (connect error or timeout, no pool slot);
  * 429: the rate limiter refuses before handling;
  * 503: "unavailable" (RFC 9110 §15.6.4: the server cannot handle the request now). We
    take it as "not handled", as the emulator does; a gateway that forwarded the write and
    then answered 503 would break that assumption, which is why even this repeat carries
    If-Match (an update) or meets name uniqueness (a create): the server refuses a second
    application either way;
  * 401 invalid_token: authentication happens before handling; we refresh once and repeat.
- What an error answer means is the API's dialect (`ErrorDialect`): which 401 a fresh token
  may cure, and which typed error a 4xx becomes. The default is this API's
  (`DialerV1Dialect`: `invalid_token`, the contract's error codes); another API passes its own.
- A write whose answer was lost may have landed: a dropped connection after sending, a read
  timeout, 500, 502 or 504 (a gateway that timed out while the backend carried on). Those
  raise `AnswerLost`, and the client (`client.py`) decides: for a PUT/DELETE with If-Match
  it re-reads the resource - if its versionTag moved, the write (or someone's) landed and it
  raises `WriteOutcomeUnknown` (a 412: re-read and plan again); if it did not move it repeats
  with the same If-Match, so the server itself refuses a second application (412, or 409
  while the first one's operation runs, both reported as `WriteOutcomeUnknown`). For a POST
  create it looks the name up first; found means it landed; a repeat that meets
  `name_conflict` means the same. Either way no write is ever applied twice.
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

import httpx

from reconciler.dialer_v1 import errors, wire
from reconciler.dialer_v1.auth import BearerAuth, TokenProvider
from reconciler.dialer_v1.limiter import Limiter, Limiters

log = logging.getLogger("reconciler.dialer_v1")

EventKind = Literal[
    "retry", "rate_limited", "throttled", "limit_changed", "token_refreshed", "write_checked"
]


@dataclass(frozen=True)
class ClientEvent:
    """Something a person watching progress may want to know; never carries a secret."""

    kind: EventKind
    method: str
    path: str
    attempt: int = 0
    delay_seconds: float = 0.0
    status: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class ClientStats:
    """Counters for benchmarks and summaries."""

    requests_by_method: Mapping[str, int]
    retries: int
    rate_limited: int
    polls: int
    token_requests: int
    throttled_seconds: float
    write_limit_per_minute: float = 0.0  # the limits the client paces by now
    read_limit_per_minute: float = 0.0

    @property
    def requests(self) -> int:
        """All HTTP attempts sent."""
        return sum(self.requests_by_method.values())


@dataclass
class Counters:
    """The mutable side of `ClientStats`."""

    requests_by_method: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    rate_limited: int = 0
    polls: int = 0
    token_requests: int = 0
    throttled_seconds: float = 0.0
    write_limit_per_minute: float = 0.0
    read_limit_per_minute: float = 0.0

    def snapshot(self) -> ClientStats:
        """A frozen copy."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return ClientStats(**{**values, "requests_by_method": dict(self.requests_by_method)})


@dataclass(frozen=True)
class RetrySettings:
    max_attempts: int
    deadline_seconds: float
    timeout_seconds: float
    backoff_base_seconds: float
    backoff_cap_seconds: float
    max_in_flight: int = 10


class CallKind(enum.Enum):
    READ = "read"  # no side effect: retried freely
    WRITE = "write"  # paced by the limiter, repeated only where it cannot double-apply
    TOKEN = "token"  # POST /oauth/token: unauthenticated, retried like a read


@dataclass(frozen=True)
class Call:
    """One API request, before auth."""

    method: str
    path: str
    kind: CallKind
    params: Mapping[str, Any] | None = None
    json: Any = field(default=None, repr=False)  # may carry a webhook token
    form: Mapping[str, str] | None = field(default=None, repr=False)
    headers: Mapping[str, str] | None = None
    # Per-call credentials (e.g. HTTP Basic on a token request) instead of the bearer token.
    auth: httpx.Auth | None = field(default=None, repr=False)


class Budget:
    """The attempts and the deadline one logical request may spend (shared across repeats)."""

    def __init__(self, settings: RetrySettings, clock: Callable[[], float]) -> None:
        self._settings = settings
        self._clock = clock
        self.attempts = 0
        # A write answered 503 was repeated on the assumption that it was not handled; if a
        # gateway did forward it, the repeat's 412/409/name_conflict is our own first attempt.
        self.repeated_after_503 = False
        self._deadline: float | None = None

    def start(self) -> None:
        """Start the deadline at the first send (time queued in the limiter is not counted)."""
        if self._deadline is None:
            self._deadline = self._clock() + self._settings.deadline_seconds

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        if self._deadline is None:
            return self._settings.deadline_seconds
        return self._deadline - self._clock()

    @property
    def exhausted(self) -> bool:
        """No attempt left."""
        return self.attempts >= self._settings.max_attempts


def backoff_delay(attempt: int, settings: RetrySettings, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))]."""
    ceiling = min(settings.backoff_cap_seconds, settings.backoff_base_seconds * 2 ** (attempt - 1))
    return rng.uniform(0, ceiling)


def server_delay(headers: httpx.Headers) -> float | None:
    """Seconds the server asked us to wait: Retry-After (seconds or date), else the reset."""
    raw = headers.get("Retry-After")
    if raw is not None:
        try:
            return max(0.0, float(raw))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(raw)
            except (TypeError, ValueError):
                when = None
            if when is not None and when.tzinfo is not None:
                return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    reset = headers.get("X-RateLimit-Reset")
    if reset is not None:
        try:
            return max(0.0, float(reset))
        except ValueError:
            return None
    return None


def _retry_after_header(headers: httpx.Headers) -> float | None:
    raw = headers.get("Retry-After")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


class ErrorDialect(Protocol):
    """How one API words its errors."""

    def token_refused(self, response: httpx.Response) -> bool:
        """Whether a 401 to an API call may be cured by a fresh token (then one retry)."""
        ...

    def error(
        self, response: httpx.Response, method: str, path: str, *, command: str
    ) -> errors.ApiError:
        """The typed error for a 4xx answer that retrying cannot fix."""
        ...

    def auth_error(self, call: Call, response: httpx.Response, refreshed: bool) -> errors.AuthError:
        """The error for refused credentials (token request) or a refused token."""
        ...


class DialerV1Dialect:
    """The modelled dialer API's errors: `{"error": code, "message"}`, `invalid_token`."""

    def token_refused(self, response: httpx.Response) -> bool:
        """Only `invalid_token` is cured by a fresh token."""
        return wire.error_code(response) == "invalid_token"

    def error(
        self, response: httpx.Response, method: str, path: str, *, command: str
    ) -> errors.ApiError:
        """See `wire.error_from_response`."""
        return wire.error_from_response(response, method, path, command=command)

    def auth_error(self, call: Call, response: httpx.Response, refreshed: bool) -> errors.AuthError:
        """Credentials or token refused, naming the server's code."""
        code = wire.error_code(response) or str(response.status_code)
        if call.kind is CallKind.TOKEN:
            message = f"the token endpoint refused the client credentials ({code})"
        elif refreshed:
            message = f"the API refused a freshly issued token ({code})"
        else:
            message = f"the API refused the access token ({code})"
        return errors.AuthError(
            message,
            method=call.method,
            path=call.path,
            status=response.status_code,
            hint="check the client id and secret the Tenant names, and that they are active",
        )


# Failures where the request certainly never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_TRANSPORT_FAILURES = (httpx.TransportError, asyncio.TimeoutError)


class Requester:
    """Sends `Call`s with auth, pacing and retries; the one place that touches httpx."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        settings: RetrySettings,
        limiters: Limiters,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        rng: random.Random,
        counters: Counters,
        on_event: Callable[[ClientEvent], None] | None,
        command: str,
        dialect: ErrorDialect | None = None,
    ) -> None:
        self._http = http
        self._dialect: ErrorDialect = dialect or DialerV1Dialect()
        self._settings = settings
        self._limiters = limiters
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._counters = counters
        self._on_event = on_event
        self._command = command
        self.tokens: TokenProvider | None = None
        self._slots = asyncio.Semaphore(settings.max_in_flight)
        counters.write_limit_per_minute = limiters.writes.per_minute
        counters.read_limit_per_minute = limiters.reads.per_minute

    def budget(self) -> Budget:
        """A fresh budget for one logical request."""
        return Budget(self._settings, self._clock)

    def emit(self, event: ClientEvent) -> None:
        """Report an event to the caller's hook, if any."""
        if self._on_event is not None:
            self._on_event(event)

    async def send(self, call: Call, budget: Budget | None = None) -> httpx.Response:
        """The first usable answer to `call` (2xx), or the typed error; see the module doc."""
        budget = budget or self.budget()
        refreshed = False
        last_failure = ""
        last_class: type[errors.ApiError] = errors.TransportError
        retry_after: float | None = None
        while True:
            if budget.exhausted:
                raise self._gave_up(call, budget, last_class, last_failure, retry_after)
            token = await self._token(call)
            response, failure, not_sent = await self._attempt(call, budget, token)
            delay: float | None = None
            if response is not None:
                status = response.status_code
                if status < 400:
                    return response
                if status == 401 and call.kind is not CallKind.TOKEN:
                    if self._dialect.token_refused(response) and not refreshed:
                        assert self.tokens is not None and token is not None
                        self.tokens.invalidate(token)
                        refreshed = True
                        budget.attempts -= 1  # a refresh is not a retry
                        self.emit(ClientEvent("token_refreshed", call.method, call.path))
                        continue
                    raise self._auth_error(call, response, refreshed)
                if status == 429:
                    self._counters.rate_limited += 1
                    retry_after = _retry_after_header(response.headers)
                    delay = server_delay(response.headers)
                    last_class, last_failure = errors.RateLimitedError, "429 rate limited"
                    self.emit(
                        ClientEvent(
                            "rate_limited",
                            call.method,
                            call.path,
                            budget.attempts,
                            delay or 0.0,
                            429,
                        )
                    )
                elif status >= 500:
                    if call.kind is CallKind.WRITE and status != 503:
                        raise errors.AnswerLost(call.method, call.path, f"answer {status}")
                    if status == 503:
                        delay = server_delay(response.headers)
                        if call.kind is CallKind.WRITE:
                            budget.repeated_after_503 = True
                    last_class, last_failure = errors.ServerError, f"answer {status}"
                elif call.kind is CallKind.TOKEN:
                    raise self._auth_error(call, response, refreshed)
                else:
                    raise self._dialect.error(
                        response, call.method, call.path, command=self._command
                    )
            else:
                if call.kind is CallKind.WRITE and not not_sent:
                    raise errors.AnswerLost(call.method, call.path, failure)
                last_class, last_failure = errors.TransportError, failure
            await self._pause(call, budget, delay, last_failure, last_class, retry_after)

    async def _token(self, call: Call) -> str | None:
        if call.kind is CallKind.TOKEN:
            return None
        if self.tokens is None:
            raise RuntimeError("Requester.tokens must be set before sending API calls")
        return await self.tokens.token()

    async def _attempt(
        self, call: Call, budget: Budget, token: str | None
    ) -> tuple[httpx.Response | None, str, bool]:
        """One HTTP exchange: (response, failure description, certainly-not-sent)."""
        # The contract counts requests by method: every POST/PUT/DELETE against the write
        # limit (the read-like POSTs, policy validation and the simulator, included), GETs
        # against the read limit. The token endpoint is outside both.
        limiter = None if call.kind is CallKind.TOKEN else self._limiters.for_method(call.method)
        if limiter is not None:
            waited = await limiter.acquire()
            if waited > 0:
                self._counters.throttled_seconds += waited
                self.emit(ClientEvent("throttled", call.method, call.path, delay_seconds=waited))
        budget.start()
        remaining = budget.remaining()
        if remaining <= 0:
            if limiter is not None:
                limiter.release(None)
            raise errors.DeadlineExceeded(
                "the request's deadline passed before it could be sent",
                method=call.method,
                path=call.path,
            )
        budget.attempts += 1
        counts = self._counters.requests_by_method
        counts[call.method] = counts.get(call.method, 0) + 1
        if call.kind is CallKind.TOKEN:
            self._counters.token_requests += 1
        timeout = min(self._settings.timeout_seconds, remaining)
        request = self._http.build_request(
            call.method,
            call.path,
            params=call.params,
            json=call.json,
            data=call.form,
            headers=call.headers,
            timeout=timeout,
        )
        auth = BearerAuth(token) if token is not None else call.auth
        response: httpx.Response | None = None
        try:
            # A few connections kept busy beat fifty contending ones (measured in
            # bench/bench_client.py): queue here, before the attempt's timeout starts.
            async with self._slots:
                # wait_for bounds transports that do not enforce httpx timeouts (ASGI).
                response = await asyncio.wait_for(
                    self._http.send(
                        request, auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT
                    ),
                    timeout,
                )
            return response, "", False
        except _TRANSPORT_FAILURES as exc:
            not_sent = isinstance(exc, _NOT_SENT)
            what = (
                "timed out"
                if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError))
                else "connection failed"
            )
            return None, f"{what} ({type(exc).__name__})", not_sent
        finally:
            if limiter is not None:
                self._release(limiter, call, response)

    def _release(self, limiter: Limiter, call: Call, response: httpx.Response | None) -> None:
        """Hand the answer to its limiter; report a limit it adopted or lowered."""
        before = limiter.per_minute
        limiter.release(response)
        after = limiter.per_minute
        if after == before:
            return
        budget = self._limiters.name_of(limiter)
        if limiter is self._limiters.writes:
            self._counters.write_limit_per_minute = after
        else:
            self._counters.read_limit_per_minute = after
        why = "announced by the API" if limiter.announced else "lowered after a 429"
        reason = f"{budget}: {after:g} a minute, {why} (was {before:g})"
        log.info("rate limit of %s", reason)
        self.emit(ClientEvent("limit_changed", call.method, call.path, reason=reason))

    async def _pause(
        self,
        call: Call,
        budget: Budget,
        server_asked: float | None,
        failure: str,
        last_class: type[errors.ApiError],
        retry_after: float | None,
    ) -> None:
        if budget.exhausted:
            raise self._gave_up(call, budget, last_class, failure, retry_after)
        delay = (
            server_asked
            if server_asked is not None
            else backoff_delay(budget.attempts, self._settings, self._rng)
        )
        if delay >= budget.remaining():
            raise errors.DeadlineExceeded(
                f"gave up after {budget.attempts} attempt(s): {failure}, and waiting"
                f" {delay:.1f} s more would pass the {self._settings.deadline_seconds:.0f} s"
                " deadline",
                method=call.method,
                path=call.path,
            )
        self._counters.retries += 1
        log.debug("retrying %s %s in %.2f s after %s", call.method, call.path, delay, failure)
        self.emit(
            ClientEvent("retry", call.method, call.path, budget.attempts, delay, None, failure)
        )
        await self._sleep(delay)

    def _gave_up(
        self,
        call: Call,
        budget: Budget,
        last_class: type[errors.ApiError],
        failure: str,
        retry_after: float | None,
    ) -> errors.ApiError:
        message = f"gave up after {budget.attempts} attempt(s): {failure or 'no answer'}"
        if last_class is errors.RateLimitedError:
            return errors.RateLimitedError(
                message,
                retry_after=retry_after,
                method=call.method,
                path=call.path,
                status=429,
                hint="another process may be spending the tenant's rate limit: try again later",
            )
        return last_class(message, method=call.method, path=call.path)

    def _auth_error(
        self, call: Call, response: httpx.Response, refreshed: bool
    ) -> errors.AuthError:
        return self._dialect.auth_error(call, response, refreshed)
