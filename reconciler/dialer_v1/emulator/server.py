"""Serving the emulator: an in-process httpx transport, or uvicorn on a loopback socket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Protocol

import httpx
import uvicorn
from starlette.types import ASGIApp

from reconciler.dialer_v1.emulator.middleware import ConnectionDropped

START_TIMEOUT_SECONDS = 10.0


class Servable(Protocol):
    """An emulator of any API: all serving needs is its ASGI app."""

    @property
    def app(self) -> ASGIApp: ...


class EmulatorTransport(httpx.AsyncBaseTransport):
    """httpx.ASGITransport that reports an injected dropped connection like a socket does."""

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request into the app."""
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(
                "server disconnected without sending a complete response", request=request
            ) from exc

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()


class _QuietDrops(logging.Filter):
    """Injected drops are intentional: keep uvicorn from logging them as crashes."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def install_log_filter() -> None:
    """Silence uvicorn's tracebacks for injected dropped connections (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it Nagle's algorithm and the client's delayed
    # ACK hold every small response back ~40 ms, which would swamp injected latencies.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def make_server(emu: Servable, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for the emulator's app (no access log)."""
    install_log_filter()
    config = uvicorn.Config(emu.app, log_level=log_level, access_log=False, lifespan="on")
    return uvicorn.Server(config)


def base_url(sock: socket.socket) -> str:
    """'http://HOST:PORT' for a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.contextmanager
def serve_in_thread(emu: Servable, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the emulator over a real socket from a daemon thread; yields its base URL."""
    sock = bind_socket(host, port)
    server = make_server(emu, log_level="error")
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])),
        name="cxone-emulator",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    # uvicorn offers no start callback: wait (bounded) for its `started` flag.
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the emulator server did not start")
        time.sleep(0.005)
    try:
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_SECONDS)
        sock.close()
