"""Contract §6 (policy validation), §8 (analytics) and §10 (simulator)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from reconciler.dialer_v1.emulator import Emulator, make_tenant

VALIDATE = "/api/v1/dialer/policies/validate"
METRICS = "/api/v1/analytics/dialer/metrics"


def campaign() -> dict[str, Any]:
    body = copy.deepcopy(make_tenant(campaigns=1)["campaigns"][0])
    body["algorithm"]["abandonment_rate_target"] = 0.03
    body["calling_hours"] = {"start": "08:00", "end": "21:00", "timezone": "America/Chicago"}
    body["dnc_lists"] = ["national", "internal"]
    body["concurrency"]["max_simultaneous_calls"] = 80
    return body


async def validate(
    client: httpx.AsyncClient, auth: dict[str, str], request: dict[str, Any]
) -> dict[str, Any]:
    answer = await client.post(VALIDATE, headers=auth, json=request)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_policy_passes_a_compliant_campaign(
    asgi_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    result = await validate(
        asgi_client,
        auth,
        {
            "campaign_config": campaign(),
            "regulatory_checks": ["tcpa_abandonment", "dnc_compliance", "calling_hours"],
            "carrier_capacity": {"max_trunks": 150, "current_utilization_percent": 45},
        },
    )
    assert result == {"compliance_status": "PASS", "violations": [], "warnings": []}


@pytest.mark.parametrize(
    ("change", "check", "field"),
    [
        (
            {"algorithm": {"abandonment_rate_target": 0.031}},
            "tcpa_abandonment",
            "algorithm.abandonment_rate_target",
        ),
        ({"calling_hours": {"start": "07:59"}}, "calling_hours", "calling_hours.start"),
        ({"calling_hours": {"end": "21:01"}}, "calling_hours", "calling_hours.end"),
        ({"dnc_lists": []}, "dnc_compliance", "dnc_lists"),
        ({"dnc_lists": ["internal"]}, "dnc_compliance", "dnc_lists"),
    ],
)
async def test_policy_rules(
    asgi_client: httpx.AsyncClient,
    auth: dict[str, str],
    change: dict[str, Any],
    check: str,
    field: str,
) -> None:
    body = campaign()
    for key, value in change.items():
        body[key] = {**body[key], **value} if isinstance(value, dict) else value
    result = await validate(asgi_client, auth, {"campaign_config": body})
    assert result["compliance_status"] == "FAIL"
    assert [(v["check"], v["field"]) for v in result["violations"]] == [(check, field)]
    # A check that is not asked for is not run.
    others = [c for c in ("tcpa_abandonment", "dnc_compliance", "calling_hours") if c != check]
    skipped = await validate(
        asgi_client, auth, {"campaign_config": body, "regulatory_checks": others}
    )
    assert skipped["compliance_status"] == "PASS"


async def test_carrier_capacity_only_warns(
    asgi_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = campaign()
    body["concurrency"]["max_simultaneous_calls"] = 83  # free trunks: 150 x 0.55 = 82.5
    result = await validate(
        asgi_client,
        auth,
        {
            "campaign_config": body,
            "carrier_capacity": {"max_trunks": 150, "current_utilization_percent": 45},
        },
    )
    assert result["compliance_status"] == "PASS"
    assert [w["check"] for w in result["warnings"]] == ["carrier_capacity"]
    settings = make_tenant()["settings"]  # 200 calls, a settings body (no window, no DNC)
    result = await validate(
        asgi_client,
        auth,
        {
            "campaign_config": settings,
            "carrier_capacity": {"max_trunks": 150},
        },
    )
    assert result["compliance_status"] == "PASS" and len(result["warnings"]) == 1


async def test_policy_request_errors(asgi_client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    cases = [
        ({"campaign_config": campaign(), "regulatory_checks": ["gdpr"]}, "regulatory_checks"),
        ({"campaign_config": {**campaign(), "extra": 1}}, "campaign_config.extra"),
        ({"regulatory_checks": []}, "campaign_config"),
        (
            {"campaign_config": campaign(), "carrier_capacity": {"max_trunks": -1}},
            "carrier_capacity",
        ),
    ]
    for request, field in cases:
        answer = await asgi_client.post(VALIDATE, headers=auth, json=request)
        assert answer.status_code == 400
        assert answer.json()["details"][0]["field"] == field


async def test_simulator_answers_deterministically(
    asgi_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    settings = make_tenant()["settings"]
    request = {
        "durationMinutes": 60,
        "concurrency": settings["concurrency"],
        "algorithm": settings["algorithm"],
        "simulatedCallVolume": 5000,
        "carrierLimits": {"maxConcurrent": 150},
    }
    first = await asgi_client.post("/api/v1/dialer/simulator/run", headers=auth, json=request)
    second = await asgi_client.post("/api/v1/dialer/simulator/run", headers=auth, json=request)
    assert first.status_code == 200 and first.json() == second.json()
    result = first.json()
    assert set(result) == {
        "predictedAbandonmentRate",
        "agentUtilization",
        "averageWaitTimeSec",
        "peakConcurrentCalls",
        "callsBlockedByCarrier",
        "callsPlaced",
        "callsConnected",
    }
    assert result["callsPlaced"] == 5000
    assert 0 <= result["predictedAbandonmentRate"] <= 1
    assert 0 <= result["agentUtilization"] <= 1
    assert result["peakConcurrentCalls"] <= 150
    assert result["callsConnected"] <= 5000 - result["callsBlockedByCarrier"]
    tight = {**request, "carrierLimits": {"maxConcurrent": 5}}
    squeezed = (
        await asgi_client.post("/api/v1/dialer/simulator/run", headers=auth, json=tight)
    ).json()
    assert squeezed["callsBlockedByCarrier"] > result["callsBlockedByCarrier"]
    bad = await asgi_client.post(
        "/api/v1/dialer/simulator/run", headers=auth, json={**request, "durationMinutes": 0}
    )
    assert bad.status_code == 400
    assert bad.json()["details"][0]["field"] == "durationMinutes"


async def test_analytics_rows_are_paged_deterministic_and_overridable(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    target = emulator.tenant_json()["campaigns"][0]
    params = {
        "campaignId": target["id"],
        "metrics": ["efficiency", "abandonmentRate"],
        "groupBy": "hour",
        "from": "2026-09-20T00:00:00Z",
        "to": "2026-09-21T00:00:00Z",
        "pageSize": 10,
    }
    rows: list[dict[str, Any]] = []
    token = None
    while True:
        page = await asgi_client.get(
            METRICS, headers=auth, params={**params, **({"pageToken": token} if token else {})}
        )
        assert page.status_code == 200
        rows += page.json()["results"]
        token = page.json()["nextPageToken"]
        if token is None:
            break
    assert len(rows) == 24
    assert rows[0]["intervalStart"] == "2026-09-20T00:00:00Z"
    assert rows[0]["intervalEnd"] == "2026-09-20T01:00:00Z"
    assert set(rows[0]) == {
        "campaignId",
        "intervalStart",
        "intervalEnd",
        "efficiency",
        "abandonmentRate",
    }
    again = await asgi_client.get(METRICS, headers=auth, params={**params, "pageSize": 500})
    assert again.json()["results"] == rows
    emulator.set_metric(target["name"], "abandonmentRate", 0.05)
    pinned = await asgi_client.get(METRICS, headers=auth, params={**params, "pageSize": 500})
    assert {r["abandonmentRate"] for r in pinned.json()["results"]} == {0.05}
    days = await asgi_client.get(
        METRICS, headers=auth, params={"campaignId": target["id"], "groupBy": "day"}
    )
    assert len(days.json()["results"]) == 7
    assert set(days.json()["results"][0]) >= {"efficiency", "answerRate", "averageWaitTime"}


async def test_analytics_errors(
    emulator: Emulator, asgi_client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    cid = emulator.tenant_json()["campaigns"][0]["id"]
    cases = [
        ({}, 400),
        ({"campaignId": "c-404404"}, 404),
        ({"campaignId": cid, "metrics": "nonsense"}, 400),
        ({"campaignId": cid, "groupBy": "week"}, 400),
        ({"campaignId": cid, "from": "yesterday"}, 400),
        ({"campaignId": cid, "pageSize": 0}, 400),
    ]
    for params, status in cases:
        assert (await asgi_client.get(METRICS, headers=auth, params=params)).status_code == status
    with pytest.raises(ValueError):
        emulator.set_metric("Collections_East_0001", "happiness", 1.0)
