"""The emulator itself, over raw HTTP on a loopback socket: issuer, discovery, the API's own
answers, switches the client never needs to see, seeds, the control API and the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.cxone_admin.emulator import AdminEmulatorConfig, load_seed_file
from tests.cxone_admin.conftest import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    CLIENT_ID,
    CLIENT_SECRET,
    Served,
    config,
)

API = "/inContactAPI/services/v30.0"
FORM = {"grant_type": "password", "username": ACCESS_KEY_ID, "password": ACCESS_KEY_SECRET}


async def _token(raw: httpx.AsyncClient) -> dict[str, str]:
    answer = await raw.post("/auth/token", data=FORM, auth=(CLIENT_ID, CLIENT_SECRET))
    assert answer.status_code == 200, answer.text
    return {
        "Authorization": f"Bearer {answer.json()['access_token']}",
        "Accept": "application/json",
    }


async def test_the_issuer_refuses_as_oauth_says(served: Served) -> None:
    app = (CLIENT_ID, CLIENT_SECRET)
    requests: list[tuple[dict[str, str], tuple[str, str] | None]] = [
        (FORM, None),
        (FORM, (CLIENT_ID, "wrong")),
        ({**FORM, "password": "wrong"}, app),
        ({**FORM, "grant_type": "client_credentials"}, app),
        ({"grant_type": "password"}, app),
    ]
    async with httpx.AsyncClient(base_url=served.url) as raw:
        cases = [await raw.post("/auth/token", data=form, auth=basic) for form, basic in requests]
    assert [(a.status_code, a.json()["error"]) for a in cases] == [
        (401, "invalid_client"),
        (401, "invalid_client"),
        (401, "invalid_grant"),
        (400, "unsupported_grant_type"),
        (400, "invalid_request"),
    ]
    assert all(CLIENT_SECRET not in a.text and ACCESS_KEY_SECRET not in a.text for a in cases)


async def test_without_configured_credentials_any_are_accepted(
    serve: Callable[..., Served],
) -> None:
    served = serve(AdminEmulatorConfig())
    async with httpx.AsyncClient(base_url=served.url) as raw:
        answer = await raw.post("/auth/token", data=FORM, auth=("anyone", "anything"))
    assert answer.status_code == 200
    assert set(answer.json()) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "id_token",
    }


async def test_discovery_needs_the_tenant(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url) as raw:
        missing = await raw.get("/.well-known/cxone-configuration")
        unknown = await raw.get("/.well-known/cxone-configuration", params={"tenantId": "nope"})
    assert (missing.status_code, unknown.status_code) == (400, 404)


@pytest.mark.parametrize("dialect", ["object", "bare"])
async def test_errors_in_either_dialect(serve: Callable[..., Served], dialect: Any) -> None:
    served = serve(config(error_body=dialect))
    served.emu.faults.http_error(503, path=f"{API}/business-unit")
    async with httpx.AsyncClient(base_url=served.url) as raw:
        unauthorised = await raw.get(f"{API}/skills", headers={"Accept": "application/json"})
        headers = await _token(raw)
        invalid = await raw.put(
            f"{API}/skills/11001/parameters/general-settings",
            json={"generalSettings": {"maximumRatio": 4}},
            headers=headers,
        )
        injected = await raw.get(f"{API}/business-unit", headers=headers)
    if dialect == "object":
        assert unauthorised.json() == {
            "error": "Unauthorized",
            "errorDescription": "Invalid or expired token",
        }
        assert invalid.json() == {
            "error": "InvalidParameter",
            "errorDescription": "Invalid maximumRatio",
        }
        assert injected.json()["error"] == "ServiceUnavailable"
    else:
        assert (unauthorised.text, invalid.text, injected.text) == (
            "Unauthorized",
            "InvalidParameter",
            "ServiceUnavailable",
        )
    assert (unauthorised.status_code, invalid.status_code, injected.status_code) == (401, 400, 503)


@pytest.mark.parametrize("fold", [True, False])
async def test_key_binding_in_any_case_or_exactly(serve: Callable[..., Served], fold: bool) -> None:
    served = serve(config(case_insensitive=fold))
    async with httpx.AsyncClient(base_url=served.url) as raw:
        headers = await _token(raw)
        answer = await raw.put(
            f"{API}/skills/11001/parameters/retry-settings",
            json={"RetrySettings": {"GeneralStaleMinutes": 90}},
            headers=headers,
        )
    stored = served.emu.block("Collections_East", "retrySettings")["generalStaleMinutes"]
    if fold:
        assert (answer.status_code, stored) == (200, 90)
    else:
        # The wrapper itself does not bind: "cannot be null or empty".
        assert (answer.status_code, stored) == (400, 60)


async def test_skills_core_fields_refuse_a_running_skill(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url) as raw:
        headers = await _token(raw)
        running = await raw.put(
            f"{API}/skills/11002", json={"skill": {"notes": "x"}}, headers=headers
        )
        idle = await raw.put(f"{API}/skills/11001", json={"skill": {"notes": "x"}}, headers=headers)
        empty = await raw.put(f"{API}/skills/11001", json={}, headers=headers)
        skill = (await raw.get(f"{API}/skills/11001", headers=headers)).json()
    assert running.status_code == 409
    assert "Cannot update a running skill" in running.json()["errorDescription"]
    assert (idle.status_code, idle.json(), empty.status_code) == (
        200,
        {"success": True, "skillId": 11001},
        400,
    )
    assert skill["notes"] == "x"


async def test_write_only_blocks_and_zone_checks(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url) as raw:
        headers = await _token(raw)
        cadence = {"attemptMode": "1", "destinationRetryRestMinutes": 30}
        put = await raw.put(
            f"{API}/skills/11001/parameters/cadence-settings", json=cadence, headers=headers
        )
        get = await raw.get(f"{API}/skills/11001/parameters/cadence-settings", headers=headers)
        zone = await raw.put(
            f"{API}/skills/11001/parameters/time-zones",
            json={"timeZoneSettings": [{"standardName": "Mars Standard Time"}]},
            headers=headers,
        )
        stop = await raw.post(
            f"{API}/skills/11002/stop", params={"force": "maybe"}, headers=headers
        )
        inbound = await raw.get(f"{API}/skills/12001/parameters", headers=headers)
    assert (put.status_code, get.status_code, zone.status_code, stop.status_code) == (
        200,
        405,
        400,
        400,
    )
    assert inbound.status_code == 404
    stored = next(s for s in served.emu.tenant_json()["skills"] if s["skill"]["skillId"] == 11001)
    assert stored["writeOnly"] == {"cadence-settings": cadence}


async def test_metrics_refuse_bad_ranges(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url) as raw:
        headers = await _token(raw)
        wfm = f"{API}/wfm-data/skills/dialer-contacts"
        day, next_day, half_hour = (
            "2026-09-20T00:00:00Z",
            "2026-09-21T00:00:00Z",
            "2026-09-20T00:30:00Z",
        )
        queries: list[dict[str, Any]] = [
            {"startDate": day, "endDate": next_day},
            {"startDate": "yesterday", "endDate": next_day, "mediaTypeId": 4},
            {"startDate": next_day, "endDate": day, "mediaTypeId": 4},
            {"startDate": day, "endDate": half_hour, "mediaTypeId": 1},
        ]
        answers = [await raw.get(wfm, params=q, headers=headers) for q in queries]
    assert [a.status_code for a in answers] == [400, 400, 400, 200]
    assert answers[3].json() == {"wfM_OB_StatsV9": []}  # no voice rows for e-mail


@pytest.mark.parametrize("retry_after", [True, False])
async def test_the_rate_limit_says_retry_after_only_when_switched_on(
    serve: Callable[..., Served], retry_after: bool
) -> None:
    served = serve(config(read_limit_per_minute=1, retry_after=retry_after))
    async with httpx.AsyncClient(base_url=served.url) as raw:
        headers = await _token(raw)
        first = await raw.get(f"{API}/business-unit", headers=headers)
        second = await raw.get(f"{API}/business-unit", headers=headers)
        served.time.clock.advance(60)
        third = await raw.get(f"{API}/business-unit", headers=headers)
    assert (first.status_code, second.status_code, third.status_code) == (200, 429, 200)
    assert ("retry-after" in second.headers) is retry_after


async def test_an_edit_can_wait_for_our_next_read(served: Served) -> None:
    served.emu.edit_block("Collections_East", "generalSettings", {"maximumRatio": 1}, after="read")
    async with httpx.AsyncClient(base_url=served.url) as raw:
        headers = await _token(raw)
        path = f"{API}/skills/11001/parameters/general-settings"
        read = (await raw.get(path, headers=headers)).json()
        again = (await raw.get(path, headers=headers)).json()
    assert (read["maximumRatio"], again["maximumRatio"]) == (2, 1)


async def test_an_edit_waiting_for_a_read_fires_on_the_skills_parameters_not_the_listing(
    served: Served,
) -> None:
    served.emu.edit_block("Collections_East", "cpaSettings", {"abandonTimeout": 1}, after="read")
    async with httpx.AsyncClient(base_url=served.url) as raw:
        headers = await _token(raw)

        async def timeout(path: str) -> Any:
            data = (await raw.get(f"{API}{path}", headers=headers)).json()
            skills = data.get("skills", [data])
            return next(s for s in skills if s["skillNo"] == 11001)["cpaSettings"]["abandonTimeout"]

        listing = await timeout("/skills/parameters")  # a plan's read: does not fire
        own = await timeout("/skills/11001/parameters")  # a write path's read: fires after
        again = await timeout("/skills/11001/parameters")
    assert (listing, own, again) == (2, 2, 1)


async def test_the_control_api(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url) as raw:
        skill = "Winback_West"
        edit = {"skill": skill, "block": "generalSettings", "changes": {"maximumRatio": 3}}
        calls: list[tuple[str, dict[str, Any]]] = [
            ("faults/http_error", {"status": 500, "path": API}),
            ("edit/block", edit),
            ("skills/running", {"skill": skill, "running": True}),
            ("metrics", {"skill": skill, "name": "abandons", "value": 4}),
            ("clock/advance", {"seconds": 30}),
            ("faults/clear", {}),
            ("faults/nonsense", {}),
            ("edit/block", {"skill": "Nobody"}),
        ]
        answers = [await raw.post(f"/_emulator/{path}", json=body) for path, body in calls]
        tenant = (await raw.get("/_emulator/tenant")).json()
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 200, 404, 400]
    winback = next(s for s in tenant["skills"] if s["skill"]["skillName"] == "Winback_West")
    assert winback["parameters"]["generalSettings"]["maximumRatio"] == 3
    assert winback["skill"]["isRunning"] is True
    assert {g["dncGroupName"]: g["scrubbedSkills"] for g in tenant["dncGroups"]}[
        "National_DNC"
    ] == [11001, 11002]


def test_seed_files_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "seed.json"
    good.write_text(json.dumps({"businessUnit": {"timeZones": []}, "skills": [], "dncGroups": []}))
    assert load_seed_file(good)["skills"] == []
    unit = "businessUnit: {}\n"
    cases = {
        "top.yaml": unit + "webhooks: []\n",
        "block.yaml": unit + "skills: [{skillId: 1, skillName: a, parameters: {bogus: {}}}]\n",
        "type.yaml": unit + "skills: [{skillId: 1, skillName: a, parameters: {retrySettings:"
        " {maximumAttempts: true}}}]",
        "dup.yaml": unit + "skills: [{skillId: 1, skillName: a}, {skillId: 1, skillName: b}]\n",
        "link.yaml": unit + "dncGroups: [{dncGroupId: 1, dncGroupName: g, scrubbedSkills: [5]}]\n",
        "yaml.yaml": "businessUnit: [\n",
    }
    messages = {}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(ValueError) as caught:
            load_seed_file(path)
        messages[name] = str(caught.value)
    assert "unknown top-level keys ['webhooks']" in messages["top.yaml"]
    assert "unknown block 'bogus'" in messages["block.yaml"]
    assert "retrySettings" in messages["type.yaml"]
    assert "unique" in messages["dup.yaml"]
    assert "scrubbedSkills" in messages["link.yaml"]
    assert "not readable" in messages["yaml.yaml"]


def test_config_refuses_half_credentials_and_hides_secrets() -> None:
    with pytest.raises(ValueError, match="access_key_secret"):
        AdminEmulatorConfig(access_key_id="a")
    with pytest.raises(ValueError, match="top_cap"):
        AdminEmulatorConfig(top_cap=0)
    assert CLIENT_SECRET not in repr(config())


async def test_the_cli_serves_the_admin_api_and_stops_on_sigterm(tmp_path: Path) -> None:
    arguments = ["--api", "cxone-admin", "--port", "0", "--error-body", "bare"]
    arguments += ["--access-key-id", ACCESS_KEY_ID, "--access-key-secret", ACCESS_KEY_SECRET]
    arguments += ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "reconciler",
        "emulator",
        *arguments,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        assert line.startswith("emulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[-1]
        async with httpx.AsyncClient(base_url=url) as raw:
            headers = await _token(raw)
            skills = await raw.get(f"{API}/skills", headers=headers)
            refused = await raw.get(f"{API}/skills")
        assert skills.json()["totalRecords"] == 6
        assert (refused.status_code, refused.text) == (401, "Unauthorized")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 20)
    output = (await proc.stdout.read()).decode() + (await proc.stderr.read()).decode()  # type: ignore[union-attr]
    assert code == 0
    assert CLIENT_SECRET not in output and ACCESS_KEY_SECRET not in output
