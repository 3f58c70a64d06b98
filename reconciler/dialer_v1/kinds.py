"""The modelled dialer API's kinds: DialerSettings, Campaign and Webhook, registered once.

How each is read and written through `DialerApi`: settings and campaign writes are
asynchronous (202 + an activation to await), webhook writes synchronous; every write to an
existing resource carries its versionTag (If-Match). The webhook token is write-only: it is
never read back, so it is stripped from every stored body and sent from the environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, SecretStr

from reconciler import aio
from reconciler.dialer_v1.api import METRIC_NAMES, DialerApi, Operation
from reconciler.dialer_v1.bodies import CampaignBody, SettingsBody, WebhookAuth, WebhookBody
from reconciler.dialer_v1.errors import (
    ApiError,
    NotFoundError,
    OperationFailedError,
    OperationTimeoutError,
)
from reconciler.kinds import (
    ApiDescriptor,
    CallingClock,
    CarrierCapacity,
    ExportLayout,
    KindDescriptor,
    LiveResource,
    LiveState,
    MetricRow,
    PolicyResult,
    ResourceAddress,
    SecretField,
    WriteRequest,
    WriteResult,
)

API_NAME = "dialer-v1"
SETTINGS, CAMPAIGN, WEBHOOK = "DialerSettings", "Campaign", "Webhook"


async def await_operation(api: DialerApi, op: Operation, deadline_seconds: float) -> Operation:
    """Wait for one activation; raise OperationFailedError when it FAILED.

    The write was accepted (there is an operation), so when its status cannot be read the
    outcome is unknown: that is an OperationTimeoutError, never a plain failure, so the
    restore waits for the activation instead of trusting a re-read of the old content.
    """
    try:
        done = (await api.wait_operations([op], deadline_seconds=deadline_seconds))[0]
    except (OperationTimeoutError, OperationFailedError):
        raise
    except ApiError as exc:
        raise OperationTimeoutError(
            f"could not read the status of activation {op.operation_id}: {exc.message}",
            operation_ids=(op.operation_id,),
        ) from exc
    if done.status == "FAILED":
        raise OperationFailedError(
            f"activation of {done.resource_type} {done.resource_id} failed: "
            f"{done.error_code or 'error'}: {done.error_message or 'no message'}"
            + (" (partially applied)" if done.partially_applied else ""),
            operation_id=done.operation_id,
            code=done.error_code or "",
            partially_applied=done.partially_applied,
        )
    return done


async def wait_for_running(api: DialerApi, operation_id: str | None, deadline: float) -> None:
    """Wait for an activation another write left running (a 409 names it)."""
    if operation_id is None:
        return
    op = await api.get_operation(operation_id)
    if not op.done:
        await api.wait_operations([op], deadline_seconds=deadline)


class _Listed(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def version_tag(self) -> str: ...

    @property
    def body(self) -> CampaignBody | WebhookBody: ...


L = TypeVar("L", bound=_Listed)


async def _read_listed(
    get: Callable[[str], Awaitable[L]],
    listing: Callable[[], AsyncIterator[L]],
    make: Callable[[str, str, Any], LiveResource],
    name: str,
    resource_id: str | None,
) -> LiveResource | None:
    """One listed resource: a GET by id, else found by name in the list; None if absent."""
    try:
        if resource_id is not None:
            found = await get(resource_id)
            return make(found.id, found.version_tag, found.body)
        async for item in listing():
            if item.body.name == name:
                return make(item.id, item.version_tag, item.body)
    except NotFoundError:
        return None
    return None


def _tag(request: WriteRequest) -> str:
    return request.version_tag or ""


def _id(request: WriteRequest) -> str:
    assert request.resource_id is not None, f"{request.address}: a write needs its id"
    return request.resource_id


def _body(request: WriteRequest) -> dict[str, Any]:
    assert request.body is not None, f"{request.address}: a {request.action} needs a body"
    return request.body


# -- DialerSettings: one per tenant, never created or deleted ---------------------------------
@dataclass(frozen=True)
class SettingsOps:
    async def read(self, api: DialerApi, name: str, resource_id: str | None) -> LiveResource:
        s = await api.get_settings()
        return LiveResource(ResourceAddress(SETTINGS, s.body.name), None, s.version_tag, s.body)

    async def write(self, api: DialerApi, request: WriteRequest, deadline: float) -> WriteResult:
        body = SettingsBody.model_validate(_body(request))
        op = await api.put_settings(body, if_match=_tag(request))
        done = await await_operation(api, op, deadline)
        return WriteResult(None, done.version_tag, done.operation_id)


# -- Campaign: asynchronous creates, updates and deletes -------------------------------------
@dataclass(frozen=True)
class CampaignOps:
    async def read(self, api: DialerApi, name: str, resource_id: str | None) -> LiveResource | None:
        return await _read_listed(
            api.get_campaign, api.iter_campaigns, _campaign, name, resource_id
        )

    async def write(self, api: DialerApi, request: WriteRequest, deadline: float) -> WriteResult:
        if request.action == "create":
            op = await api.create_campaign(CampaignBody.model_validate(_body(request)))
            done = await await_operation(api, op, deadline)
            return WriteResult(done.resource_id, done.version_tag, done.operation_id)
        if request.action == "update":
            body = CampaignBody.model_validate(_body(request))
            op = await api.update_campaign(_id(request), body, if_match=_tag(request))
            done = await await_operation(api, op, deadline)
            return WriteResult(_id(request), done.version_tag, done.operation_id)
        op = await api.delete_campaign(_id(request), if_match=_tag(request))
        done = await await_operation(api, op, deadline)
        return WriteResult(_id(request), None, done.operation_id)


def campaign_clock(body: BaseModel) -> CallingClock:
    """A campaign calls in its own `calling_hours`, in their time zone."""
    assert isinstance(body, CampaignBody)
    hours = body.calling_hours
    return CallingClock(hours.timezone, hours.start, hours.end)


def _campaign(cid: str, tag: str, body: CampaignBody) -> LiveResource:
    return LiveResource(ResourceAddress(CAMPAIGN, body.name), cid, tag, body)


# -- Webhook: synchronous writes; the token is write-only ------------------------------------
WEBHOOK_TOKEN = SecretField(("auth", "token"), "webhook", "token")


def parse_webhook(data: dict[str, Any]) -> WebhookBody:
    """A webhook body from stored JSON (which never holds the token)."""
    return WebhookBody.model_validate({**data, "auth": {"type": data["auth"]["type"]}})


def _with_token(data: dict[str, Any], token: SecretStr | None) -> WebhookBody:
    assert token is not None, "a webhook write needs its token (resolved by the engine)"
    body = parse_webhook(data)
    return body.model_copy(update={"auth": WebhookAuth(type="bearer", token=token)})


@dataclass(frozen=True)
class WebhookOps:
    async def read(self, api: DialerApi, name: str, resource_id: str | None) -> LiveResource | None:
        return await _read_listed(api.get_webhook, api.iter_webhooks, _webhook, name, resource_id)

    async def write(self, api: DialerApi, request: WriteRequest, deadline: float) -> WriteResult:
        if request.action == "delete":
            await api.delete_webhook(_id(request), if_match=_tag(request))
            return WriteResult(_id(request), None)
        body = _with_token(_body(request), request.secret)
        if request.action == "create":
            live = await api.create_webhook(body)
            return WriteResult(live.id, live.version_tag)
        live = await api.update_webhook(_id(request), body, if_match=_tag(request))
        return WriteResult(_id(request), live.version_tag)


def _webhook(wid: str, tag: str, body: WebhookBody) -> LiveResource:
    return LiveResource(ResourceAddress(WEBHOOK, body.name), wid, tag, body)


# -- the API ---------------------------------------------------------------------------------
async def observe(api: DialerApi) -> LiveState:
    """Settings, every campaign and every webhook: one GET and the list pages, concurrently.

    The list bodies are complete, so there is never a per-resource GET.
    """

    async def campaigns() -> list[LiveResource]:
        return [_campaign(c.id, c.version_tag, c.body) async for c in api.iter_campaigns()]

    async def webhooks() -> list[LiveResource]:
        return [_webhook(w.id, w.version_tag, w.body) async for w in api.iter_webhooks()]

    settings, live_campaigns, live_webhooks = await aio.gather(
        SettingsOps().read(api, "", None), campaigns(), webhooks()
    )
    resources = {r.address: r for r in (settings, *live_campaigns, *live_webhooks)}
    return LiveState(API_NAME, (SETTINGS, CAMPAIGN, WEBHOOK), resources)


async def validate(
    api: DialerApi, body: BaseModel, carrier: CarrierCapacity | None
) -> PolicyResult:
    """The API's policy check of one settings or campaign body."""
    assert isinstance(body, (SettingsBody, CampaignBody))
    return await api.validate_policy(body, carrier=carrier)


