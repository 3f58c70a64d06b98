"""Out-of-band edits: another actor (the admin console, a colleague) changes live state.

Each edit bumps the resource's versionTag and writes an audit entry by `out-of-band`, so
a client holding an older tag gets 412 on its next write, as it would on a real tenant.
"""

from __future__ import annotations

from typing import Any, Literal

from reconciler.dialer_v1.emulator import bodies
from reconciler.dialer_v1.emulator.clock import iso
from reconciler.dialer_v1.emulator.records import SETTINGS_ID, Resource
from reconciler.dialer_v1.emulator.tenant import OUT_OF_BAND, Tenant

JsonDict = dict[str, Any]


def _bump(
    tenant: Tenant, resource: Resource, entity: Literal["dialer", "campaign", "webhook"]
) -> None:
    before = resource.version_tag
    resource.version_tag = tenant.new_tag()
    resource.updated_at = iso(tenant.now())
    tenant.record_audit(OUT_OF_BAND, "update", entity, resource.id, before, resource.version_tag)


def edit_settings(tenant: Tenant, changes: JsonDict) -> None:
    """Deep-merge `changes` into the settings (None deletes a key)."""
    with tenant.lock:
        merged = bodies.deep_merge(tenant.settings.body, changes)
        tenant.settings.body = bodies.settings_body(merged)
        _bump(tenant, tenant.settings, "dialer")
        tag = tenant.settings.version_tag
        tenant.emit("dialer.settings.updated", SETTINGS_ID, tag, tenant.settings_json())


def edit_campaign(tenant: Tenant, name: str, changes: JsonDict) -> None:
    """Deep-merge `changes` into the campaign called `name`."""
    with tenant.lock:
        campaign = tenant.campaign_by_name(name)
        new_body = bodies.campaign_body(bodies.deep_merge(campaign.body, changes))
        if new_body["name"] != name and tenant.campaign_named(new_body["name"]) is not None:
            raise ValueError(f"a campaign named {new_body['name']!r} already exists")
        campaign.body = new_body
        _bump(tenant, campaign, "campaign")
        data = tenant.resource_json(campaign)
        tenant.emit("dialer.campaign.activated", campaign.id, campaign.version_tag, data)


def add_campaign(tenant: Tenant, data: JsonDict) -> str:
    """Create a campaign directly (no operation); returns its id."""
    with tenant.lock:
        body = bodies.campaign_body(data)
        if tenant.campaign_named(body["name"]) is not None:
            raise ValueError(f"a campaign named {body['name']!r} already exists")
        stamp = iso(tenant.now())
        cid = tenant.new_id("c")
        campaign = Resource(cid, body, tenant.new_tag(), stamp, stamp, stamp)
        tenant.campaigns[cid] = campaign
        tenant.record_audit(OUT_OF_BAND, "create", "campaign", cid, None, campaign.version_tag)
        return cid


def remove_campaign(tenant: Tenant, name: str) -> None:
    """Delete the campaign `name` directly (no operation)."""
    with tenant.lock:
        campaign = tenant.campaign_by_name(name)
        del tenant.campaigns[campaign.id]
        tenant.record_audit(
            OUT_OF_BAND, "delete", "campaign", campaign.id, campaign.version_tag, None
        )


def edit_webhook(tenant: Tenant, name: str, changes: JsonDict) -> None:
    """Deep-merge `changes` into the webhook `name` (`auth.token` may be set)."""
    with tenant.lock:
        hook = tenant.webhook_by_name(name)
        current = {**hook.body, "auth": {**hook.body["auth"]}}
        body, token = bodies.webhook_body(bodies.deep_merge(current, changes))
        hook.body, hook.token = body, token if token is not None else hook.token
        _bump(tenant, hook, "webhook")


def add_webhook(tenant: Tenant, data: JsonDict) -> str:
    """Create a webhook directly (its body carries auth.token); returns its id."""
    return tenant.create_webhook(data, OUT_OF_BAND).id
