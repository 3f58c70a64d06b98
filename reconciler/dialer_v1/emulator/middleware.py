"""The outermost layer: injected faults and the record of every request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.dialer_v1.emulator.faults import Faults, RequestFault
from reconciler.dialer_v1.emulator.records import RequestRecord

CONTROL_PREFIX = "/_emulator"

_ERROR_CODES = {
    400: "invalid_request",
    401: "invalid_token",
    403: "insufficient_scope",
    404: "not_found",
    409: "conflict",
    412: "precondition_failed",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


# An injected error's answer: status, headers, body. The default speaks the modelled API;
# an emulator of another API passes its own (`FaultMiddleware(..., render_error=...)`).
ErrorRenderer = Callable[[RequestFault], tuple[int, list[tuple[bytes, bytes]], bytes]]


class FaultTarget(Protocol):
    """What the middleware needs of an emulator (any API's)."""

    @property
    def faults(self) -> Faults: ...

    def record_request(self, record: RequestRecord) -> None: ...

    def after_request(self) -> None: ...


class ConnectionDropped(Exception):
    """Raised by the app to abort a connection; the transport turns it into a broken answer."""


class FaultMiddleware:
    """Applies `emu.faults` to every API request and records it in `emu.requests`."""

    def __init__(
        self, app: ASGIApp, emu: FaultTarget, render_error: ErrorRenderer | None = None
    ) -> None:
        self.app = app
        self.emu = emu
        self.render_error = render_error or render_contract_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI event."""
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        query = scope.get("query_string", b"").decode("latin-1")
        faults = self.emu.faults.for_request(method, path)
        if faults.delay:
            await asyncio.sleep(faults.delay)
        if faults.error is not None:
            await _send_error(send, self.render_error(faults.error))
            self.emu.record_request(RequestRecord(method, path, query, faults.error.status))
            return
        if faults.drop is not None:
            if faults.drop.after_handling:
                await self.app(scope, receive, _discard)
            self.emu.record_request(RequestRecord(method, path, query, None))
            await _abort(send)
            return
        status: list[int] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, capture)
        self.emu.record_request(RequestRecord(method, path, query, status[0] if status else None))
        self.emu.after_request()


async def _discard(message: Message) -> None:
    """The answer of a request whose connection drops after handling goes nowhere."""


async def _abort(send: Send) -> None:
    # Over a socket the client must see a broken answer, not a clean one: announce a body
    # and stop midway, then make the server drop the connection.
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
        }
    )
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise ConnectionDropped("connection dropped by an injected fault")


def render_contract_error(rule: RequestFault) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """An injected error as the modelled API words it: `{"error", "message"}`."""
    code = _ERROR_CODES.get(rule.status, "error")
    body = {"error": code, "message": f"injected fault: HTTP {rule.status}"}
    if rule.status == 403:
        body["required_scope"] = "dialer:write"
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    if rule.retry_after is not None:
        headers.append((b"retry-after", str(rule.retry_after).encode()))
    return rule.status, headers, raw


async def _send_error(send: Send, answer: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
    status, headers, raw = answer
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})
