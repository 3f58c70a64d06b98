"""Contract §2-§5, §7: versioned resources, preconditions, validation, paging, webhooks."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import httpx

from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, ManualClock, make_tenant
from tests.dialer_v1.conftest import get_token

SETTINGS = "/api/v1/dialer/settings"
CAMPAIGNS = "/api/v1/campaigns"
WEBHOOKS = "/api/v1/integrations/webhooks"


def new_campaign(name: str = "Fresh_Campaign") -> dict[str, Any]:
    body = copy.deepcopy(make_tenant(campaigns=1)["campaigns"][0])
    body["name"] = name
    return body


async def wait_done(
    client: httpx.AsyncClient, clock: ManualClock, auth: dict[str, str], location: str
) -> dict[str, Any]:
    clock.advance(1)
    answer = await client.get(location, headers=auth)
    assert answer.status_code == 200
    return dict(answer.json())


async def test_settings_etag_and_activation(
    asgi_client: httpx.AsyncClient, auth: dict[str, str], clock: ManualClock
) -> None:
    read = await asgi_client.get(SETTINGS, headers=auth)
    body = read.json()
    assert read.headers["ETag"] == f'"{body["versionTag"]}"'
    changed = {**body, "algorithm": {**body["algorithm"], "dial_ratio": 3.0}}
    missing = await asgi_client.put(SETTINGS, headers=auth, json=changed)
    assert (missing.status_code, missing.json()["error"]) == (428, "precondition_required")
    stale = await asgi_client.put(SETTINGS, headers={**auth, "If-Match": '"v-old"'}, json=changed)
    assert (stale.status_code, stale.json()["error"]) == (412, "precondition_failed")
    accepted = await asgi_client.put(
        SETTINGS, headers={**auth, "If-Match": read.headers["ETag"]}, json=changed
    )
    assert accepted.status_code == 202
    op = accepted.json()
    assert accepted.headers["Location"] == f"/api/v1/dialer/operations/{op['operationId']}"
    assert op["status"] == "IN_PROGRESS" and op["resourceType"] == "settings"
    assert op["versionTag"] != body["versionTag"]
    busy = await asgi_client.put(
        SETTINGS, headers={**auth, "If-Match": body["versionTag"]}, json=changed
    )
    assert busy.status_code == 409
    assert busy.json()["error"] == "operation_in_progress"
    assert busy.json()["operationId"] == op["operationId"]
    # Until the operation completes the live settings are unchanged.
    assert (await asgi_client.get(SETTINGS, headers=auth)).json()["algorithm"]["dial_ratio"] == 4.0
    done = await wait_done(asgi_client, clock, auth, accepted.headers["Location"])
    assert done["status"] == "COMPLETED" and done["errorDetails"] is None
    assert done["completedAt"] is not None
    after = (await asgi_client.get(SETTINGS, headers=auth)).json()
    assert after["algorithm"]["dial_ratio"] == 3.0
    assert after["versionTag"] == op["versionTag"]


async def test_unknown_fields_and_ranges_answer_details(
    asgi_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = (await asgi_client.get(SETTINGS, headers=auth)).json()
    tag = {**auth, "If-Match": body["versionTag"]}
    bad = copy.deepcopy(body)
    bad["concurrency"]["max_agents"] = 5001
    bad["algorithm"]["dial_ratio"] = 10.5
    bad["colour"] = "blue"
    answer = await asgi_client.put(SETTINGS, headers=tag, json=bad)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    fields = {d["field"]: d["message"] for d in answer.json()["details"]}
    assert set(fields) == {"concurrency.max_agents", "algorithm.dial_ratio", "colour"}
    assert fields["colour"] == "unknown field"
    for field, value in [
        ("abandonment_rate_target", 0),
        ("warm_line_timeout_sec", 121),
        ("agent_availability_estimate", 1.5),
    ]:
        wrong = copy.deepcopy(body)
        wrong["algorithm"][field] = value
        answer = await asgi_client.put(SETTINGS, headers=tag, json=wrong)
        assert answer.json()["details"][0]["field"] == f"algorithm.{field}"
    not_json = await asgi_client.put(SETTINGS, headers=tag, content=b"{nope")
    assert not_json.status_code == 400
    # Server-managed fields in a write body are ignored, not refused.
    ok = await asgi_client.put(SETTINGS, headers=tag, json={**body, "updatedAt": "x", "id": "y"})
    assert ok.status_code == 202


async def test_campaign_lifecycle(
    asgi_client: httpx.AsyncClient, auth: dict[str, str], clock: ManualClock
) -> None:
    created = await asgi_client.post(CAMPAIGNS, headers=auth, json=new_campaign())
    assert created.status_code == 202
    cid = created.json()["resourceId"]
    assert created.json()["resourceType"] == "campaign"
    twice = await asgi_client.post(CAMPAIGNS, headers=auth, json=new_campaign())
    assert (twice.status_code, twice.json()["error"]) == (409, "name_conflict")
    assert (await asgi_client.get(f"{CAMPAIGNS}/{cid}", headers=auth)).status_code == 404
    await wait_done(asgi_client, clock, auth, created.headers["Location"])
    read = await asgi_client.get(f"{CAMPAIGNS}/{cid}", headers=auth)
    campaign = read.json()
    assert read.headers["ETag"] == f'"{campaign["versionTag"]}"'
    assert campaign["versionTag"] == created.json()["versionTag"]
    assert campaign["createdAt"] and campaign["lastActivatedAt"]
    existing = (await asgi_client.get(CAMPAIGNS, headers=auth)).json()["campaigns"][0]
    dup = await asgi_client.post(CAMPAIGNS, headers=auth, json=new_campaign(existing["name"]))
    assert dup.status_code == 409
    campaign["dnc_lists"] = ["national"]
    no_tag = await asgi_client.put(f"{CAMPAIGNS}/{cid}", headers=auth, json=campaign)
    assert no_tag.status_code == 428
    rename = {**campaign, "name": existing["name"]}
    clash = await asgi_client.put(
        f"{CAMPAIGNS}/{cid}", headers={**auth, "If-Match": campaign["versionTag"]}, json=rename
    )
    assert (clash.status_code, clash.json()["error"]) == (409, "name_conflict")
    updated = await asgi_client.put(
        f"{CAMPAIGNS}/{cid}", headers={**auth, "If-Match": campaign["versionTag"]}, json=campaign
    )
    assert updated.status_code == 202
    await wait_done(asgi_client, clock, auth, updated.headers["Location"])
    now = (await asgi_client.get(f"{CAMPAIGNS}/{cid}", headers=auth)).json()
    assert now["dnc_lists"] == ["national"]
    stale_delete = await asgi_client.delete(
        f"{CAMPAIGNS}/{cid}", headers={**auth, "If-Match": campaign["versionTag"]}
    )
    assert stale_delete.status_code == 412
    assert (await asgi_client.delete(f"{CAMPAIGNS}/{cid}", headers=auth)).status_code == 428
    deleted = await asgi_client.delete(
        f"{CAMPAIGNS}/{cid}", headers={**auth, "If-Match": now["versionTag"]}
    )
    assert deleted.status_code == 202
    assert (await asgi_client.get(f"{CAMPAIGNS}/{cid}", headers=auth)).status_code == 200
    await wait_done(asgi_client, clock, auth, deleted.headers["Location"])
    assert (await asgi_client.get(f"{CAMPAIGNS}/{cid}", headers=auth)).status_code == 404
    gone = await asgi_client.put(
        f"{CAMPAIGNS}/c-999999", headers={**auth, "If-Match": "x"}, json=campaign
    )
    assert gone.status_code == 404
    op = await asgi_client.get("/api/v1/dialer/operations/op-nope", headers=auth)
    assert (op.status_code, op.json()["error"]) == (404, "not_found")


async def test_campaign_validation_details(
    asgi_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = new_campaign()
    body["calling_hours"] = {"start": "8am", "end": "21:00", "timezone": "Mars/Olympus"}
    body["dnc_lists"] = [""]
    answer = await asgi_client.post(CAMPAIGNS, headers=auth, json=body)
    assert answer.status_code == 400
    fields = {d["field"] for d in answer.json()["details"]}
    assert fields == {"calling_hours.start", "calling_hours.timezone", "dnc_lists[0]"}


async def test_two_thousand_campaigns_page_correctly(clock: ManualClock) -> None:
    emu = Emulator(EmulatorConfig(), clock, make_tenant(campaigns=2000))
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://e") as client:
        auth = {"Authorization": f"Bearer {await get_token(client)}"}
        names: list[str] = []
        token: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"pageSize": 500}
            if token:
                params["pageToken"] = token
            page = (await client.get(CAMPAIGNS, headers=auth, params=params)).json()
            names += [c["name"] for c in page["campaigns"]]
            pages += 1
            token = page["nextPageToken"]
            if token is None:
                break
        assert pages == 4
        assert len(names) == len(set(names)) == 2000


async def test_paging_rules(asgi_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    for size in ("0", "501", "ten"):
        answer = await asgi_client.get(CAMPAIGNS, headers=auth, params={"pageSize": size})
        assert answer.status_code == 400
        assert answer.json()["details"][0]["field"] == "pageSize"
    first = (await asgi_client.get(CAMPAIGNS, headers=auth, params={"pageSize": 2})).json()
    assert len(first["campaigns"]) == 2 and first["nextPageToken"]
    rest = await asgi_client.get(
        CAMPAIGNS, headers=auth, params={"pageSize": 2, "pageToken": first["nextPageToken"]}
    )
    assert [c["id"] for c in rest.json()["campaigns"]] == ["c-000003"]
    assert rest.json()["nextPageToken"] is None
    bogus = await asgi_client.get(CAMPAIGNS, headers=auth, params={"pageToken": "garbage!"})
    assert bogus.status_code == 400
    foreign = await asgi_client.get(
        WEBHOOKS, headers=auth, params={"pageToken": first["nextPageToken"]}
    )
    assert foreign.status_code == 400


async def test_webhooks_are_synchronous_and_tokens_write_only(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = {
        "name": "WFM_Two",
        "url": "https://wfm.example.com/h2",
        "events": ["dialer.campaign.deleted"],
        "auth": {"type": "bearer", "token": "tok-123-secret"},
    }
    created = await asgi_client.post(WEBHOOKS, headers=auth, json=body)
    assert created.status_code == 201
    hook = created.json()
    assert hook["auth"] == {"type": "bearer"} and hook["id"] and hook["versionTag"]
    assert hook["retryPolicy"] == {"maxRetries": 3, "backoffMultiplier": 2.0, "timeoutSec": 10}
    assert (await asgi_client.post(WEBHOOKS, headers=auth, json=body)).status_code == 409
    no_token = {**body, "name": "WFM_Three", "auth": {"type": "bearer"}}
    assert (await asgi_client.post(WEBHOOKS, headers=auth, json=no_token)).status_code == 400
    read = await asgi_client.get(f"{WEBHOOKS}/{hook['id']}", headers=auth)
    assert "tok-123-secret" not in read.text and read.headers["ETag"] == f'"{hook["versionTag"]}"'
    listed = await asgi_client.get(WEBHOOKS, headers=auth)
    assert "tok-123-secret" not in listed.text and len(listed.json()["webhooks"]) == 2
    # A PUT without auth.token keeps the stored token.
    update = {**body, "auth": {"type": "bearer"}, "events": ["dialer.settings.updated"]}
    assert (
        await asgi_client.put(f"{WEBHOOKS}/{hook['id']}", headers=auth, json=update)
    ).status_code == 428
    put = await asgi_client.put(
        f"{WEBHOOKS}/{hook['id']}", headers={**auth, "If-Match": hook["versionTag"]}, json=update
    )
    assert put.status_code == 200 and put.json()["events"] == ["dialer.settings.updated"]
    assert put.json()["versionTag"] != hook["versionTag"]
    assert emulator.webhook_token("WFM_Two") == "tok-123-secret"
    digest = hashlib.sha256(b"tok-123-secret").hexdigest()
    live = {w["name"]: w for w in emulator.tenant_json()["webhooks"]}
    assert live["WFM_Two"]["auth"]["token"] == f"sha256:{digest}"
    stale = await asgi_client.delete(
        f"{WEBHOOKS}/{hook['id']}", headers={**auth, "If-Match": hook["versionTag"]}
    )
    assert stale.status_code == 412
    gone = await asgi_client.delete(
        f"{WEBHOOKS}/{hook['id']}", headers={**auth, "If-Match": put.json()["versionTag"]}
    )
    assert gone.status_code == 204
    assert (await asgi_client.get(f"{WEBHOOKS}/{hook['id']}", headers=auth)).status_code == 404
    assert emulator.webhook_token("WFM_Two") is None


async def test_out_of_band_edits_bump_tags_and_audit(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    before = (await asgi_client.get(SETTINGS, headers=auth)).json()
    emulator.edit_settings({"concurrency": {"max_agents": 60}})
    after = (await asgi_client.get(SETTINGS, headers=auth)).json()
    assert after["concurrency"]["max_agents"] == 60
    assert after["concurrency"]["max_simultaneous_calls"] == 200
    assert after["versionTag"] != before["versionTag"]
    name = emulator.tenant_json()["campaigns"][0]["name"]
    emulator.edit_campaign(name, {"dnc_lists": ["internal"]})
    cid = emulator.add_campaign(new_campaign("Added_OOB"))
    emulator.remove_campaign(name)
    emulator.edit_webhook("WFM_Dialer_Sync_01", {"auth": {"token": "rotated"}})
    wid = emulator.add_webhook({**make_tenant()["webhooks"][0], "name": "Added_Hook"})
    assert emulator.webhook_token("WFM_Dialer_Sync_01") == "rotated"
    tenant = emulator.tenant_json()
    assert cid in [c["id"] for c in tenant["campaigns"]]
    assert name not in [c["name"] for c in tenant["campaigns"]]
    assert wid in [w["id"] for w in tenant["webhooks"]]
    logs = (await asgi_client.get("/api/v1/audit/logs", headers=auth)).json()["logs"]
    assert [(e["action"], e["entity"]) for e in logs] == [
        ("update", "dialer"),
        ("update", "campaign"),
        ("create", "campaign"),
        ("delete", "campaign"),
        ("update", "webhook"),
        ("create", "webhook"),
    ]
    assert all(e["actor"] == "out-of-band" for e in logs)
