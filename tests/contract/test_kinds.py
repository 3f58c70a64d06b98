"""Every registered kind, through the engine's seam, against its API's emulator over sockets.

For each kind: create (where the API allows), read back, update, restore to the earlier
content with the verified restore, delete (where allowed). A kind registered without a
sample here fails `test_every_kind_has_a_sample`, so a new kind cannot skip its contract.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from reconciler import registry
from reconciler.cxone_admin.auth import AccessKeyCredentials
from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.cxone_admin.emulator import AdminEmulator, AdminEmulatorConfig
from reconciler.cxone_admin.emulator import serve_in_thread as admin_serve
from reconciler.dialer_v1.client import DialerV1Client
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, serve_in_thread
from reconciler.engine.normalize import Normalizer
from reconciler.engine.restore import RestoreTarget, matches, restore
from reconciler.kinds import Backend, ResourceAddress, WriteRequest
from tests.factories import campaign_json, settings_json, webhook_json

TOKEN_ENV, TOKEN = "CONTRACT_TOKEN", "contract-token-value"


@dataclass(frozen=True)
class Sample:
    """Two valid bodies of a kind (JSON without secrets) and the name they carry."""

    name: str
    first: dict[str, Any]
    second: dict[str, Any]


SAMPLES: dict[str, Sample] = {
    "DialerSettings": Sample(
        "Predictive_Outbound_01",
        settings_json(),
        settings_json(concurrency={"max_agents": 45}),
    ),
    "Campaign": Sample(
        "Contract_Campaign",
        campaign_json("Contract_Campaign"),
        campaign_json("Contract_Campaign", dnc_lists=["national"]),
    ),
    "Webhook": Sample(
        "Contract_Hook",
        webhook_json("Contract_Hook"),
        webhook_json("Contract_Hook", events=["dialer.campaign.deleted"]),
    ),
    # A skill cannot be created through the API: the sample is one the seed holds.
    "OutboundSkill": Sample(
        "Collections_East",
        {
            "generalSettings": {"maximumRatio": 2, "abandonRateThreshold": 2.5},
            "dncGroups": ["Internal_DNC", "National_DNC"],
        },
        {
            "generalSettings": {"maximumRatio": 3, "abandonRateThreshold": 2.0},
            "timeZoneSettings": [
                {
                    "standardName": "Eastern Standard Time",
                    "startTime": "09:00",
                    "endTime": "20:00",
                    "timeZoneActiveToCall": True,
                }
            ],
            "dncGroups": ["National_DNC"],
        },
    ),
    "DncGroup": Sample(
        "Contract_Group",
        {"dncGroupDescription": "for the contract test", "isActive": True},
        {"dncGroupDescription": "renamed purpose", "isActive": False},
    ),
}


@contextmanager
def dialer_v1_tenant() -> Iterator[str]:
    seed = Path(str(resources.files("reconciler.demo").joinpath("live-tenant.yaml")))
    emu = Emulator.from_seed_file(seed, EmulatorConfig(operation_seconds=0.0))
    with serve_in_thread(emu) as base_url:
        yield base_url


@asynccontextmanager
async def dialer_v1_backend(base_url: str) -> AsyncIterator[Backend[Any]]:
    async with DialerV1Client(base_url, "contract", SecretStr("secret")) as client:
        yield Backend(registry.api("dialer-v1"), client)


@contextmanager
def cxone_admin_tenant() -> Iterator[str]:
    emu = AdminEmulator(AdminEmulatorConfig())
    with admin_serve(emu) as base_url:
        yield base_url


@asynccontextmanager
async def cxone_admin_backend(base_url: str) -> AsyncIterator[Backend[Any]]:
    credentials = AccessKeyCredentials("key", SecretStr("k"), "app", SecretStr("a"))
    async with CxoneAdminClient(credentials, issuer_url=base_url) as client:
        yield Backend(registry.api("cxone-admin"), client)


TENANTS: dict[str, tuple[Callable[[], Any], Callable[[str], Any]]] = {
    "dialer-v1": (dialer_v1_tenant, dialer_v1_backend),
    "cxone-admin": (cxone_admin_tenant, cxone_admin_backend),
}


def test_every_kind_has_a_sample_and_every_api_a_tenant() -> None:
    assert set(SAMPLES) == set(registry.KINDS)
    assert set(TENANTS) == set(registry.APIS)


async def _write(backend: Backend[Any], request: WriteRequest) -> None:
    await backend.write(request, deadline=30.0)


def _request(
    kind: str, sample: Sample, action: str, body: dict[str, Any] | None, cur: Any
) -> WriteRequest:
    secret = SecretStr(TOKEN) if registry.kind(kind).secret is not None and body else None
    return WriteRequest(
        ResourceAddress(kind, sample.name),
        action,  # type: ignore[arg-type]
        cur.id if cur is not None else None,
        cur.version_tag if cur is not None else None,
        body,
        secret,
        cur.parts if cur is not None else {},
        exact=True,
    )


@pytest.mark.parametrize("kind", sorted(registry.KINDS))
def test_create_read_update_restore_delete(kind: str) -> None:
    descriptor, sample = registry.kind(kind), SAMPLES[kind]
    tenant, connect = TENANTS[descriptor.api]
    address = ResourceAddress(kind, sample.name)
    norm = Normalizer()

    async def scenario(base_url: str) -> None:
        async with connect(base_url) as backend:
            cur = await backend.read(address, None)
            if descriptor.singleton or not descriptor.creatable:
                assert cur is not None, f"{kind}: the tenant holds one to start from"
                await _write(backend, _request(kind, sample, "update", sample.first, cur))
            else:
                assert cur is None, f"{kind} {sample.name} exists before the test"
                assert descriptor.creatable
                await _write(backend, _request(kind, sample, "create", sample.first, None))
            first = await backend.read(address, None)
            assert matches(address, first, True, sample.first, norm), f"{kind}: create/read"
            assert first is not None
            await _write(backend, _request(kind, sample, "update", sample.second, first))
            second = await backend.read(address, first.id)
            assert matches(address, second, True, sample.second, norm), f"{kind}: update"
            secrets = {TOKEN_ENV: SecretStr(TOKEN)}
            target = RestoreTarget(address, first.id, True, sample.first, TOKEN_ENV)
            [result] = await restore(backend, [target], secrets=secrets, deadline=30.0)
            assert result.ok and result.action == "update", result
            restored = await backend.read(address, first.id)
            assert matches(address, restored, True, sample.first, norm), f"{kind}: restore"
            if descriptor.deletable and not descriptor.singleton:
                assert restored is not None
                await _write(backend, _request(kind, sample, "delete", None, restored))
                assert await backend.read(address, first.id) is None, f"{kind}: delete"
                gone = RestoreTarget(address, None, True, sample.first, TOKEN_ENV)
                [back] = await restore(backend, [gone], secrets=secrets, deadline=30.0)
                assert back.ok and back.action == "create", f"{kind}: restore of a deleted one"

    with tenant() as base_url:
        asyncio.run(scenario(base_url))


def test_the_plan_schema_knows_every_kind() -> None:
    schema = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())
    assert set(schema["$defs"]["kind"]["enum"]) == set(registry.KINDS)


def test_a_cxone_admin_plan_follows_the_plan_schema() -> None:
    import jsonschema

    from reconciler.desired import load_desired_state
    from reconciler.engine.from_specs import plan_desired_state

    state = load_desired_state(Path(__file__).parents[2] / "specs" / "cxone-example")
    schema = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())

    async def plan() -> dict[str, Any]:
        with cxone_admin_tenant() as url:
            async with cxone_admin_backend(url) as backend:
                made, _ = await plan_desired_state(backend, state, prune=False)
        return made.to_json()

    data = asyncio.run(plan())
    assert [c["kind"] for c in data["changes"]] == ["OutboundSkill", "OutboundSkill"]
    assert all(c["live_parts"] for c in data["changes"])
    jsonschema.validate(data, schema)
