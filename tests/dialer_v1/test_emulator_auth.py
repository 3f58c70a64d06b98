"""Contract §1 (OAuth, tokens, scopes) and §2 (rate limits) against the emulator."""

from __future__ import annotations

import httpx
import pytest

from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, ManualClock, make_tenant
from tests.dialer_v1.conftest import get_token

CREDS = {"grant_type": "client_credentials", "client_id": "ci", "client_secret": "s3cret"}


def client_for(emu: Emulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator.test")


async def test_token_from_form_and_json_bodies(asgi_client: httpx.AsyncClient) -> None:
    form = await asgi_client.post("/oauth/token", data=CREDS)
    as_json = await asgi_client.post("/oauth/token", json=CREDS)
    for answer in (form, as_json):
        assert answer.status_code == 200
        body = answer.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        assert set(body["scope"].split()) == set(EmulatorConfig().scopes)
    assert form.json()["access_token"] != as_json.json()["access_token"]


async def test_configured_credentials_refuse_others(clock: ManualClock) -> None:
    emu = Emulator(EmulatorConfig(client_id="ci", client_secret="s3cret"), clock, make_tenant())
    async with client_for(emu) as client:
        bad = await client.post("/oauth/token", data={**CREDS, "client_secret": "nope"})
        assert bad.status_code == 401
        assert bad.json()["error"] == "invalid_client"
        assert "s3cret" not in bad.text and "nope" not in bad.text
        assert (await client.post("/oauth/token", data=CREDS)).status_code == 200
        basic = await client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=("ci", "s3cret")
        )
        assert basic.status_code == 200


async def test_bad_grant_and_scope_requests(asgi_client: httpx.AsyncClient) -> None:
    grant = await asgi_client.post("/oauth/token", data={**CREDS, "grant_type": "password"})
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    missing = await asgi_client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert (missing.status_code, missing.json()["error"]) == (401, "invalid_client")
    narrowed = await asgi_client.post("/oauth/token", data={**CREDS, "scope": "dialer:read"})
    assert narrowed.json()["scope"] == "dialer:read"


async def test_missing_unknown_and_expired_tokens_answer_invalid_token(
    emulator: Emulator, asgi_client: httpx.AsyncClient, clock: ManualClock
) -> None:
    assert (await asgi_client.get("/api/v1/dialer/settings")).status_code == 401
    unknown = await asgi_client.get(
        "/api/v1/dialer/settings", headers={"Authorization": "Bearer made-up"}
    )
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_token")
    headers = {"Authorization": f"Bearer {await get_token(asgi_client)}"}
    assert (await asgi_client.get("/api/v1/dialer/settings", headers=headers)).status_code == 200
    clock.advance(3599)
    assert (await asgi_client.get("/api/v1/dialer/settings", headers=headers)).status_code == 200
    clock.advance(1)
    expired = await asgi_client.get("/api/v1/dialer/settings", headers=headers)
    assert (expired.status_code, expired.json()["error"]) == (401, "invalid_token")


async def test_insufficient_scope_names_the_scope(clock: ManualClock) -> None:
    emu = Emulator(EmulatorConfig(scopes=("dialer:read", "campaigns:read")), clock, make_tenant())
    async with client_for(emu) as client:
        headers = {"Authorization": f"Bearer {await get_token(client)}"}
        ok = await client.get("/api/v1/campaigns", headers=headers)
        assert ok.status_code == 200
        cases = [
            ("PUT", "/api/v1/dialer/settings", "dialer:write"),
            ("POST", "/api/v1/campaigns", "campaigns:write"),
            ("GET", "/api/v1/integrations/webhooks", "webhooks:read"),
            ("GET", "/api/v1/audit/logs", "audit:read"),
            ("GET", "/api/v1/analytics/dialer/metrics", "analytics:read"),
        ]
        for method, path, scope in cases:
            answer = await client.request(method, path, headers=headers, json={})
            assert answer.status_code == 403, path
            assert answer.json() == {
                "error": "insufficient_scope",
                "message": f"this call needs the scope {scope}",
                "required_scope": scope,
            }
        refused = await client.post("/oauth/token", data={**CREDS, "scope": "audit:read"})
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_scope")


async def test_policy_and_simulator_accept_dialer_write(clock: ManualClock) -> None:
    emu = Emulator(EmulatorConfig(scopes=("dialer:write",)), clock, make_tenant())
    async with client_for(emu) as client:
        headers = {"Authorization": f"Bearer {await get_token(client)}"}
        settings = make_tenant()["settings"]
        answer = await client.post(
            "/api/v1/dialer/policies/validate",
            headers=headers,
            json={"campaign_config": settings},
        )
        assert answer.status_code == 200
        assert (await client.get("/api/v1/dialer/settings", headers=headers)).status_code == 403


async def test_write_and_read_rate_limits_per_window(clock: ManualClock) -> None:
    config = EmulatorConfig(write_limit_per_minute=3, read_limit_per_minute=5)
    emu = Emulator(config, clock, make_tenant())
    async with client_for(emu) as client:
        headers = {"Authorization": f"Bearer {await get_token(client)}"}
        seen = []
        for _ in range(5):
            answer = await client.get("/api/v1/dialer/settings", headers=headers)
            seen.append((answer.status_code, answer.headers["X-RateLimit-Remaining"]))
        assert seen == [(200, "4"), (200, "3"), (200, "2"), (200, "1"), (200, "0")]
        limited = await client.get("/api/v1/dialer/settings", headers=headers)
        assert limited.status_code == 429
        assert limited.json()["error"] == "rate_limited"
        reset = int(limited.headers["X-RateLimit-Reset"])
        assert limited.headers["Retry-After"] == str(reset)
        assert limited.headers["X-RateLimit-Limit"] == "5"
        assert 1 <= reset <= 60
        # Writes have their own budget: reads being exhausted does not block them.
        body = {"campaign_config": make_tenant()["settings"]}
        for _ in range(3):
            ok = await client.post("/api/v1/dialer/policies/validate", headers=headers, json=body)
            assert ok.status_code == 200
        over = await client.post("/api/v1/dialer/policies/validate", headers=headers, json=body)
        assert over.status_code == 429
        clock.advance(reset)
        again = await client.get("/api/v1/dialer/settings", headers=headers)
        assert (again.status_code, again.headers["X-RateLimit-Remaining"]) == (200, "4")


def test_config_repr_hides_the_secret() -> None:
    config = EmulatorConfig(client_id="ci", client_secret="very-secret-value")
    assert "very-secret-value" not in repr(config)
    with pytest.raises(ValueError):
        EmulatorConfig(client_id="ci")
