"""The outermost layer: injected faults and the record of every request.

It asks its host only for `faults`, `record_request` and `after_request` (`FaultHost`),
so any emulator app can mount it.
"""

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


class ConnectionDropped(Exception):
    """Raised by the app to abort a connection; the transport turns it into a broken answer."""


class FaultHost(Protocol):
    """What the middleware needs of the emulator it serves."""

    @property
    def faults(self) -> Faults: ...

    def record_request(self, record: RequestRecord) -> None: ...

    def after_request(self) -> None: ...


class FaultMiddleware:
    """Applies `emu.faults` to every API request and records it in `emu.requests`."""

    def __init__(
        self, app: ASGIApp, emu: FaultHost, render_error: ErrorRenderer | None = None
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
        # Each request is recorded before its answer's last byte leaves, so a client that has
        # its answer over a socket also finds it in `emu.requests`.
        if faults.error is not None:
            self.emu.record_request(RequestRecord(method, path, query, faults.error.status))
            await _send_error(send, self.render_error(faults.error))
            return
        if faults.drop is not None:
            if faults.drop.after_handling:
                await self.app(scope, receive, _discard)
            self.emu.record_request(RequestRecord(method, path, query, None))
            await _abort(send)
            return
        recorded: list[int | None] = []

        def record(status: int | None) -> None:
            if not recorded:
                recorded.append(status)
                self.emu.record_request(RequestRecord(method, path, query, status))

        if faults.rewrite is not None:
            await _rewritten(self.app, scope, receive, send, faults.rewrite, query, record)
            self.emu.after_request()
            return
        status: list[int] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                record(status[0] if status else None)
            await send(message)

        await self.app(scope, receive, capture)
        record(status[0] if status else None)
        self.emu.after_request()


async def _rewritten(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    rule: RequestFault,
    query: str,
    record: Callable[[int], None],
) -> None:
    """Handle the request, then record and send its answer as `rule` rewrites it."""
    start: Message = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    ctype = next((v.decode("latin-1") for k, v in headers if k.lower() == b"content-type"), "")
    answer = rule.rewrite(query, int(start.get("status", 500)), ctype, b"".join(chunks))
    headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
    if answer.content_type:
        headers.append((b"content-type", answer.content_type.encode("latin-1")))
    headers.append((b"content-length", str(len(answer.body)).encode()))
    record(answer.status)
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


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
