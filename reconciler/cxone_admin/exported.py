"""A live skill as the `spec` of an OutboundSkill document (what `export` writes).

Every block a spec can manage, in the PUT form, with every field the API showed that a
spec can hold, so that `plan` on the export shows no changes. What a spec cannot hold is
left out, and named so `export` can say it (the tenant keeps those values: a write sends
the whole block, live merged with the spec):

- fields the models do not know (a newer API version's additions);
- values outside the documented ranges (a spec refuses them);
- `maximumAttempts` and `minimumRetryMinutes` in retrySettings: one setting shown in two
  blocks, managed in generalSettings;
- time zones not called (`timeZoneActiveToCall` false): a listed zone is a called one,
  and a live zone neither listed nor called is in sync.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from reconciler.cxone_admin import shapes
from reconciler.cxone_admin.blocks import SHARED_FIELDS, Block, Part, TimeZoneSettings
from reconciler.cxone_admin.bodies import DNC_GROUPS, SPEC_BLOCKS, SkillBody


def _known(part: Part, data: Mapping[str, Any], where: str, left_out: list[str]) -> dict[str, Any]:
    """`data` (the PUT form of `part`) without the fields its model does not know."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        info = type(part).model_fields.get(key)
        if info is None:
            left_out.append(f"{where}.{key} (a field the tool does not know)")
            continue
        inner = shapes.nested_model(info.annotation)
        items = getattr(part, key)
        if inner is not None and isinstance(value, list) and isinstance(items, list):
            value = [
                _known(item, item_json, f"{where}.{key}[{i}]", left_out)
                for i, (item, item_json) in enumerate(zip(items, value, strict=True))
            ]
        out[key] = value
    return out


def _block_spec(block: Block, left_out: list[str]) -> dict[str, Any]:
    name = block.BLOCK
    data = _known(block, block.to_put_json(), name, left_out)
    for problem in block.range_errors():
        key = str(problem["loc"][0])
        if key in data:  # a nested value out of range takes its whole list with it
            shown = ".".join(str(p) for p in problem["loc"])
            data.pop(key)
            left_out.append(f"{name}.{shown} {problem['input']!r} (outside its documented range)")
    if name == "retrySettings":
        for key in SHARED_FIELDS:
            data.pop(key, None)  # written once, in generalSettings
    if isinstance(data.get("exceptions"), list):  # keyed by attempt: one stable order
        data["exceptions"].sort(key=lambda e: str(e.get("attempt_No")).zfill(3))
    return data


def _zones_spec(block: TimeZoneSettings, left_out: list[str]) -> list[dict[str, Any]]:
    called = []
    for index, zone in enumerate(block.zones or []):
        if not zone.timeZoneActiveToCall:
            continue
        item = _known(
            zone,
            shapes.integral_numbers(zone.model_dump(mode="json", exclude_unset=True)),
            f"timeZoneSettings[{index}]",
            left_out,
        )
        called.append(item)
    return sorted(called, key=lambda z: str(z.get("standardName", "")).casefold())


def skill_spec(body: BaseModel) -> tuple[dict[str, Any], list[str]]:
    """The `spec` of a live skill, and what was left out of it (and why)."""
    assert isinstance(body, SkillBody)
    data: dict[str, Any] = {}
    left_out: list[str] = []
    for name in SPEC_BLOCKS:
        block = body.blocks.get(name)
        if isinstance(block, TimeZoneSettings):
            data[name] = _zones_spec(block, left_out)
        elif block is not None:
            data[name] = _block_spec(block, left_out)
    if body.dncGroups is not None:
        data[DNC_GROUPS] = sorted(body.dncGroups)
    return data, left_out
