"""The documents of a real CXone tenant (`api: cxone-admin`): OutboundSkill and DncGroup.

A skill's `spec` holds its parameter blocks under the API's own names, each optional, each
field optional: only the fields written are managed. The strict spec models are derived
from the API block models (`reconciler/cxone_admin/blocks.py`, one source of field names
and documented ranges), so a typo, a wrong type or a value out of range is located like
any other spec error, and the JSON Schemas show the same rules.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from reconciler.cxone_admin.blocks import (
    BLOCK_MODELS,
    SHARED_FIELDS,
    Block,
    CpaException,
    TimeZoneSettings,
    TimeZoneWindow,
)
from reconciler.cxone_admin.bodies import DNC_GROUPS, SPEC_BLOCKS, SkillBody
from reconciler.desired.models import (
    HHMM,
    GuardedDocument,
    Metadata,
    SimulationBlock,
    SpecModel,
    VerifyBlock,
)

# A DNC group name as the API keeps it.
GroupName = Annotated[str, Field(min_length=1, max_length=100)]


def _plain(annotation: Any) -> Any:
    """The spec's type for a block field's annotation (strict; times as "HH:MM")."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        base = args[0]
        return HHMM if base is str else base
    if origin in (typing.Union, types.UnionType):
        kept = [_plain(a) for a in args if a is not type(None)]
        return functools.reduce(lambda a, b: a | b, kept)
    if origin is list:
        return list[_spec_part(args[0])]  # type: ignore[misc]
    return annotation


def _number(value: object) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@functools.cache
def _spec_part(part: type[BaseModel]) -> type[SpecModel]:
    """The strict spec model of a block (or block item): unknown fields refused, every
    documented range enforced, every field optional."""
    fields: dict[str, Any] = {}
    for name, info in part.model_fields.items():
        if part is TimeZoneSettings and name == "zones":
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        low, high = _number(extra.get("minimum")), _number(extra.get("maximum"))
        fields[name] = (
            _plain(info.annotation) | None,
            Field(default=None, description=info.description, ge=low, le=high),
        )
    model: type[SpecModel] = create_model(
        f"{part.__name__}Spec", __base__=SpecModel, __doc__=part.__doc__, **fields
    )
    return model


TimeZoneWindowSpec = _spec_part(TimeZoneWindow)
CpaExceptionSpec = _spec_part(CpaException)


def _coupled_in_one_block() -> dict[str, Any]:
    """The JSON Schema's share of the coupled-fields rule: never managed in both blocks."""
    both = [
        {
            "required": ["generalSettings", "retrySettings"],
            "properties": {
                block: {"type": "object", "required": [name]}
                for block in ("generalSettings", "retrySettings")
            },
        }
        for name in SHARED_FIELDS
    ]
    return {"not": {"anyOf": both}}


class OutboundSkillSpec(SpecModel):
    """One Personal Connection skill: its blocks (each optional) and its DNC groups."""

    model_config = ConfigDict(json_schema_extra=_coupled_in_one_block())

    generalSettings: _spec_part(BLOCK_MODELS["generalSettings"]) | None = None  # type: ignore[valid-type]
    cpaSettings: _spec_part(BLOCK_MODELS["cpaSettings"]) | None = None  # type: ignore[valid-type]
    retrySettings: _spec_part(BLOCK_MODELS["retrySettings"]) | None = None  # type: ignore[valid-type]
    scheduleSettings: _spec_part(BLOCK_MODELS["scheduleSettings"]) | None = None  # type: ignore[valid-type]
    # The full list of zones whose contacts are called, with their windows: the API
    # replaces the list whole, so a live zone not listed is switched off.
    timeZoneSettings: list[TimeZoneWindowSpec] | None = None  # type: ignore[valid-type]
    deliveryPreferences: _spec_part(BLOCK_MODELS["deliveryPreferences"]) | None = None  # type: ignore[valid-type]
    # The DNC groups that must scrub this skill (others are left alone unless `prune`).
    dncGroups: list[GroupName] | None = Field(default=None, json_schema_extra={"uniqueItems": True})

    @field_validator("timeZoneSettings")
    @classmethod
    def _zones_named_once(cls, zones: list[Any] | None) -> list[Any] | None:
        names = [str(getattr(z, "standardName", "") or "").casefold() for z in zones or []]
        if any(not n for n in names):
            raise ValueError("every zone needs its `standardName`")
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"zone listed twice: {', '.join(twice)}")
        return zones

    @field_validator("dncGroups")
    @classmethod
    def _groups_once(cls, groups: list[str] | None) -> list[str] | None:
        if groups is not None and len(set(groups)) != len(groups):
            raise ValueError("a DNC group is listed more than once")
        return groups


class Staffing(SpecModel):
    """How many agents the skill runs with (tool-only): with `maximumRatio`, its line need."""

    agents: Annotated[int, Field(ge=1, le=5000)]


class OutboundSkillDocument(GuardedDocument):
    """`kind: OutboundSkill` (cxone-admin): `metadata.name` is the skill's `skillName`."""

    apiVersion: Literal["dialer.cxone/v1"]
    kind: Literal["OutboundSkill"]
    metadata: Metadata
    spec: OutboundSkillSpec
    staffing: Staffing | None = None
    simulation: SimulationBlock | None = None
    verify: VerifyBlock | None = None


class DncGroupSpec(SpecModel):
    """What a spec manages of a DNC group (its phone numbers are data, not configuration)."""

    dncGroupDescription: Annotated[str, Field(max_length=500)] | None = None
    isActive: bool | None = None


class DncGroupDocument(GuardedDocument):
    """`kind: DncGroup` (cxone-admin): `metadata.name` is the group's `dncGroupName`."""

    apiVersion: Literal["dialer.cxone/v1"]
    kind: Literal["DncGroup"]
    metadata: Metadata
    spec: DncGroupSpec


def skill_body_of(spec: OutboundSkillSpec) -> SkillBody:
    """The desired skill body: the blocks the spec writes (and only their fields)."""
    blocks: dict[str, Block] = {}
    for name in SPEC_BLOCKS:
        value = getattr(spec, name)
        if value is None:
            continue
        if name == "timeZoneSettings":
            # A listed zone is called: `timeZoneActiveToCall` true unless the spec says.
            zones = [
                {"timeZoneActiveToCall": True, **z.model_dump(exclude_unset=True)} for z in value
            ]
            blocks[name] = TimeZoneSettings.from_server(zones)
        else:
            blocks[name] = BLOCK_MODELS[name].from_server(value.model_dump(exclude_unset=True))
    groups = spec.dncGroups
    return SkillBody(blocks=blocks, dncGroups=tuple(groups) if groups is not None else None)


__all__ = [
    "DNC_GROUPS",
    "DncGroupDocument",
    "DncGroupSpec",
    "OutboundSkillDocument",
    "OutboundSkillSpec",
    "Staffing",
    "skill_body_of",
]
