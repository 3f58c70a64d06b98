"""Fixtures for the emulator's contract tests: in-process and over a loopback socket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from reconciler.dialer_v1.emulator import (
    Emulator,
    EmulatorConfig,
    ManualClock,
    make_tenant,
    serve_in_thread,
)

CLIENT_ID = "reconciler-ci"
SECRET = "s3cr3t-client-secret-4417"
START = 1_790_000_000.0  # 2026-09-21T14:13:20Z: a realistic "now" for the manual clock


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock: tests move time, nothing sleeps."""
    return ManualClock(START)


@pytest.fixture
def emulator(clock: ManualClock) -> Emulator:
    """An emulator with the default tenant (3 campaigns, 1 webhook) on a manual clock."""
    return Emulator(EmulatorConfig(), clock, make_tenant())


@pytest.fixture
async def asgi_client(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """A raw httpx client talking to the emulator in-process."""
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="http://emulator.test"
    ) as client:
        yield client


@pytest.fixture
def served_emulator(clock: ManualClock) -> Iterator[tuple[Emulator, str]]:
    """An emulator served by uvicorn on 127.0.0.1, and its base URL."""
    emu = Emulator(EmulatorConfig(), clock, make_tenant())
    with serve_in_thread(emu) as base_url:
        yield emu, base_url


@pytest.fixture
def served() -> Iterator[tuple[Emulator, str]]:
    """An emulator with fixed credentials (30 campaigns, 2 webhooks, activations of 50 ms,
    real time) on 127.0.0.1, and its base URL: for the client over sockets."""
    emu = Emulator(
        EmulatorConfig(operation_seconds=0.05, client_id=CLIENT_ID, client_secret=SECRET),
        tenant=make_tenant(campaigns=30, webhooks=2),
    )
    with serve_in_thread(emu) as base_url:
        yield emu, base_url


async def get_token(client: httpx.AsyncClient, **form: str) -> str:
    """A bearer token from the emulator's token endpoint."""
    data = {"grant_type": "client_credentials", "client_id": "ci", "client_secret": "s3cret"}
    answer = await client.post("/oauth/token", data={**data, **form})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


@pytest.fixture
async def auth(asgi_client: httpx.AsyncClient) -> dict[str, str]:
    """Authorization headers with every scope, for the in-process client."""
    return {"Authorization": f"Bearer {await get_token(asgi_client)}"}
