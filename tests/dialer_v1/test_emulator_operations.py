"""Contract §3 (operations: failure, partial application, hang) and §9 (audit logs)."""

from __future__ import annotations

from typing import Any

import httpx

from reconciler.dialer_v1.emulator import Emulator, ManualClock

SETTINGS = "/api/v1/dialer/settings"


async def put_settings(
    client: httpx.AsyncClient, auth: dict[str, str], changes: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    body = (await client.get(SETTINGS, headers=auth)).json()
    new = {**body, **changes}
    answer = await client.put(SETTINGS, headers={**auth, "If-Match": body["versionTag"]}, json=new)
    assert answer.status_code == 202, answer.text
    return body, answer.json()


async def op_status(client: httpx.AsyncClient, auth: dict[str, str], op_id: str) -> dict[str, Any]:
    return dict((await client.get(f"/api/v1/dialer/operations/{op_id}", headers=auth)).json())


async def test_failed_operation_leaves_the_resource_alone(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str], clock: ManualClock
) -> None:
    emulator.faults.fail_operation(resource_type="settings")
    before, op = await put_settings(asgi_client, auth, {"name": "Renamed"})
    clock.advance(1)
    done = await op_status(asgi_client, auth, op["operationId"])
    assert done["status"] == "FAILED"
    assert done["errorDetails"]["partiallyApplied"] is False
    assert done["errorDetails"]["code"] == "activation_failed"
    live = (await asgi_client.get(SETTINGS, headers=auth)).json()
    assert live == before
    assert done["versionTag"] == before["versionTag"]


async def test_partially_applied_failure_changes_some_fields_and_the_tag(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str], clock: ManualClock
) -> None:
    emulator.faults.fail_operation(partially_applied=True)
    current = (await asgi_client.get(SETTINGS, headers=auth)).json()
    changes = {
        "name": "Renamed",
        "concurrency": {**current["concurrency"], "max_agents": 70, "call_spacing_ms": 10},
        "algorithm": {**current["algorithm"], "dial_ratio": 2.0},
    }
    before, op = await put_settings(asgi_client, auth, changes)
    clock.advance(1)
    done = await op_status(asgi_client, auth, op["operationId"])
    assert done["status"] == "FAILED" and done["errorDetails"]["partiallyApplied"] is True
    live = (await asgi_client.get(SETTINGS, headers=auth)).json()
    assert live["versionTag"] not in (before["versionTag"], op["versionTag"])
    assert done["versionTag"] == live["versionTag"]
    changed = [
        live["name"] != before["name"],
        live["concurrency"]["max_agents"] != before["concurrency"]["max_agents"],
        live["concurrency"]["call_spacing_ms"] != before["concurrency"]["call_spacing_ms"],
        live["algorithm"]["dial_ratio"] != before["algorithm"]["dial_ratio"],
    ]
    assert 0 < sum(changed) < 4


async def test_fault_matches_by_name_and_counts(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str], clock: ManualClock
) -> None:
    campaigns = (await asgi_client.get("/api/v1/campaigns", headers=auth)).json()["campaigns"]
    target, other = campaigns[0], campaigns[1]
    emulator.faults.fail_operation(name=target["name"], count=1)
    ops = []
    for campaign in (other, target):
        answer = await asgi_client.put(
            f"/api/v1/campaigns/{campaign['id']}",
            headers={**auth, "If-Match": campaign["versionTag"]},
            json=campaign,
        )
        ops.append(answer.json()["operationId"])
    clock.advance(1)
    statuses = [(await op_status(asgi_client, auth, o))["status"] for o in ops]
    assert statuses == ["COMPLETED", "FAILED"]
    again = (await asgi_client.get(f"/api/v1/campaigns/{target['id']}", headers=auth)).json()
    retry = await asgi_client.put(
        f"/api/v1/campaigns/{target['id']}",
        headers={**auth, "If-Match": again["versionTag"]},
        json=again,
    )
    clock.advance(1)
    assert (await op_status(asgi_client, auth, retry.json()["operationId"]))["status"] == (
        "COMPLETED"
    )


