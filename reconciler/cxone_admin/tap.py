"""A transport that keeps what went over the wire, for `reconciler doctor`.

The client turns every answer into models, and models normalise away exactly what doctor
wants to see: whether `GET /skills/{id}` wraps the skill, whether `totalRecords` is a
number or a string, how the aggregated GET spells a schedule day. `Tap` sits under the
real client (httpx's transport seam) and keeps, per request, the method, path, status,
the few response headers that describe the server (content type, rate limits) and, for
API reads only, the body as sent.

Nothing secret is kept: no request header (the Authorization header, the token
request's Basic credentials), no request body (the access key's secret), and no body of
the token answer (the access token). The bodies kept are the tenant's configuration,
which doctor's report describes but never prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from reconciler.cxone_admin.auth import TOKEN_PATH

API_PREFIX = "/inContactAPI/"
KEPT_HEADERS = (
    "content-type",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
)


@dataclass(frozen=True)
class Exchange:
    """One request and what came back (status None: no answer)."""

    method: str
    path: str
    query: str
    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""  # API reads only
    content_encoding: str = ""

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not JSON."""
        headers = {"content-encoding": self.content_encoding} if self.content_encoding else {}
        return httpx.Response(self.status or 200, headers=headers, content=self.body).json()

    @property
    def is_api_read(self) -> bool:
        return self.method == "GET" and API_PREFIX in self.path

    @property
    def is_token_request(self) -> bool:
        return self.method == "POST" and self.path.endswith(TOKEN_PATH)


class Tap(httpx.AsyncBaseTransport):
    """Wraps a real transport and records every exchange (see the module doc)."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport | None = None, *, max_connections: int = 10
    ) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport(
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            )
        )
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        method, url = request.method, request.url
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.HTTPError:
            self.exchanges.append(Exchange(method, url.path, url.query.decode(), None))
            raise
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        kept = {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}
        keep_body = method == "GET" and API_PREFIX in url.path
        self.exchanges.append(
            Exchange(
                method,
                url.path,
                url.query.decode(),
                response.status_code,
                kept,
                raw if keep_body else b"",
                response.headers.get("content-encoding", "") if keep_body else "",
            )
        )
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=raw,
            request=request,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()

    def reads(self, path_end: str) -> list[Exchange]:
        """The API reads whose path ends with `path_end`, in the order sent."""
        return [e for e in self.exchanges if e.is_api_read and e.path.endswith(path_end)]

    def counts(self) -> dict[str, int]:
        """Requests sent, by method."""
        out: dict[str, int] = {}
        for e in self.exchanges:
            out[e.method] = out.get(e.method, 0) + 1
        return dict(sorted(out.items()))

    def writes(self) -> list[Exchange]:
        """Every request that could change the tenant (the token request does not)."""
        return [e for e in self.exchanges if e.method != "GET" and not e.is_token_request]
