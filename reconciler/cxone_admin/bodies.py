"""The bodies of the admin API's kinds: a skill's blocks and DNC groups, a DNC group.

Shared by the spec (desired state), the engine (plans, snapshots) and the cxone-admin kinds;
imports no HTTP code, so `validate` stays light.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from reconciler.cxone_admin.blocks import BLOCK_MODELS, Block, BlockName

# The blocks a spec may manage, in the order they are written.
SPEC_BLOCKS: tuple[BlockName, ...] = (
    "generalSettings",
    "retrySettings",
    "cpaSettings",
    "scheduleSettings",
    "timeZoneSettings",
    "deliveryPreferences",
)
DNC_GROUPS = "dncGroups"


class SkillBody(BaseModel):
    """A skill's managed configuration: its parameter blocks and the DNC groups scrubbing it.

    Live, every block the API shows; desired, only the blocks (and fields) a spec writes.
    `dncGroups` None: not managed.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    blocks: dict[str, Block]
    dncGroups: tuple[str, ...] | None = None


def skill_json(body: BaseModel) -> dict[str, Any]:
    """The JSON of a skill body: each block in its PUT form, then `dncGroups` (sorted)."""
    assert isinstance(body, SkillBody)
    data: dict[str, Any] = {
        name: body.blocks[name].to_put_json() for name in SPEC_BLOCKS if name in body.blocks
    }
    if body.dncGroups is not None:
        data[DNC_GROUPS] = sorted(body.dncGroups)
    return data


def skill_body(data: Mapping[str, Any]) -> SkillBody:
    """A skill body from its JSON (a plan's `desired`, a snapshot's body)."""
    blocks = {
        name: BLOCK_MODELS[name].from_server(data[name]) for name in SPEC_BLOCKS if name in data
    }
    groups = data.get(DNC_GROUPS)
    return SkillBody(blocks=blocks, dncGroups=tuple(groups) if groups is not None else None)


def _zone_key(item: Mapping[str, Any]) -> str:
    return str(item.get("standardName") or "").casefold()


def project_skill(live: dict[str, Any], desired: dict[str, Any], exact: bool) -> dict[str, Any]:
    """The live JSON cut down to what `desired` manages.

    Inside a block, only the fields the spec writes. Time zones: the listed ones (on the
    fields the spec gives them), and any live zone called but not listed (that must stop:
    a change); a live zone neither listed nor called is in sync. DNC groups: the listed ones
    that scrub the skill, or every live link when `exact` (pruning, or a restore).
    """
    out: dict[str, Any] = {}
    for name, want in desired.items():
        have = live.get(name)
        if name == DNC_GROUPS:
            links = sorted(have or [])
            out[name] = links if exact else sorted(set(links) & set(want))
        elif name == "timeZoneSettings":
            wanted = {_zone_key(z): z for z in want}
            zones = []
            for zone in have or []:
                item = wanted.get(_zone_key(zone))
                if item is not None:
                    zones.append({k: zone[k] for k in item if k in zone})
                elif zone.get("timeZoneActiveToCall"):
                    zones.append(zone)
            out[name] = sorted(zones, key=lambda z: json.dumps(z, sort_keys=True))
        elif isinstance(want, dict) and isinstance(have, dict):
            out[name] = {k: have[k] for k in want if k in have}
        elif have is not None:
            out[name] = have
    return out


class DncGroupBody(BaseModel):
    """What a spec manages of a DNC group (its numbers are data, never read or written)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    dncGroupDescription: str | None = None
    isActive: bool | None = None