async def read_metrics(api: DialerApi, resource_id: str, metrics: Sequence[str]) -> list[MetricRow]:
    """A campaign's analytics over the API's default window, every page."""
    names = [m for m in METRIC_NAMES if m in metrics]
    return [r async for r in api.iter_metrics(resource_id, metrics=names)]


DIALER_V1: ApiDescriptor[DialerApi] = ApiDescriptor(
    name=API_NAME,
    kinds=(
        KindDescriptor(
            name=SETTINGS,
            api=API_NAME,
            order=0,
            body_model=SettingsBody,
            ops=SettingsOps(),
            export=ExportLayout("", "dialer-settings", file="dialer-settings"),
            singleton=True,
            asynchronous=True,
            policy_checked=True,
        ),
        KindDescriptor(
            name=CAMPAIGN,
            api=API_NAME,
            order=1,
            body_model=CampaignBody,
            ops=CampaignOps(),
            export=ExportLayout("campaigns", "campaign"),
            asynchronous=True,
            unordered_lists=("dnc_lists",),
            predicted=True,
            policy_checked=True,
            calling_clock=campaign_clock,
        ),
        KindDescriptor(
            name=WEBHOOK,
            api=API_NAME,
            order=2,
            body_model=WebhookBody,
            ops=WebhookOps(),
            export=ExportLayout("webhooks", "webhook"),
            secret=WEBHOOK_TOKEN,
            unordered_lists=("events",),
            parse=parse_webhook,
        ),
    ),
    observe=observe,
    validate=validate,
    wait_for_running=wait_for_running,
    read_metrics=read_metrics,
)
