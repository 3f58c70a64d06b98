"""A server that misbehaves, over real sockets: every answer is input, every breach located.

The emulator's `replace_body` and `page_token` faults rewrite real answers on 127.0.0.1; the
real client must stop with a `ProtocolError` naming the request, the resource, the field and
the problem, leave no task behind, and never loop.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.client import ClientOptions, DialerV1Client, WriteOutcomeUnknown
from reconciler.dialer_v1.emulator import Emulator
from reconciler.engine.observe import observe
from tests.dialer_v1.test_client_harness import CLIENT_ID, SECRET, first
from tests.factories import backend

SETTINGS = "/api/v1/dialer/settings"
CAMPAIGNS = "/api/v1/campaigns"
WEBHOOKS = "/api/v1/integrations/webhooks"
CALL_SECONDS = 20.0  # a bound on every client call below: a loop fails the test, not hangs it


def client_for(base_url: str, **options: Any) -> DialerV1Client:
    settings = ClientOptions(
        backoff_base_seconds=0.01, backoff_cap_seconds=0.05, timeout_seconds=5, **options
    )
    return DialerV1Client(base_url, CLIENT_ID, SecretStr(SECRET), options=settings)


async def protocol_error(base_url: str, call: str, **options: Any) -> errors.ProtocolError:
    """The ProtocolError raised by one client call (bounded in time), the client closed."""
    async with client_for(base_url, **options) as client:
        with pytest.raises(errors.ProtocolError) as caught:
            await asyncio.wait_for(_call(client, call), CALL_SECONDS)
    assert caught.value.hint
    assert SECRET not in str(caught.value)
    return caught.value


async def _call(client: DialerV1Client, call: str) -> object:
    if call == "settings":
        return await client.get_settings()
    if call == "campaigns":
        return [c async for c in client.iter_campaigns(page_size=5)]
    if call == "webhooks":
        return [w async for w in client.iter_webhooks()]
    if call == "audit":
        return [e async for e in client.iter_audit_logs(page_size=1)]
    raise AssertionError(call)


def campaigns_page(emu: Emulator, *changes: dict[str, Any], token: str | None = None) -> str:
    """The first campaigns of the tenant as one page, item i deep-merged with changes[i]."""
    campaigns = emu.tenant_json()["campaigns"][: max(len(changes), 1)]
    for campaign, change in zip(campaigns, changes, strict=False):
        for key, value in change.items():
            if value is None:
                campaign.pop(key, None)
            else:
                campaign[key] = value
    return json.dumps({"campaigns": campaigns, "nextPageToken": token})


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            "<html><head><title>Access denied</title></head></html>",
            "text/html",
            "the answer is an HTML page (text/html, 54 bytes), not JSON: 'Access denied'",
        ),
        (
            "No known way to render data",
            "text/plain",
            "the answer is text (text/plain, 27 bytes), not JSON: 'No known way to render data'",
        ),
        ("", "application/json", "the answer is empty, not JSON"),
        (
            '{"name": "Predictive_Outbound_01", "ty',
            "application/json",
            "the answer is JSON cut short",
        ),
        ("null", "application/json", "the answer is null, not a JSON object"),
        ('[{"name": "x"}]', "application/json", "the answer is a list, not a JSON object"),
    ],
)
async def test_a_settings_answer_that_is_not_a_json_object_is_located(
    served: tuple[Emulator, str], body: str, content_type: str, expected: str
) -> None:
    emu, base_url = served
    emu.faults.replace_body(body, content_type=content_type, path=SETTINGS)
    error = await protocol_error(base_url, "settings")
    assert str(error).startswith(expected), str(error)
    assert (error.method, error.path, error.status) == ("GET", SETTINGS, 200)
    assert f"(GET {SETTINGS} -> 200)" in str(error)


async def test_the_client_asks_for_json(served: tuple[Emulator, str]) -> None:
    seen: list[str] = []

    class Spy(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.headers.get("Accept", ""))
            return await super().handle_async_request(request)

    _, base_url = served
    client = DialerV1Client(base_url, CLIENT_ID, SecretStr(SECRET), transport=Spy())
    async with client:
        await client.get_settings()
    assert seen and set(seen) == {"application/json"}


@pytest.mark.parametrize(
    ("change", "resource", "field", "problem"),
    [
        (
            {"versionTag": None},
            "campaign 'Collections_East_0001'",
            "versionTag",
            "versionTag is missing",
        ),
        (
            {"versionTag": 7},
            "campaign 'Collections_East_0001'",
            "versionTag",
            "is a number, not a string",
        ),
        ({"id": None}, "campaign 'Collections_East_0001'", "id", "id is missing"),
        ({"id": 12}, "campaign 'Collections_East_0001'", "id", "id is a number, not a string"),
        ({"name": None}, "campaign id 'c-000001'", "name", "name is missing"),
        ({"name": None, "id": None}, "campaigns[0] on page 1", "name", "name is missing"),
        (
            {"concurrency": {"max_agents": -1, "max_simultaneous_calls": 1}},
            "campaign 'Collections_East_0001'",
            "concurrency.max_agents",
            "concurrency.max_agents: Input should be greater than or equal to 1",
        ),
    ],
)
async def test_a_listed_campaign_that_breaks_the_contract_is_named(
    served: tuple[Emulator, str],
    change: dict[str, Any],
    resource: str,
    field: str,
    problem: str,
) -> None:
    emu, base_url = served
    emu.faults.replace_body(campaigns_page(emu, change), path=CAMPAIGNS)
    error = await protocol_error(base_url, "campaigns")
    assert error.resource.startswith(resource), error.resource
    assert error.field == field
    assert problem in str(error)
    assert (error.method, error.path) == ("GET", CAMPAIGNS)


async def test_a_campaign_item_that_is_not_an_object_is_named_by_its_position(
    served: tuple[Emulator, str],
) -> None:
    emu, base_url = served
    emu.faults.replace_body('{"campaigns": [null], "nextPageToken": null}', path=CAMPAIGNS)
    error = await protocol_error(base_url, "campaigns")
    assert str(error).startswith("campaigns[0] on page 1 is null, not an object")


async def test_two_campaigns_of_one_name_are_refused(served: tuple[Emulator, str]) -> None:
    emu, base_url = served
    emu.faults.replace_body(
        campaigns_page(emu, {}, {"name": "Collections_East_0001"}), path=CAMPAIGNS
    )
    error = await protocol_error(base_url, "campaigns")
    assert str(error).startswith(
        "campaign 'Collections_East_0001' (id 'c-000002'): has the name of campaign id"
        " 'c-000001' too"
    )


async def test_a_broken_item_on_a_later_page_names_that_page(served: tuple[Emulator, str]) -> None:
    emu, base_url = served
    emu.faults.replace_body(campaigns_page(emu, {}, token="t-2"), path=CAMPAIGNS)
    broken = json.dumps({"campaigns": [{"versionTag": "v"}], "nextPageToken": None})
    # The emulator refuses the made-up token "t-2" (400); the fault answers 200 regardless.
    emu.faults.replace_body(broken, path=CAMPAIGNS, status=200)
    error = await protocol_error(base_url, "campaigns")
    assert str(error).startswith("campaigns[0] on page 2: name is missing")


async def test_a_webhook_answer_with_a_token_is_never_echoed(served: tuple[Emulator, str]) -> None:
    emu, base_url = served
    hooks = emu.tenant_json()["webhooks"]
    hooks[0]["auth"] = {"type": "bearer", "token": "echoed-token-5550"}
    hooks[0]["versionTag"] = ["v"]
    emu.faults.replace_body(json.dumps({"webhooks": hooks}), path=WEBHOOKS)
    error = await protocol_error(base_url, "webhooks")
    assert "versionTag is a list, not a string" in str(error)
    assert "echoed-token-5550" not in str(error) + repr(error.args)


@pytest.mark.parametrize("mode", ["repeat", "restart"])
async def test_a_page_token_that_comes_back_stops_the_listing(
    served: tuple[Emulator, str], mode: str
) -> None:
    emu, base_url = served
    emu.faults.page_token(mode=mode, path=CAMPAIGNS)  # type: ignore[arg-type]
    error = await protocol_error(base_url, "campaigns")
    assert str(error).startswith("the campaigns list: page ")
    assert "again, which already led to page 2: the pages would repeat forever" in str(error)
    assert error.field == "nextPageToken" and error.path == CAMPAIGNS
    asked = [r for r in emu.requests if r.path == CAMPAIGNS]
    # 30 campaigns at 5 a page: stopped as soon as a token came round (page 2, or page 6)
    assert len(asked) == (2 if mode == "repeat" else 6)


async def test_a_listing_longer_than_the_servers_own_total_is_stopped(
    served: tuple[Emulator, str],
) -> None:
    emu, base_url = served
    page = json.loads(campaigns_page(emu, {}, {}, token="more"))
    page["totalCount"] = 2
    emu.faults.replace_body(json.dumps(page), path=CAMPAIGNS)
    error = await protocol_error(base_url, "campaigns")
    assert "announces a further page (nextPageToken 'more') although all 2 items" in str(error)


async def test_audit_pages_are_guarded_too(served: tuple[Emulator, str]) -> None:
    emu, base_url = served
    async with client_for(base_url) as client:
        campaign = await first(client.iter_campaigns())
        op = await client.update_campaign(campaign.id, campaign.body, if_match=campaign.version_tag)
        await client.wait_operations([op], deadline_seconds=10)
        op = await client.update_campaign(
            campaign.id,
            campaign.body,
            if_match=(await client.get_campaign(campaign.id)).version_tag,
        )
        await client.wait_operations([op], deadline_seconds=10)
    emu.faults.page_token(path="/api/v1/audit/logs")
    error = await protocol_error(base_url, "audit")
    assert str(error).startswith("the logs list: page 2 answers the nextPageToken")


async def test_a_listing_past_the_page_cap_is_stopped(served: tuple[Emulator, str]) -> None:
    _, base_url = served
    error = await protocol_error(base_url, "campaigns", max_pages=2)
    assert "the campaigns list: it has more than 2 pages" in str(error)


async def test_observe_cancels_the_other_reads_when_one_answer_is_broken(
    served: tuple[Emulator, str],
) -> None:
    emu, base_url = served
    emu.faults.latency(0.2, path=CAMPAIGNS)  # still in flight when the settings fail
    emu.faults.latency(0.2, path=WEBHOOKS)
    emu.faults.replace_body("<html></html>", content_type="text/html", path=SETTINGS)
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        async with client_for(base_url) as client:
            with pytest.raises(errors.ProtocolError, match="HTML page"):
                await asyncio.wait_for(observe(backend(client)), CALL_SECONDS)
            assert _other_tasks() == []  # nothing still reading when the error arrived
        await asyncio.sleep(0.3)  # past the latency: a leftover read would fail now
    finally:
        loop.set_exception_handler(None)
    assert reported == []


async def test_closing_the_client_cancels_a_page_left_prefetching(
    served: tuple[Emulator, str],
) -> None:
    emu, base_url = served
    emu.faults.latency(0.2, path=CAMPAIGNS)
    async with client_for(base_url) as client:
        listing = client.iter_campaigns(page_size=5)
        await listing.__anext__()  # page 2 is now being fetched ahead
        assert len(_other_tasks()) == 1
    assert _other_tasks() == []
    await listing.aclose()


def _other_tasks() -> list[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done()]


async def test_an_accepted_write_with_an_unreadable_answer_has_an_unknown_outcome(
    served: tuple[Emulator, str],
) -> None:
    emu, base_url = served
    emu.faults.replace_body('{"operationId": "op-', method="PUT", path=CAMPAIGNS)
    async with client_for(base_url) as client:
        campaign = await first(client.iter_campaigns())
        with pytest.raises(WriteOutcomeUnknown) as caught:
            await asyncio.wait_for(
                client.update_campaign(campaign.id, campaign.body, if_match=campaign.version_tag),
                CALL_SECONDS,
            )
    assert str(caught.value).startswith(
        "the answer is JSON cut short (application/json, 20 bytes); the write was accepted but"
        f" its outcome is unknown (PUT {CAMPAIGNS}/{campaign.id} -> 202)"
    )
    assert isinstance(caught.value.__cause__, errors.ProtocolError)
    assert len(emu.tenant.operations) == 1  # it was handled: an activation is running
