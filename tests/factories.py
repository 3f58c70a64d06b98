"""Small builders of valid API bodies and live records for tests."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from reconciler.cxone_admin.blocks import BLOCK_MODELS, block_digest
from reconciler.cxone_admin.bodies import DncGroupBody, SkillBody
from reconciler.cxone_admin.kinds import CXONE_ADMIN
from reconciler.desired.skills import OutboundSkillSpec, skill_body_of
from reconciler.dialer_v1.bodies import CampaignBody, SettingsBody, WebhookAuth, WebhookBody
from reconciler.dialer_v1.kinds import DIALER_V1
from reconciler.engine.pairing import DesiredResource
from reconciler.kinds import Backend, LiveResource, LiveState, ResourceAddress


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def settings_json(**changes: Any) -> dict[str, Any]:
    base = {
        "name": "Predictive_Outbound_01",
        "type": "predictive",
        "concurrency": {"max_agents": 50, "max_simultaneous_calls": 80, "call_spacing_ms": 150},
        "algorithm": {
            "type": "predictive",
            "abandonment_rate_target": 0.03,
            "agent_availability_estimate": 0.85,
            "dial_ratio": 1.6,
            "warm_line_timeout_sec": 2,
        },
    }
    return deep_merge(base, changes)


def campaign_json(name: str, **changes: Any) -> dict[str, Any]:
    base = deep_merge(
        settings_json(),
        {
            "name": name,
            "concurrency": {"max_agents": 20, "max_simultaneous_calls": 30},
            "calling_hours": {"start": "09:00", "end": "20:00", "timezone": "America/New_York"},
            "dnc_lists": ["national", "internal"],
        },
    )
    return deep_merge(base, changes)


def webhook_json(name: str, **changes: Any) -> dict[str, Any]:
    base = {
        "name": name,
        "url": "https://wfm.example.com/hooks/dialer",
        "events": ["dialer.settings.updated", "dialer.campaign.activated"],
        "auth": {"type": "bearer"},
        "retryPolicy": {"maxRetries": 3, "backoffMultiplier": 2, "timeoutSec": 10},
    }
    return deep_merge(base, changes)


def live_state(
    settings: dict[str, Any] | None = None,
    campaigns: list[dict[str, Any]] = (),  # type: ignore[assignment]
    webhooks: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> LiveState:
    s = SettingsBody.model_validate(settings or settings_json())
    resources = [LiveResource(ResourceAddress("DialerSettings", s.name), None, "v-s1", s)]
    resources += [
        LiveResource(
            ResourceAddress("Campaign", c["name"]),
            f"c-{i:06d}",
            f"v-c{i}",
            CampaignBody.model_validate(c),
        )
        for i, c in enumerate(campaigns, start=1)
    ]
    resources += [
        LiveResource(
            ResourceAddress("Webhook", w["name"]),
            f"w-{i:04d}",
            f"v-w{i}",
            WebhookBody.model_validate(w),
        )
        for i, w in enumerate(webhooks, start=1)
    ]
    return LiveState(DIALER_V1.name, DIALER_V1.kind_names, {r.address: r for r in resources})


def desired(
    settings: dict[str, Any] | None = None,
    campaigns: list[dict[str, Any]] = (),  # type: ignore[assignment]
    webhooks: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> list[DesiredResource]:
    out = []
    if settings is not None:
        out.append(
            DesiredResource(
                "DialerSettings",
                settings["name"],
                SettingsBody.model_validate(settings),
                "specs/t/dialer-settings.yaml:2:1",
            )
        )
    for c in campaigns:
        out.append(
            DesiredResource(
                "Campaign",
                c["name"],
                CampaignBody.model_validate(c),
                f"specs/t/campaigns/{c['name']}.yaml:2:1",
            )
        )
    for w in webhooks:
        out.append(
            DesiredResource(
                "Webhook",
                w["name"],
                WebhookBody.model_validate(w),
                f"specs/t/webhooks/{w['name']}.yaml:2:1",
                secret_env="WFM_WEBHOOK_TOKEN",
            )
        )
    return out


def with_token(body: WebhookBody, token: str) -> WebhookBody:
    return body.model_copy(update={"auth": WebhookAuth(type="bearer", token=SecretStr(token))})


def backend(client: Any) -> Backend[Any]:
    """The engine's seam over a dialer-v1 client (a DialerV1Client or any DialerApi)."""
    return Backend(DIALER_V1, client)


# ---- api: cxone-admin ----------------------------------------------------------------------


def skill_live(
    name: str,
    skill_id: int,
    blocks: dict[str, Any],
    groups: list[str],
    *,
    running: bool = False,
) -> LiveResource:
    """A live OutboundSkill: its blocks (any server shape) and the DNC groups scrubbing it;
    each block's digest as its part tag, a readable tag for the whole skill."""
    parsed = {n: BLOCK_MODELS[n].from_server(data) for n, data in blocks.items()}  # type: ignore[index]
    parts = {n: block_digest(b) for n, b in parsed.items()}
    body = SkillBody(blocks=parsed, dncGroups=tuple(sorted(groups)))
    flags = frozenset({"running"}) if running else frozenset()
    address = ResourceAddress("OutboundSkill", name)
    return LiveResource(address, str(skill_id), f"sha256:skill-{skill_id}", body, parts, flags)


def dnc_group_live(name: str, group_id: int, description: str, active: bool = True) -> LiveResource:
    """A live DncGroup."""
    body = DncGroupBody(dncGroupDescription=description, isActive=active)
    address = ResourceAddress("DncGroup", name)
    return LiveResource(address, str(group_id), f"sha256:group-{group_id}", body)


def admin_live_state(*resources: LiveResource) -> LiveState:
    """A cxone-admin observation of these resources."""
    return LiveState(CXONE_ADMIN.name, CXONE_ADMIN.kind_names, {r.address: r for r in resources})


def skill_desired(name: str, spec: dict[str, Any]) -> DesiredResource:
    """An OutboundSkill document's resource: the blocks (spec form) and groups it manages."""
    body = skill_body_of(OutboundSkillSpec.model_validate(spec))
    return DesiredResource("OutboundSkill", name, body, f"specs/t/skills/{name}.yaml:2:1")


def dnc_group_desired(name: str, **fields: Any) -> DesiredResource:
    """A DncGroup document's resource."""
    source = f"specs/t/dnc-groups/{name}.yaml:2:1"
    return DesiredResource("DncGroup", name, DncGroupBody(**fields), source)
