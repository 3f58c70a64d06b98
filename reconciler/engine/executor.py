"""Write primitives: send one change to the API and await its activation.

Campaign and settings writes are asynchronous (202 + operation); webhook writes are
synchronous. Either way a `WriteResult` says which resource was written and the versionTag
it holds afterwards, so the journal and the audit trail can record before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from reconciler.dialer_v1.api import DialerApi, Operation
from reconciler.dialer_v1.bodies import CampaignBody, SettingsBody, WebhookAuth, WebhookBody
from reconciler.dialer_v1.errors import ApiError, OperationFailedError, OperationTimeoutError
from reconciler.errors import ConfigError


@dataclass(frozen=True)
class WriteResult:
    """What one write did."""

    resource_id: str | None
    version_tag_after: str | None
    operation_id: str | None = None


def resolve_secret(env_name: str | None, secrets: Mapping[str, SecretStr], what: str) -> SecretStr:
    """The write-only token to send for a webhook, from the values the CLI read."""
    if env_name is None or env_name not in secrets:
        raise ConfigError(
            f"{what}: the webhook token variable {env_name or '(unnamed)'} is not set",
            hint=f"export {env_name or 'the variable in auth.token_from.env'} before applying",
        )
    return secrets[env_name]


def webhook_body(data: dict[str, Any], token: SecretStr) -> WebhookBody:
    """A webhook body from plan/snapshot JSON plus its token."""
    body = WebhookBody.model_validate({**data, "auth": {"type": data["auth"]["type"]}})
    return body.model_copy(update={"auth": WebhookAuth(type="bearer", token=token)})


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


async def write_settings(
    api: DialerApi, body: dict[str, Any], if_match: str, deadline: float
) -> WriteResult:
    op = await api.put_settings(SettingsBody.model_validate(body), if_match=if_match)
    done = await await_operation(api, op, deadline)
    return WriteResult(None, done.version_tag, done.operation_id)


async def create_campaign(api: DialerApi, body: dict[str, Any], deadline: float) -> WriteResult:
    op = await api.create_campaign(CampaignBody.model_validate(body))
    done = await await_operation(api, op, deadline)
    return WriteResult(done.resource_id, done.version_tag, done.operation_id)


async def update_campaign(
    api: DialerApi, campaign_id: str, body: dict[str, Any], if_match: str, deadline: float
) -> WriteResult:
    op = await api.update_campaign(
        campaign_id, CampaignBody.model_validate(body), if_match=if_match
    )
    done = await await_operation(api, op, deadline)
    return WriteResult(campaign_id, done.version_tag, done.operation_id)


async def delete_campaign(
    api: DialerApi, campaign_id: str, if_match: str, deadline: float
) -> WriteResult:
    op = await api.delete_campaign(campaign_id, if_match=if_match)
    done = await await_operation(api, op, deadline)
    return WriteResult(campaign_id, None, done.operation_id)


async def create_webhook(api: DialerApi, body: dict[str, Any], token: SecretStr) -> WriteResult:
    live = await api.create_webhook(webhook_body(body, token))
    return WriteResult(live.id, live.version_tag)


async def update_webhook(
    api: DialerApi, webhook_id: str, body: dict[str, Any], token: SecretStr, if_match: str
) -> WriteResult:
    live = await api.update_webhook(webhook_id, webhook_body(body, token), if_match=if_match)
    return WriteResult(webhook_id, live.version_tag)


async def delete_webhook(api: DialerApi, webhook_id: str, if_match: str) -> WriteResult:
    await api.delete_webhook(webhook_id, if_match=if_match)
    return WriteResult(webhook_id, None)
