"""The client over real loopback sockets (uvicorn in a thread), and the no-secret-leak checks."""

from __future__ import annotations

import logging

import httpx
import pytest
from pydantic import SecretStr

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.client import (
    ClientEvent,
    ClientOptions,
    DialerV1Client,
    WriteOutcomeUnknown,
)
from reconciler.dialer_v1.emulator import Emulator
from tests.dialer_v1.test_client_harness import (
    CLIENT_ID,
    SECRET,
    WEBHOOK_TOKEN,
    HeaderSpy,
    first,
    make_harness,
    webhook_body,
)

WEBHOOKS = "/api/v1/integrations/webhooks"


def socket_client(
    base_url: str, spy: HeaderSpy, events: list[ClientEvent], secret: str = SECRET
) -> DialerV1Client:
    # Real time here, but small backoffs: every test stays well under a second.
    options = ClientOptions(backoff_base_seconds=0.01, backoff_cap_seconds=0.05, timeout_seconds=5)
    return DialerV1Client(
        base_url,
        CLIENT_ID,
        SecretStr(secret),
        options=options,
        transport=spy,
        on_event=events.append,
    )


async def test_reads_and_pagination_over_sockets(served: tuple[Emulator, str]) -> None:
    emu, base_url = served
    spy = HeaderSpy(httpx.AsyncHTTPTransport())
    async with socket_client(base_url, spy, []) as client:
        names = [c.body.name async for c in client.iter_campaigns(page_size=7)]
        settings = await client.get_settings()
    assert len(names) == len(set(names)) == 30
    assert settings.version_tag
    assert len([r for r in emu.requests if r.path == "/api/v1/campaigns"]) == 5


async def test_faults_over_sockets(served: tuple[Emulator, str]) -> None:
    emu, base_url = served
    spy = HeaderSpy(httpx.AsyncHTTPTransport())
    async with socket_client(base_url, spy, []) as client:
        emu.faults.drop_connection(path="/api/v1/dialer/settings")
        emu.faults.http_error(429, path="/api/v1/dialer/settings", retry_after=0)
        emu.faults.http_error(502, path="/api/v1/dialer/settings")
        await client.get_settings()
        emu.faults.expire_tokens()
        await client.get_settings()
        hook = await first(client.iter_webhooks())
        emu.faults.drop_connection(method="PUT", path=WEBHOOKS, after_handling=True)
        with pytest.raises(WriteOutcomeUnknown):
            await client.update_webhook(
                hook.id,
                webhook_body(hook.body.name, "https://wfm.example.com/v3"),
                if_match=hook.version_tag,
            )
        assert (await client.get_webhook(hook.id)).body.url == "https://wfm.example.com/v3"
        stats = client.stats
    puts = [r.status for r in emu.requests if r.method == "PUT"]
    assert puts == [None]  # the lost PUT landed and was not repeated
    assert stats.retries == 3 and stats.rate_limited == 1 and stats.token_requests == 2


async def _session(client: DialerV1Client, emu: Emulator) -> None:
    await client.get_settings()
    created = await client.create_webhook(webhook_body("WFM_Secret_Check"))
    emu.faults.expire_tokens()
    emu.faults.http_error(503, method="PUT", path=WEBHOOKS)
    await client.update_webhook(
        created.id, webhook_body("WFM_Secret_Check"), if_match=created.version_tag
    )


def _leaks(text: str, secrets: set[str]) -> list[str]:
    return [s for s in secrets if s and s in text]


async def test_no_secret_in_logs_reprs_events_or_errors_over_sockets(
    served: tuple[Emulator, str], caplog: pytest.LogCaptureFixture
) -> None:
    emu, base_url = served
    spy = HeaderSpy(httpx.AsyncHTTPTransport())
    events: list[ClientEvent] = []
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    async with socket_client(base_url, spy, events) as client:
        await _session(client, emu)
        seen = repr(client) + repr(client.stats) + repr(events)
    async with socket_client(base_url, spy, events, secret="not-" + SECRET) as refused:
        with pytest.raises(errors.AuthError) as caught:
            await refused.get_settings()
    tokens = {value.removeprefix("Bearer ") for value in spy.authorizations}
    assert len(tokens) == 2  # a refresh happened, so two tokens were in play
    secrets = {SECRET, WEBHOOK_TOKEN, *tokens}
    assert caplog.records  # httpx/httpcore did log at DEBUG
    assert _leaks(caplog.text, secrets) == []
    assert _leaks(seen + str(caught.value) + repr(caught.value), secrets) == []
    assert repr(client) == f"DialerV1Client(base_url={base_url!r})"


async def test_no_secret_in_logs_in_process(caplog: pytest.LogCaptureFixture) -> None:
    h = make_harness()
    caplog.set_level(logging.DEBUG)
    async with h.client() as client:
        await _session(client, h.emu)
    tokens = {value.removeprefix("Bearer ") for value in h.spy.authorizations}
    assert _leaks(caplog.text + repr(h.events), {SECRET, WEBHOOK_TOKEN, *tokens}) == []
    assert h.emu.webhook_token("WFM_Secret_Check") == WEBHOOK_TOKEN  # it was sent, though
