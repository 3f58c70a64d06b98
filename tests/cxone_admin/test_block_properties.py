"""Property: for random blocks, GET shape -> model -> PUT shape -> emulator -> GET shape is the
identity, whatever the day form, the PUT semantics and the key binding."""

from __future__ import annotations

import asyncio
import json
import types
import typing
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from reconciler.cxone_admin.blocks import (
    BLOCK_NAMES,
    TimeZoneWindow,
    block_digest,
    block_model,
)
from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.cxone_admin.emulator import AdminEmulator, ManualClock, default_seed, views
from reconciler.cxone_admin.shapes import integral_numbers, nested_model
from tests.cxone_admin.conftest import START, config, credentials

PROPERTY_SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
ZONES = [z["standardName"] for z in default_seed()["businessUnit"]["timeZones"]]
CLOCK_TIMES = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45])
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def _range(info: Any) -> tuple[float, float]:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return extra.get("minimum", 0), extra.get("maximum", 10_000)


def _value(annotation: Any, info: Any) -> st.SearchStrategy[Any]:
    """Values of a field's type inside its documented range."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return st.one_of(*(_value(a, info) for a in args))
    if typing.get_origin(annotation) is typing.Annotated:
        return _value(args[0], info)
    low, high = _range(info)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(int(low), int(high))
    if annotation is float:
        return st.floats(low, high, allow_nan=False).map(lambda v: round(v, 3))
    return TEXT


def _field_values(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in model.model_fields.items():
        inner = nested_model(info.annotation)
        if inner is not None:
            fields[name] = st.lists(_field_values(inner), max_size=3).map(_unique_attempts)
        elif name.endswith(("StartTime", "EndTime")) or name in ("startTime", "endTime"):
            fields[name] = CLOCK_TIMES
        else:
            fields[name] = _value(info.annotation, info)
    return st.fixed_dictionaries(fields)


def _unique_attempts(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[Any, dict[str, Any]] = {}
    for item in items:
        seen.setdefault(item.get("attempt_No"), item)
    return list(seen.values())


def block_values(name: str) -> st.SearchStrategy[Any]:
    """A whole block in the PUT form, every field set (as a tenant shows it)."""
    if name == "timeZoneSettings":
        item = _field_values(TimeZoneWindow)
        return st.tuples(*(item for _ in ZONES)).map(
            lambda items: [{**i, "standardName": z} for i, z in zip(items, ZONES, strict=True)]
        )
    return _field_values(block_model(name))


def _aggregated(emu: AdminEmulator, skill_id: int) -> dict[str, Any]:
    """The aggregated GET's answer for one skill, as the route renders it, through JSON."""
    answer = views.parameters_json(emu.tenant, emu.tenant.skill(skill_id))
    data: dict[str, Any] = json.loads(json.dumps(answer))
    return data


def _client(emu: AdminEmulator) -> CxoneAdminClient:
    return CxoneAdminClient(credentials(), issuer_url="http://127.0.0.1", transport=emu.transport())


@pytest.mark.parametrize("name", BLOCK_NAMES)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_get_model_put_get_is_the_identity(name: str, data: st.DataObject) -> None:
    values = data.draw(block_values(name))
    switches = {
        "schedule_day": data.draw(st.sampled_from(["name", "lower", "number"])),
        "put_semantics": data.draw(st.sampled_from(["merge", "replace"])),
        "case_insensitive": data.draw(st.booleans()),
    }
    seed = default_seed()
    seed["skills"][0]["parameters"] = {name: values}
    source = AdminEmulator(config(**switches), ManualClock(START), seed)
    target = AdminEmulator(config(**switches), ManualClock(START))

    async def run() -> tuple[Any, Any, str, str]:
        before = _aggregated(source, 11001)[name]
        block = block_model(name).from_server(before)
        async with _client(target) as client:
            await client.put_block(11001, block)
            single = await client.get_block(11001, name)
        after = _aggregated(target, 11001)[name]
        return before, after, block_digest(block), block_digest(single)

    before, after, sent, read = asyncio.run(run())
    assert integral_numbers(after) == integral_numbers(before)
    assert read == sent


def test_a_drawn_block_passes_the_strict_spec_checks() -> None:
    # The strategies stay inside every documented range: a spec could hold these blocks.
    @PROPERTY_SETTINGS
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        for name in BLOCK_NAMES:
            block_model(name).from_spec(data.draw(block_values(name)))

    check()
