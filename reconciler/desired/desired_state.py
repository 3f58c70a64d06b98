"""The desired state: the validated documents of one spec directory, as immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, SecretStr

from reconciler.cxone_admin.bodies import DncGroupBody, SkillBody
from reconciler.desired.diagnostics import Diagnostic, Location
from reconciler.desired.guards import SpecGuardrails
from reconciler.desired.models import SimulationBlock, TenantSpec, VerifyBlock
from reconciler.desired.skills import Staffing
from reconciler.dialer_v1.bodies import CampaignBody, SettingsBody, WebhookAuth, WebhookBody


@dataclass(frozen=True)
class TenantDoc:
    """The Tenant document: connection, carrier, compliance and tool-wide defaults."""

    name: str
    labels: dict[str, str]
    spec: TenantSpec
    source: Location


@dataclass(frozen=True)
class SettingsDoc:
    """The DialerSettings document."""

    name: str
    labels: dict[str, str]
    body: SettingsBody
    source: Location
    kind: ClassVar[str] = "DialerSettings"
    secret_env: ClassVar[str | None] = None


@dataclass(frozen=True)
class CampaignDoc:
    """A Campaign document: its API body and its own (unmerged) tool-only blocks."""

    name: str
    labels: dict[str, str]
    body: CampaignBody
    simulation: SimulationBlock | None
    verify: VerifyBlock | None
    source: Location
    kind: ClassVar[str] = "Campaign"
    secret_env: ClassVar[str | None] = None


@dataclass(frozen=True)
class WebhookDoc:
    """A Webhook document; the token is read from `token_env` at apply time."""

    name: str
    labels: dict[str, str]
    body_without_token: WebhookBody
    token_env: str
    source: Location
    kind: ClassVar[str] = "Webhook"

    @property
    def body(self) -> WebhookBody:
        """The body the plan compares (the token is write-only: never compared)."""
        return self.body_without_token

    @property
    def secret_env(self) -> str:
        return self.token_env

    def body_with_token(self, token: SecretStr) -> WebhookBody:
        """The body to send to the API, carrying the bearer token."""
        auth = WebhookAuth(type="bearer", token=token)
        return self.body_without_token.model_copy(update={"auth": auth})


class ResourceDoc(Protocol):
    """What the engine reads of any document that declares an API resource."""

    @property
    def kind(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def source(self) -> Location: ...

    @property
    def body(self) -> BaseModel: ...

    @property
    def secret_env(self) -> str | None: ...


@dataclass(frozen=True)
class SkillDoc:
    """An OutboundSkill document (cxone-admin): the blocks and DNC groups it manages, and
    its own (unmerged) tool-only blocks."""

    name: str
    labels: dict[str, str]
    body: SkillBody
    staffing: Staffing | None
    simulation: SimulationBlock | None
    verify: VerifyBlock | None
    source: Location
    kind: ClassVar[str] = "OutboundSkill"
    secret_env: ClassVar[str | None] = None


@dataclass(frozen=True)
class DncGroupDoc:
    """A DncGroup document (cxone-admin)."""

    name: str
    labels: dict[str, str]
    body: DncGroupBody
    source: Location
    kind: ClassVar[str] = "DncGroup"
    secret_env: ClassVar[str | None] = None


def _set_fields(block: SimulationBlock | VerifyBlock | None) -> dict[str, Any]:
    if block is None:
        return {}
    return {name: getattr(block, name) for name in block.model_fields_set}


@dataclass(frozen=True)
class DesiredState:
    """Everything one spec directory asks for, validated; `digest` identifies its bytes."""

    environment: str
    spec_dir: Path
    tenant: TenantDoc | None
    settings: SettingsDoc | None
    campaigns: tuple[CampaignDoc, ...]
    webhooks: tuple[WebhookDoc, ...]
    warnings: tuple[Diagnostic, ...]
    digest: str
    guardrails: SpecGuardrails = field(default_factory=SpecGuardrails)
    skills: tuple[SkillDoc, ...] = ()
    dnc_groups: tuple[DncGroupDoc, ...] = ()
    _dialing_by_name: dict[str, CampaignDoc | SkillDoc] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        dialing: list[CampaignDoc | SkillDoc] = [*self.campaigns, *self.skills]
        self._dialing_by_name.update({d.name: d for d in dialing})

    @property
    def api(self) -> str:
        """The API the environment's Tenant chooses (dialer-v1 without a Tenant)."""
        return self.tenant.spec.api if self.tenant is not None else "dialer-v1"

    def resource_docs(self) -> tuple[ResourceDoc, ...]:
        """Every document that declares an API resource (the Tenant is tool-only)."""
        settings: tuple[ResourceDoc, ...] = () if self.settings is None else (self.settings,)
        return settings + self.campaigns + self.webhooks + self.dnc_groups + self.skills

    def campaign(self, name: str) -> CampaignDoc:
        """The campaign called `name`; KeyError when there is none."""
        found = self._dialing_by_name[name]
        if not isinstance(found, CampaignDoc):
            raise KeyError(name)
        return found

    def dialing(self, name: str) -> CampaignDoc | SkillDoc:
        """The campaign or outbound skill called `name`; KeyError when there is none."""
        return self._dialing_by_name[name]

    def simulation_for(self, campaign_name: str) -> SimulationBlock:
        """Effective simulation assumptions: defaults < Tenant's block < campaign's block."""
        tenant_block = self.tenant.spec.simulation if self.tenant else None
        own = self.dialing(campaign_name).simulation
        return merge_simulation(tenant_block, own)

    def verify_for(self, campaign_name: str) -> VerifyBlock | None:
        """Effective post-apply guard, or None when neither Tenant nor campaign asks for one."""
        tenant_block = self.tenant.spec.verify if self.tenant else None
        return merge_verify(tenant_block, self.dialing(campaign_name).verify)


def merge_simulation(
    defaults: SimulationBlock | None, own: SimulationBlock | None
) -> SimulationBlock:
    """Field-by-field merge: each field the campaign sets wins over the Tenant's."""
    return SimulationBlock.model_validate({**_set_fields(defaults), **_set_fields(own)})


def merge_verify(defaults: VerifyBlock | None, own: VerifyBlock | None) -> VerifyBlock | None:
    """Field-by-field merge (`metrics` is one field: a campaign's map replaces the Tenant's)."""
    if defaults is None and own is None:
        return None
    merged = {**_set_fields(defaults), **_set_fields(own)}
    # model_construct: each part was validated alone; the merged interval is checked by the
    # rules, which can point at the block that caused a conflict.
    return VerifyBlock.model_construct(_fields_set=set(merged), **merged)
