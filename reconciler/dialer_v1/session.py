"""The HTTP session both API clients stand on: tuning, the httpx client, the Requester.

`ClientOptions` tunes it; `open_session` builds the httpx client (TLS verification always
on, no redirects, `Accept: application/json` on every request) and the Requester that
sends, paces and retries (retry.py) with the error dialect of its API.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from reconciler.dialer_v1.limiter import Limiter, Limiters
from reconciler.dialer_v1.retry import (
    ClientEvent,
    Counters,
    ErrorDialect,
    Requester,
    RetrySettings,
)


@dataclass(frozen=True)
class ClientOptions:
    """Tuning of a client; the defaults suit a real tenant."""

    # Until an answer announces the tenant's limits (X-RateLimit-Limit), which then win.
    write_limit_per_minute: float = 100.0  # the contract's, unless the Tenant declares one
    read_limit_per_minute: float = 1000.0
    max_attempts: int = 5  # per request
    request_deadline_seconds: float = 120.0  # total, across retries
    timeout_seconds: float = 30.0  # per HTTP attempt
    backoff_base_seconds: float = 0.25
    backoff_cap_seconds: float = 20.0
    token_safety_margin_seconds: float = 300.0
    poll_initial_seconds: float = 0.25
    poll_cap_seconds: float = 5.0
    command: str = ""  # named in 403 messages ("`reconciler apply` needs ...")
    max_in_flight: int = 10  # HTTP requests on the wire at once; more callers queue
    max_pages: int = 10_000  # per listing: a server whose paging never ends is stopped
    list_deadline_seconds: float = 600.0  # per listing, all its pages and retries together


def open_session(
    base_url: str,
    options: ClientOptions,
    *,
    transport: httpx.AsyncBaseTransport | None,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
    rng: random.Random | None,
    counters: Counters,
    on_event: Callable[[ClientEvent], None] | None,
    dialect: ErrorDialect | None = None,
) -> tuple[httpx.AsyncClient, Requester]:
    """The httpx client and the Requester of one API client."""
    # TLS verification stays on (httpx's default); it is never configurable here.
    http = httpx.AsyncClient(
        base_url=base_url,
        transport=transport,
        timeout=options.timeout_seconds,
        follow_redirects=False,
        # Without it a real CXone tenant answers the text "No known way to render data".
        headers={"Accept": "application/json"},
        limits=httpx.Limits(
            max_connections=options.max_in_flight,
            max_keepalive_connections=options.max_in_flight,
        ),
    )
    requester = Requester(
        http,
        settings=RetrySettings(
            max_attempts=options.max_attempts,
            deadline_seconds=options.request_deadline_seconds,
            timeout_seconds=options.timeout_seconds,
            backoff_base_seconds=options.backoff_base_seconds,
            backoff_cap_seconds=options.backoff_cap_seconds,
            max_in_flight=options.max_in_flight,
        ),
        limiters=Limiters(
            writes=Limiter(options.write_limit_per_minute, clock=clock, sleep=sleep),
            reads=Limiter(options.read_limit_per_minute, clock=clock, sleep=sleep),
        ),
        clock=clock,
        sleep=sleep,
        rng=rng or random.Random(),
        counters=counters,
        on_event=on_event,
        command=options.command,
        dialect=dialect,
    )
    return http, requester
