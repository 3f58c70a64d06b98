"""The `/_emulator/` control API, and `reconciler emulator` run as a real subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

import httpx
import pytest

from reconciler.dialer_v1.emulator import Emulator
from tests.dialer_v1.conftest import get_token


async def test_control_endpoints_script_faults_and_edits(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    name = emulator.tenant_json()["campaigns"][0]["name"]
    calls = [
        ("/_emulator/faults/http_error", {"status": 502, "path": "/api/v1/campaigns"}),
        ("/_emulator/edit/settings", {"changes": {"name": "Edited"}}),
        ("/_emulator/edit/campaign", {"name": name, "changes": {"dnc_lists": ["national"]}}),
        (
            "/_emulator/edit/webhook",
            {"name": "WFM_Dialer_Sync_01", "changes": {"auth": {"token": "new"}}},
        ),
        ("/_emulator/metrics", {"campaign_name": name, "metric": "efficiency", "value": 0.5}),
        ("/_emulator/clock/advance", {"seconds": 5}),
        (
            "/_emulator/faults/replace_body",
            {"body": "No known way to render data", "content_type": "text/plain", "count": 1},
        ),
        ("/_emulator/faults/page_token", {"mode": "repeat", "path": "/api/v1/audit"}),
    ]
    for path, args in calls:
        answer = await asgi_client.post(path, json=args)
        assert answer.status_code == 200, (path, answer.text)
    assert (await asgi_client.get("/api/v1/campaigns", headers=auth)).status_code == 502
    rendered = await asgi_client.get("/api/v1/dialer/settings", headers=auth)
    assert (rendered.status_code, rendered.text) == (200, "No known way to render data")
    first = await asgi_client.get("/api/v1/audit/logs?pageSize=1", headers=auth)
    token = first.json()["nextPageToken"]
    again = await asgi_client.get(f"/api/v1/audit/logs?pageSize=1&pageToken={token}", headers=auth)
    assert again.json()["nextPageToken"] == token
    tenant = (await asgi_client.get("/_emulator/tenant")).json()
    assert tenant["settings"]["name"] == "Edited"
    assert emulator.webhook_token("WFM_Dialer_Sync_01") == "new"
    added = await asgi_client.post(
        "/_emulator/campaigns", json={"body": {**tenant["campaigns"][1], "name": "Via_Control"}}
    )
    assert added.json()["id"].startswith("c-")
    removed = await asgi_client.post("/_emulator/campaigns/remove", json={"name": "Via_Control"})
    assert removed.status_code == 200
    records = (await asgi_client.get("/_emulator/requests")).json()
    assert all(not r["path"].startswith("/_emulator") for r in records)
    assert {"method": "GET", "path": "/api/v1/campaigns", "query": "", "status": 502} in records
    bad = [
        ("/_emulator/faults/http_error", {"status": 200}),
        ("/_emulator/faults/latency", {"bogus": 1}),
        ("/_emulator/faults/replace_body", {"body_base64": "not base64!"}),
        ("/_emulator/faults/page_token", {"mode": "sideways"}),
        ("/_emulator/edit/settings", {"changes": {"concurrency": {"max_agents": 0}}}),
        ("/_emulator/edit/campaign", {"name": "Nope", "changes": {}}),
    ]
    for path, args in bad:
        assert (await asgi_client.post(path, json=args)).status_code == 400, path
    assert (await asgi_client.post("/_emulator/faults/meteor", json={})).status_code == 404
    cleared = await asgi_client.post("/_emulator/faults/clear")
    assert cleared.status_code == 200
    assert (await asgi_client.get("/_emulator/deliveries")).status_code == 200


async def _read_line(stream: asyncio.StreamReader) -> str:
    return (await asyncio.wait_for(stream.readline(), timeout=20)).decode()


async def test_cli_serves_until_sigterm() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "reconciler",
        "emulator",
        "--port",
        "0",
        "--client-id",
        "cli-id",
        "--client-secret",
        "cli-secret-xyz",
        "--operation-seconds",
        "0",
        "--write-limit",
        "50",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        line = await _read_line(proc.stdout)
        assert line.startswith("emulator listening on http://127.0.0.1:")
        base_url = line.split()[-1]
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            refused = await client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
            )
            assert refused.status_code == 401
            token = await get_token(client, client_id="cli-id", client_secret="cli-secret-xyz")
            auth = {"Authorization": f"Bearer {token}"}
            await client.post("/_emulator/faults/http_error", json={"status": 504})
            assert (await client.get("/api/v1/dialer/settings", headers=auth)).status_code == 504
            settings = await client.get("/api/v1/dialer/settings", headers=auth)
            assert settings.headers["X-RateLimit-Limit"] == "1000"
            assert len((await client.get("/_emulator/requests")).json()) == 4
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=20)
        output = line + (await proc.stdout.read()).decode() + (await proc.stderr.read()).decode()
        assert code == 0
        assert "cli-secret-xyz" not in output
    finally:
        if proc.returncode is None:
            proc.kill()
            with contextlib.suppress(ProcessLookupError):
                await proc.wait()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1"])
async def test_cli_refuses_remote_hosts(host: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "reconciler",
        "emulator",
        "--host",
        host,
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    assert proc.returncode == 1
    assert b"--allow-remote" in err and out == b""
