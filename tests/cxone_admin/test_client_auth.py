"""Tokens, discovery, the Accept header and secrets, over real sockets."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from reconciler.cxone_admin.auth import AccessKeyCredentials, token_claims
from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.dialer_v1 import errors
from reconciler.errors import ConfigError
from tests.cxone_admin.conftest import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    CLIENT_ID,
    CLIENT_SECRET,
    SECRETS,
    Served,
    config,
    credentials,
)


async def test_a_wrong_app_secret_is_invalid_client(served: Served) -> None:
    async with served.client(credentials(client_secret="wrong-app-secret")) as client:
        with pytest.raises(errors.AuthError, match="invalid_client") as caught:
            await client.business_unit()
    assert "client id or secret" in str(caught.value)
    assert served.api_requests() == []


async def test_a_wrong_access_key_is_invalid_grant(served: Served) -> None:
    async with served.client(credentials(access_key_secret="wrong-key-secret")) as client:
        with pytest.raises(errors.AuthError, match="invalid_grant") as caught:
            await client.business_unit()
    assert "access key" in str(caught.value)
    assert client.stats.token_requests == 1  # refused credentials are not retried


async def test_the_token_names_the_tenant_and_discovery_names_the_host(served: Served) -> None:
    async with served.client() as client:
        base = await client.api_base()
        await client.business_unit()
    assert base == f"{served.url}/inContactAPI/services/v30.0"
    paths = [path for path, _ in served.sent()]
    assert paths[:2] == ["/auth/token", "/.well-known/cxone-configuration"]
    discovery = served.spy.sent[1]
    assert discovery.url.params["tenantId"] == served.emu.config.tenant_id
    token = served.spy.sent[0]
    assert token.headers["Authorization"].startswith("Basic ")
    assert b"grant_type=password" in token.content


async def test_api_url_skips_discovery_and_names_the_version(served: Served) -> None:
    async with served.client(api_url=served.url, api_version=23) as client:
        unit = await client.business_unit()
    assert unit.outboundPortLimit == 150
    assert not [path for path, _ in served.sent() if path.startswith("/.well-known")]
    assert served.api_requests() == ["/inContactAPI/services/v23.0/business-unit"]


async def test_an_unknown_api_version_is_not_found(served: Served) -> None:
    async with served.client(api_version=99) as client:
        with pytest.raises(errors.NotFoundError):
            await client.business_unit()


async def test_discovery_that_does_not_know_the_tenant_is_reported(served: Served) -> None:
    served.emu.faults.http_error(404, path="/.well-known")
    async with served.client() as client:
        with pytest.raises(errors.ProtocolError, match="discovery does not know"):
            await client.business_unit()


async def test_discovery_pointing_at_plain_http_elsewhere_is_refused() -> None:
    # A discovery answer is followed only to https:// or loopback http://.
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            token = "h." + _b64('{"tenantId":"t-1"}') + ".s"
            return httpx.Response(200, json={"access_token": token, "expires_in": "3600"})
        return httpx.Response(200, json={"api_endpoint": "http://api.example.com"})

    client = CxoneAdminClient(
        credentials(), issuer_url="http://127.0.0.1:9", transport=httpx.MockTransport(handler)
    )
    async with client:
        with pytest.raises(ConfigError, match="refusing plain http"):
            await client.api_base()


def _b64(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def test_expiry_mid_run_mints_a_new_token_and_repeats_once(served: Served) -> None:
    async with served.client() as client:
        await client.business_unit()
        # The server stops honouring the token before the client's clock says it expires.
        served.emu.faults.expire_tokens()
        await client.business_unit()
    assert client.stats.token_requests == 2
    assert [e.kind for e in served.events].count("token_refreshed") == 1
    assert [status for _, status in served.sent(suffix="business-unit")] == [200, 401, 200]


async def test_a_second_401_after_a_fresh_token_is_an_error(served: Served) -> None:
    async with served.client() as client:
        await client.business_unit()
        served.emu.faults.http_error(401, count=2, path="/inContactAPI")
        with pytest.raises(errors.AuthError, match="freshly minted"):
            await client.business_unit()
    assert client.stats.token_requests == 2


async def test_tokens_are_reminted_five_minutes_before_expiry(serve: Callable[..., Served]) -> None:
    served = serve(config(token_ttl_seconds=3600))
    async with served.client() as client:
        await client.business_unit()
        served.time.clock.advance(3600 - 301)
        await client.business_unit()
        assert client.stats.token_requests == 1
        served.time.clock.advance(2)
        await client.business_unit()
    assert client.stats.token_requests == 2
    assert 401 not in [status for _, status in served.sent()]


async def test_every_request_says_accept_json(served: Served) -> None:
    async with served.client() as client:
        await client.business_unit()
        [s async for s in client.iter_skills()]
        await client.put_block(11001, await client.get_block(11001, "retrySettings"))
    assert served.spy.sent
    assert all(r.headers.get("Accept") == "application/json" for r in served.spy.sent)


async def test_without_accept_the_api_answers_text_and_the_client_says_why(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url) as raw:
        form = {"grant_type": "password", "username": ACCESS_KEY_ID, "password": ACCESS_KEY_SECRET}
        minted = await raw.post("/auth/token", data=form, auth=(CLIENT_ID, CLIENT_SECRET))
        token = minted.json()["access_token"]
        answer = await raw.get(
            "/inContactAPI/services/v30.0/business-unit",
            headers={"Authorization": f"Bearer {token}", "Accept": "*/*"},
        )
    assert (answer.status_code, answer.text) == (200, "No known way to render data")
    async with served.client(strip=("Accept",)) as client:
        with pytest.raises(errors.ProtocolError, match="not JSON") as caught:
            await client.business_unit()
    assert "Accept: application/json" in str(caught.value)


async def test_the_token_is_jwt_shaped_with_the_tenant(served: Served) -> None:
    async with served.client() as client:
        await client.business_unit()
    answer = served.spy.sent[1]  # the discovery request carries the bearer token
    claims = token_claims(answer.headers["Authorization"].removeprefix("Bearer "))
    assert claims["tenantId"] == served.emu.config.tenant_id
    assert {"icBUId", "icClusterId", "area", "exp"} <= set(claims)


async def test_secrets_never_reach_logs_reprs_or_errors(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    found: list[str] = []
    async with served.client() as client:
        await client.business_unit()
        served.emu.faults.http_error(503, path="/inContactAPI")
        await client.business_unit()
        found += [repr(client), repr(credentials())]
    async with served.client(credentials(client_secret="another-secret-1")) as bad:
        with pytest.raises(errors.AuthError) as caught:
            await bad.business_unit()
    found += [str(caught.value), repr(caught.value), caplog.text]
    tokens = [
        r.headers["Authorization"] for r in served.spies[0].sent if "Authorization" in r.headers
    ]
    for text in found:
        for secret in (*SECRETS, "another-secret-1", *tokens):
            assert secret not in text


def test_credentials_never_show_their_secrets() -> None:
    creds: AccessKeyCredentials = credentials()
    assert ACCESS_KEY_SECRET not in repr(creds)
    assert CLIENT_SECRET not in repr(creds.basic_auth())
    assert creds.token_form()["password"] == ACCESS_KEY_SECRET
