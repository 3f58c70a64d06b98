"""The CXone admin client against its emulator over loopback sockets, with fake time.

`FakeTime.sleep` advances the emulator's ManualClock instead of waiting, so backoff, token
lifetimes and start/stop delays take no real time; every server listens on 127.0.0.1 and
stops with the test.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.cxone_admin.auth import AccessKeyCredentials
from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.cxone_admin.emulator import (
    AdminEmulator,
    AdminEmulatorConfig,
    ManualClock,
    default_seed,
    serve_in_thread,
)
from reconciler.dialer_v1.client import ClientEvent, ClientOptions
from tests.cli.cxone import CxoneFactory, cxone_factory
from tests.cxone_admin.harness import AdminCli
from tests.dialer_v1.test_client_harness import FakeTime

ACCESS_KEY_ID = "AK-reconciler-ci-0042"
ACCESS_KEY_SECRET = "ak-s3cret-value-7731"
CLIENT_ID = "reconciler-app"
CLIENT_SECRET = "app-s3cret-value-5520"
SECRETS = (ACCESS_KEY_SECRET, CLIENT_SECRET)
# The shared end-to-end fixture (tests/cli/cxone.py) the engine tests' harness builds on.
__all__ = ["cxone_factory"]
START = 1_790_000_000.0  # 2026-09-21T14:13:20Z
PC_SKILLS = {11001: "Collections_East", 11002: "Renewals_Central", 11003: "Winback_West"}
OPTIONS = ClientOptions(timeout_seconds=5.0, backoff_base_seconds=0.5, backoff_cap_seconds=4.0)


def config(**switches: Any) -> AdminEmulatorConfig:
    """The emulator's config with the test credentials and the given switches."""
    credentials = {
        "access_key_id": ACCESS_KEY_ID,
        "access_key_secret": ACCESS_KEY_SECRET,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    return AdminEmulatorConfig(**{**credentials, **switches})


def credentials(
    access_key_secret: str = ACCESS_KEY_SECRET, client_secret: str = CLIENT_SECRET
) -> AccessKeyCredentials:
    """The test credentials (or wrong ones)."""
    return AccessKeyCredentials(
        ACCESS_KEY_ID, SecretStr(access_key_secret), CLIENT_ID, SecretStr(client_secret)
    )


class HeaderSpy(httpx.AsyncBaseTransport):
    """Wraps a real transport; keeps each request sent and the status it got (None: no answer).

    Counting on the client's side is exact: the emulator records a request only after its
    answer has left, so its own list may lag behind what the client has seen.
    """

    def __init__(self, strip: tuple[str, ...] = ()) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.strip = strip
        self.sent: list[httpx.Request] = []
        self.statuses: list[int | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for name in self.strip:
            request.headers.pop(name, None)
        self.sent.append(request)
        self.statuses.append(None)
        response = await self.inner.handle_async_request(request)
        self.statuses[-1] = response.status_code
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Served:
    """An emulator on a loopback socket, its URL, and fake time over its clock."""

    emu: AdminEmulator
    url: str
    time: FakeTime
    spies: list[HeaderSpy] = field(default_factory=list)
    events: list[ClientEvent] = field(default_factory=list)

    @property
    def spy(self) -> HeaderSpy:
        """The transport of the last client made."""
        return self.spies[-1]

    def client(self, creds: AccessKeyCredentials | None = None, **kw: Any) -> CxoneAdminClient:
        """A client of this emulator on fake time (each with its own transport)."""
        self.spies.append(HeaderSpy(kw.pop("strip", ())))
        kw.setdefault("options", OPTIONS)
        kw.setdefault("issuer_url", self.url)
        kw.setdefault("transport", self.spy)
        return CxoneAdminClient(
            creds or credentials(),
            clock=self.time.now,
            sleep=self.time.sleep,
            on_event=self.events.append,
            **kw,
        )

    def sent(self, method: str | None = None, suffix: str = "") -> list[tuple[str, int | None]]:
        """(path, status) of every request the clients sent (optionally one method, one end)."""
        return [
            (request.url.path, status)
            for spy in self.spies
            for request, status in zip(spy.sent, spy.statuses, strict=True)
            if (method is None or request.method == method) and request.url.path.endswith(suffix)
        ]

    def api_requests(self, method: str | None = None, suffix: str = "") -> list[str]:
        """Paths of the API requests the clients sent (optionally one method, one ending)."""
        return [p for p, _ in self.sent(method, suffix) if p.startswith("/inContactAPI")]


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Start emulators (each on its own port) that stop when the test ends."""
    with contextlib.ExitStack() as stack:

        def start(cfg: AdminEmulatorConfig | None = None, seed: Any = None) -> Served:
            clock = ManualClock(START)
            emu = AdminEmulator(cfg or config(), clock, seed)
            url = stack.enter_context(serve_in_thread(emu))
            return Served(emu, url, FakeTime(clock))

        yield start


@pytest.fixture
def served(serve: Callable[..., Served]) -> Served:
    """One emulator with the default switches."""
    return serve()


def seed_without_groups() -> dict[str, Any]:
    """The default seed with no DNC groups."""
    seed = default_seed()
    seed["dncGroups"] = []
    return seed


# ---- the engine end to end: the real CLI against the emulator (harness.py) ------------------

AdminCliFactory = Callable[..., AdminCli]


@pytest.fixture
def admin_cli_factory(cxone_factory: CxoneFactory) -> AdminCliFactory:
    """tests/cli/cxone.py's `cxone_factory`, returning the engine tests' `AdminCli`."""

    def start(seed: Any = None, **switches: Any) -> AdminCli:
        cli = cxone_factory(seed, **switches)
        return AdminCli(**{f.name: getattr(cli, f.name) for f in dataclasses.fields(cli)})

    return start


@pytest.fixture
def admin_cli(admin_cli_factory: AdminCliFactory) -> AdminCli:
    """The default seed (it differs from specs/cxone-example in two skills) on a socket."""
    return admin_cli_factory()
