"""Every fault kind, shown to work in-process and over a real socket on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, ManualClock, make_tenant
from reconciler.dialer_v1.emulator import serve_in_thread as serve
from tests.dialer_v1.conftest import get_token


@dataclass
class Target:
    emu: Emulator
    client: httpx.AsyncClient
    auth: dict[str, str]
    clock: ManualClock


@pytest.fixture(params=["in-process", "socket"])
async def target(request: pytest.FixtureRequest, clock: ManualClock) -> AsyncIterator[Target]:
    emu = Emulator(EmulatorConfig(), clock, make_tenant())
    if request.param == "in-process":
        async with httpx.AsyncClient(transport=emu.transport(), base_url="http://e") as client:
            yield Target(emu, client, {"Authorization": f"Bearer {await get_token(client)}"}, clock)
        return
    with serve(emu) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            yield Target(emu, client, {"Authorization": f"Bearer {await get_token(client)}"}, clock)


async def test_http_error_with_and_without_retry_after(target: Target) -> None:
    target.emu.faults.http_error(429, count=2, path="/api/v1/campaigns", retry_after=7)
    target.emu.faults.http_error(503, method="GET", path="/api/v1/dialer")
    first = await target.client.get("/api/v1/campaigns", headers=target.auth)
    second = await target.client.get("/api/v1/campaigns/c-000001", headers=target.auth)
    third = await target.client.get("/api/v1/campaigns", headers=target.auth)
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "7"
    settings = await target.client.get("/api/v1/dialer/settings", headers=target.auth)
    assert settings.status_code == 503 and "Retry-After" not in settings.headers
    assert settings.json()["error"] == "service_unavailable"
    assert (
        await target.client.get("/api/v1/dialer/settings", headers=target.auth)
    ).status_code == 200
    statuses = [(r.path, r.status) for r in target.emu.requests[-5:]]
    assert statuses[0] == ("/api/v1/campaigns", 429)


async def test_http_error_on_writes_is_not_handled(target: Target) -> None:
    body = (await target.client.get("/api/v1/dialer/settings", headers=target.auth)).json()
    target.emu.faults.http_error(500, method="PUT")
    answer = await target.client.put(
        "/api/v1/dialer/settings",
        headers={**target.auth, "If-Match": body["versionTag"]},
        json={**body, "name": "X"},
    )
    assert answer.status_code == 500
    assert target.emu.tenant.operations == {}


async def test_dropped_connection_before_handling(target: Target) -> None:
    target.emu.faults.drop_connection(path="/api/v1/campaigns")
    with pytest.raises(httpx.RemoteProtocolError):
        await target.client.get("/api/v1/campaigns", headers=target.auth)
    assert target.emu.requests[-1].status is None
    assert (await target.client.get("/api/v1/campaigns", headers=target.auth)).status_code == 200


async def test_dropped_connection_after_handling_lands_the_write(target: Target) -> None:
    body = (await target.client.get("/api/v1/dialer/settings", headers=target.auth)).json()
    target.emu.faults.drop_connection(method="PUT", after_handling=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await target.client.put(
            "/api/v1/dialer/settings",
            headers={**target.auth, "If-Match": body["versionTag"]},
            json={**body, "name": "Landed"},
        )
    target.clock.advance(1)
    live = (await target.client.get("/api/v1/dialer/settings", headers=target.auth)).json()
    assert live["name"] == "Landed"


async def test_latency_applies_until_cleared(target: Target) -> None:
    target.emu.faults.latency(0.01, path="/api/v1/dialer")
    for _ in range(2):
        answer = await target.client.get("/api/v1/dialer/settings", headers=target.auth)
        assert answer.status_code == 200
    rules = target.emu.faults.for_request("GET", "/api/v1/dialer/settings")
    assert rules.delay == pytest.approx(0.01)
    target.emu.faults.clear()
    assert target.emu.faults.for_request("GET", "/api/v1/dialer/settings").delay == 0


async def test_expired_tokens_answer_invalid_token(target: Target) -> None:
    target.emu.faults.expire_tokens()
    stale = await target.client.get("/api/v1/dialer/settings", headers=target.auth)
    assert (stale.status_code, stale.json()["error"]) == (401, "invalid_token")
    fresh = {"Authorization": f"Bearer {await get_token(target.client)}"}
    assert (await target.client.get("/api/v1/dialer/settings", headers=fresh)).status_code == 200


async def test_operation_faults(target: Target) -> None:
    body = (await target.client.get("/api/v1/dialer/settings", headers=target.auth)).json()
    target.emu.faults.hang_operation()
    hung = await target.client.put(
        "/api/v1/dialer/settings",
        headers={**target.auth, "If-Match": body["versionTag"]},
        json={**body, "name": "Hung"},
    )
    target.clock.advance(60)
    location = hung.headers["Location"]
    assert (await target.client.get(location, headers=target.auth)).json()["status"] == (
        "IN_PROGRESS"
    )
    target.emu.faults.clear()
    target.clock.advance(1)
    assert (await target.client.get(location, headers=target.auth)).json()["status"] == (
        "COMPLETED"
    )
    live = (await target.client.get("/api/v1/dialer/settings", headers=target.auth)).json()
    target.emu.faults.fail_operation(partially_applied=True)
    failed = await target.client.put(
        "/api/v1/dialer/settings",
        headers={**target.auth, "If-Match": live["versionTag"]},
        json={**live, "name": "Half", "concurrency": {**live["concurrency"], "max_agents": 9}},
    )
    target.clock.advance(1)
    op = (await target.client.get(failed.headers["Location"], headers=target.auth)).json()
    assert op["status"] == "FAILED" and op["errorDetails"]["partiallyApplied"] is True


async def test_faults_are_validated() -> None:
    emu = Emulator(EmulatorConfig(), ManualClock(), make_tenant())
    with pytest.raises(ValueError):
        emu.faults.http_error(200)
    with pytest.raises(ValueError):
        emu.faults.drop_connection(count=0)
    with pytest.raises(ValueError):
        emu.faults.hang_operation(resource_type="webhook")


async def test_replace_body_answers_the_given_bytes_after_handling(target: Target) -> None:
    html = "<html><title>Sign in</title></html>"
    target.emu.faults.replace_body(html, content_type="text/html", path="/api/v1/dialer/settings")
    replaced = await target.client.get("/api/v1/dialer/settings", headers=target.auth)
    assert (replaced.status_code, replaced.text) == (200, html)
    assert replaced.headers["content-type"] == "text/html"
    assert replaced.headers["content-length"] == str(len(html))
    assert (
        "versionTag"
        in (await target.client.get("/api/v1/dialer/settings", headers=target.auth)).json()
    )
    assert target.emu.requests[-2].status == 200

    body = (await target.client.get("/api/v1/dialer/settings", headers=target.auth)).json()
    target.emu.faults.replace_body(body_base64="eyJvcGVyYXRpb25JZCI6", method="PUT", status=202)
    cut = await target.client.put(
        "/api/v1/dialer/settings",
        headers={**target.auth, "If-Match": body["versionTag"]},
        json={**body, "name": "Handled"},
    )
    assert (cut.status_code, cut.content) == (202, b'{"operationId":')
    assert len(target.emu.tenant.operations) == 1  # the write was handled, only its answer lost


async def test_page_token_repeat_makes_a_listing_endless(target: Target) -> None:
    target.emu.faults.page_token(path="/api/v1/campaigns")
    first = (await target.client.get("/api/v1/campaigns?pageSize=1", headers=target.auth)).json()
    token = first["nextPageToken"]
    for _ in range(3):
        page = await target.client.get(
            f"/api/v1/campaigns?pageSize=1&pageToken={token}", headers=target.auth
        )
        assert page.json()["nextPageToken"] == token
        assert page.json()["campaigns"][0]["id"] == "c-000002"


async def test_page_token_restart_sends_the_last_page_back_to_the_first_token(
    target: Target,
) -> None:
    target.emu.faults.page_token(mode="restart", path="/api/v1/campaigns")
    tokens: list[str | None] = []
    token: str | None = None
    for _ in range(4):
        query = "pageSize=1" + (f"&pageToken={token}" if token else "")
        page = (await target.client.get(f"/api/v1/campaigns?{query}", headers=target.auth)).json()
        token = page["nextPageToken"]
        tokens.append(token)
    assert tokens[2] == tokens[0] and tokens[3] == tokens[1]  # 3 campaigns: 1 -> 2 -> 3 -> 2
    target.emu.faults.clear()
    last = await target.client.get(
        f"/api/v1/campaigns?pageSize=1&pageToken={tokens[1]}", headers=target.auth
    )
    assert last.json()["nextPageToken"] is None


async def test_an_error_fault_fires_first_and_leaves_the_rewrite_for_the_next_request(
    target: Target,
) -> None:
    target.emu.faults.replace_body("null", path="/api/v1/dialer/settings")
    target.emu.faults.http_error(503, path="/api/v1/dialer/settings")
    first = await target.client.get("/api/v1/dialer/settings", headers=target.auth)
    second = await target.client.get("/api/v1/dialer/settings", headers=target.auth)
    third = await target.client.get("/api/v1/dialer/settings", headers=target.auth)
    assert [first.status_code, second.text, third.status_code] == [503, "null", 200]


def test_rewrite_faults_are_validated() -> None:
    emu = Emulator(EmulatorConfig(), ManualClock(), make_tenant())
    with pytest.raises(ValueError):
        emu.faults.replace_body("x", status=99)
    with pytest.raises(ValueError):
        emu.faults.replace_body("x", content_type="text/html\r\nX-Evil: 1")
    with pytest.raises(ValueError):
        emu.faults.replace_body(body_base64="***")
    with pytest.raises(ValueError):
        emu.faults.page_token(mode="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        emu.faults.page_token(count=0)