async def test_hung_operation_blocks_until_cleared(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str], clock: ManualClock
) -> None:
    emulator.faults.hang_operation(resource_type="settings")
    before, op = await put_settings(asgi_client, auth, {"name": "Hung"})
    clock.advance(3000)
    assert (await op_status(asgi_client, auth, op["operationId"]))["status"] == "IN_PROGRESS"
    blocked = await asgi_client.put(
        SETTINGS, headers={**auth, "If-Match": before["versionTag"]}, json=before
    )
    assert blocked.status_code == 409
    emulator.faults.clear()
    clock.advance(1)
    assert (await op_status(asgi_client, auth, op["operationId"]))["status"] == "COMPLETED"
    assert (await asgi_client.get(SETTINGS, headers=auth)).json()["name"] == "Hung"


async def test_failed_create_and_partial_create(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str], clock: ManualClock
) -> None:
    body = emulator.tenant_json()["campaigns"][0]
    fresh = {k: v for k, v in body.items() if k not in ("id", "versionTag")}
    emulator.faults.fail_operation(resource_type="campaign")
    emulator.faults.fail_operation(resource_type="campaign", partially_applied=True)
    first = await asgi_client.post("/api/v1/campaigns", headers=auth, json={**fresh, "name": "A"})
    second = await asgi_client.post("/api/v1/campaigns", headers=auth, json={**fresh, "name": "B"})
    clock.advance(1)
    a_id, b_id = first.json()["resourceId"], second.json()["resourceId"]
    assert (await asgi_client.get(f"/api/v1/campaigns/{a_id}", headers=auth)).status_code == 404
    b = await asgi_client.get(f"/api/v1/campaigns/{b_id}", headers=auth)
    assert b.status_code == 200 and b.json()["lastActivatedAt"] is None


async def test_audit_log_records_completed_and_failed_writes(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str], clock: ManualClock
) -> None:
    _, ok = await put_settings(asgi_client, auth, {"name": "One"})
    clock.advance(10)
    emulator.faults.fail_operation()
    _, failed = await put_settings(asgi_client, auth, {"name": "Two"})
    clock.advance(10)
    hook = emulator.tenant_json()["webhooks"][0]
    await asgi_client.delete(
        f"/api/v1/integrations/webhooks/{hook['id']}",
        headers={**auth, "If-Match": hook["versionTag"]},
    )
    logs = (await asgi_client.get("/api/v1/audit/logs", headers=auth)).json()["logs"]
    assert [(e["entity"], e["action"], e["outcome"]) for e in logs] == [
        ("dialer", "update", "COMPLETED"),
        ("dialer", "update", "FAILED"),
        ("webhook", "delete", "COMPLETED"),
    ]
    assert logs[0]["operationId"] == ok["operationId"]
    assert logs[1]["versionTagBefore"] == logs[1]["versionTagAfter"]
    assert logs[0]["actor"] == "client:ci"
    only_hooks = await asgi_client.get(
        "/api/v1/audit/logs", headers=auth, params={"entity": "webhook"}
    )
    assert [e["entity"] for e in only_hooks.json()["logs"]] == ["webhook"]
    window = await asgi_client.get(
        "/api/v1/audit/logs",
        headers=auth,
        params={"from": logs[1]["timestamp"], "to": logs[2]["timestamp"]},
    )
    assert [e["id"] for e in window.json()["logs"]] == [logs[1]["id"]]
    paged = await asgi_client.get("/api/v1/audit/logs", headers=auth, params={"pageSize": 2})
    assert len(paged.json()["logs"]) == 2
    rest = await asgi_client.get(
        "/api/v1/audit/logs",
        headers=auth,
        params={"pageSize": 2, "pageToken": paged.json()["nextPageToken"]},
    )
    assert [e["id"] for e in rest.json()["logs"]] == [logs[2]["id"]]
    assert rest.json()["nextPageToken"] is None
    bad = await asgi_client.get("/api/v1/audit/logs", headers=auth, params={"entity": "x"})
    assert bad.status_code == 400
    assert failed["operationId"] == logs[1]["operationId"]
