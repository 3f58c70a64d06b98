"""What the CXone admin API answers besides parameter blocks, as lenient read models.

Every record is read the way blocks are read from a server (`Block.from_server`): keys in
any letter case, types coerced only where no meaning changes, unknown fields kept. Only
the fields this tool uses are named; the rest stay available as extras.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from reconciler.cxone_admin import shapes
from reconciler.cxone_admin.blocks import Block, BlockName, Int, Num

PERSONAL_CONNECTION = "Personal Connection"
VOICE_MEDIA_TYPE = 4

R = TypeVar("R", bound="Record")


class Record(BaseModel):
    """A read-only record of the API; unknown fields kept."""

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)
    ALIASES: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def from_server(cls: type[R], data: Mapping[str, Any]) -> R:
        """Lenient: keys in any letter case."""
        return cls.model_validate(shapes.bind_keys(cls, data, fold=True).values)


class BusinessUnitTimeZone(Record):
    """A zone the business unit enables (its Windows standard name and display name)."""

    displayName: str | None = None
    standardName: str | None = None


class BusinessUnit(Record):
    """GET /business-unit (read-only): the tenant's line capacity and dialing policy.

    `outboundPortLimit` caps simultaneous outbound lines for the whole unit;
    `allowPredictiveDialing` false means 1:1 only; `enableSkillAbandonRate` must be on for
    a skill's `overrideBusinessUnitAbandonRate` to take effect.
    """

    businessUnitId: Int | None = None
    businessUnitName: str | None = None
    outboundPortLimit: Int | None = None
    concurrentPortLimit: Int | None = None
    agentlessPortLimit: Int | None = None
    allowPredictiveDialing: bool | None = None
    enableSkillAbandonRate: bool | None = None
    abandonRateScope: Int | None = None
    defaultTimeZone: str | None = None
    timeZones: list[BusinessUnitTimeZone] | None = None
    tenantId: str | None = None


class Skill(Record):
    """A skill as GET /skills and GET /skills/{id} show it (the fields this tool reads)."""

    skillId: Int
    skillName: str
    mediaTypeId: Int | None = None
    mediaTypeName: str | None = None
    isActive: bool | None = None
    isOutbound: bool | None = None
    outboundStrategy: str | None = None
    isRunning: bool | None = None
    campaignId: Int | None = None
    campaignName: str | None = None
    agentless: bool | None = None
    agentlessPorts: Int | None = None
    agentRestTime: Int | None = None

    @property
    def is_personal_connection(self) -> bool:
        """An outbound skill dialled by Personal Connection: a dialer campaign."""
        strategy = (self.outboundStrategy or "").casefold()
        return bool(self.isOutbound) and strategy == PERSONAL_CONNECTION.casefold()


class DncGroup(Record):
    """A DNC group (its phone numbers are data, not configuration, and never read here)."""

    dncGroupId: Int
    dncGroupName: str
    dncGroupDescription: str | None = None
    isActive: bool | None = None
    validRecords: Int | None = None
    isRemoved: bool | None = None
    createDate: str | None = None
    lastUpdateTime: str | None = None


class ScrubbedSkill(Record):
    """A skill whose calls are scrubbed against a DNC group."""

    skillId: Int
    skillName: str | None = None


class SkillSummaryRow(Record):
    """One row of GET /skills/{id}/summary (keys in PascalCase on the wire).

    `AbandonRate` is a percent; whether it counts abandonment as regulation does is not
    documented: `DialerContactsRow` has the raw counts.
    """

    SkillId: Int | None = None
    SkillName: str | None = None
    CampaignId: Int | None = None
    IsOutbound: bool | None = None
    AbandonCount: Int | None = None
    AbandonRate: Num | None = None
    Dials: Int | None = None
    Connects: Int | None = None
    RightPartyConnects: Int | None = None
    ContactsHandled: Int | None = None
    ContactsOffered: Int | None = None
    AgentsLoggedIn: Int | None = None
    AverageHandleTime: Num | None = None


class DialerContactsRow(Record):
    """One interval of GET /wfm-data/skills/dialer-contacts for one skill."""

    skillId: Int
    skillName: str | None = None
    intervalStartDate: str
    mediaTypeId: Int | None = None
    dials: Int | None = None
    connects: Int | None = None
    connectsAHT: Num | None = None
    rightPartyConnects: Int | None = None
    rightPartyConnectsAHT: Num | None = None
    abandons: Int | None = None


class ApiVersion(Record):
    """One entry of GET /apiversion."""

    uri: str | None = None
    version: str | None = None
    verb: str | None = None


@dataclass(frozen=True)
class SkillParameters:
    """Every parameter block one skill shows, as one read returned them."""

    skill_id: int
    skill_name: str
    blocks: Mapping[BlockName, Block] = field(default_factory=dict)
