"""Every kind of document a spec directory may hold, and the API each resource kind is for.

The Tenant's `api` chooses which resource kinds an environment may declare (the registry
says which API serves each kind: reconciler/registry.py).
"""

from __future__ import annotations

from pydantic import BaseModel

from reconciler import registry
from reconciler.desired.models import (
    CampaignDocument,
    SettingsDocument,
    TenantDocument,
    WebhookDocument,
)
from reconciler.desired.skills import (
    DncGroupDocument,
    DncGroupSpec,
    OutboundSkillDocument,
    OutboundSkillSpec,
)
from reconciler.dialer_v1.bodies import CampaignBody, SettingsBody, WebhookBody

DocumentModel = (
    TenantDocument
    | SettingsDocument
    | CampaignDocument
    | WebhookDocument
    | OutboundSkillDocument
    | DncGroupDocument
)

DOCUMENT_TYPES = (
    TenantDocument,
    SettingsDocument,
    CampaignDocument,
    WebhookDocument,
    OutboundSkillDocument,
    DncGroupDocument,
)
DOCUMENT_MODELS: dict[str, type[DocumentModel]] = {
    "Tenant": TenantDocument,
    "DialerSettings": SettingsDocument,
    "Campaign": CampaignDocument,
    "Webhook": WebhookDocument,
    "OutboundSkill": OutboundSkillDocument,
    "DncGroup": DncGroupDocument,
}

# The body model behind each resource kind's `spec` (for ignore_differences paths).
BODY_MODELS: dict[str, type[BaseModel]] = {
    "DialerSettings": SettingsBody,
    "Campaign": CampaignBody,
    "Webhook": WebhookBody,
    "OutboundSkill": OutboundSkillSpec,
    "DncGroup": DncGroupSpec,
}

# Kinds whose `spec` is an API body that itself holds the name (from `metadata.name`).
NAMED_BODY_KINDS = frozenset({"DialerSettings", "Campaign", "Webhook"})


def api_of(kind: str) -> str | None:
    """The API that serves a resource kind (None for the Tenant, which is tool-only)."""
    found = registry.KINDS.get(kind)
    return found.api if found is not None else None
