"""OAuth behaviour of DialerV1Client: caching, refresh, refused credentials, missing scopes."""

from __future__ import annotations

import pytest

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.emulator import ALL_SCOPES
from tests.dialer_v1.test_client_harness import SECRET, campaign_body, make_harness

TOKEN = "/oauth/token"


async def test_token_is_cached_across_calls() -> None:
    h = make_harness()
    async with h.client() as client:
        for _ in range(5):
            await client.get_settings()
        assert client.stats.token_requests == 1
    assert h.statuses("POST", TOKEN) == [200]


async def test_token_is_renewed_before_expiry_minus_margin() -> None:
    h = make_harness(token_ttl_seconds=1000)
    async with h.client(token_safety_margin_seconds=300) as client:
        await client.get_settings()
        h.time.clock.advance(650)  # before ttl - margin (700 s): the cached token is kept
        await client.get_settings()
        assert client.stats.token_requests == 1
        h.time.clock.advance(100)  # inside the token's life (1000 s), past ttl - margin
        await client.get_settings()
        assert client.stats.token_requests == 2
    # Renewed proactively: the API never saw a 401.
    assert 401 not in h.statuses("GET", "/api/v1")


async def test_expired_token_is_refreshed_once_and_the_call_repeated() -> None:
    h = make_harness()
    async with h.client() as client:
        await client.get_settings()
        h.emu.faults.expire_tokens()
        settings = await client.get_settings()
    assert settings.version_tag
    assert h.statuses("GET", "/api/v1/dialer/settings") == [200, 401, 200]
    assert h.statuses("POST", TOKEN) == [200, 200]
    assert [e.kind for e in h.events] == ["token_refreshed"]


async def test_a_second_401_after_refresh_is_an_auth_error() -> None:
    h = make_harness()
    async with h.client() as client:
        h.emu.faults.http_error(401, count=2, path="/api/v1/dialer/settings")
        with pytest.raises(errors.AuthError, match="freshly issued token"):
            await client.get_settings()
    assert h.statuses("GET", "/api/v1/dialer/settings") == [401, 401]


async def test_invalid_client_is_an_auth_error_without_the_secret() -> None:
    h = make_harness()
    async with h.client(secret="wrong-" + SECRET) as client:
        with pytest.raises(errors.AuthError) as caught:
            await client.get_settings()
    text = str(caught.value) + repr(caught.value)
    assert "invalid_client" in text
    assert SECRET not in text
    assert h.statuses("POST", TOKEN) == [401]  # not retried: retrying cannot fix it


async def test_token_endpoint_429_and_5xx_are_retried() -> None:
    h = make_harness()
    h.emu.faults.http_error(429, path=TOKEN, retry_after=3)
    h.emu.faults.http_error(503, path=TOKEN)
    async with h.client() as client:
        await client.get_settings()
    assert h.statuses("POST", TOKEN) == [429, 503, 200]
    assert 3.0 in h.time.slept


async def test_403_names_the_scope_and_the_command() -> None:
    read_only = tuple(s for s in ALL_SCOPES if not s.endswith(":write"))
    h = make_harness(scopes=read_only)
    async with h.client(command="apply") as client:
        with pytest.raises(errors.ScopeError) as caught:
            await client.create_campaign(campaign_body("New_One"))
    assert caught.value.required_scope == "campaigns:write"
    assert "`reconciler apply` needs the scope campaigns:write" in str(caught.value)
    assert h.statuses("POST", "/api/v1/campaigns") == [403]  # not retried
