"""The spellings and shapes one block takes on the wire, brought to the PUT form.

The API writes a block in one shape and reads it back in others: the aggregated
`GET .../parameters` lists a schedule as `schedules: [{day, active, startTime, endTime}]`
where the PUT (and the single-block GET) has `sundayStartTime`, `sundayIsActive`...; time
zones read as `{name, description, ...}` and are written as `{standardName, ...}`; the XS
script reads as `xsScriptId` and is written as `xsScriptID`; NICE's own samples send
PascalCase keys. Everything here turns those into the PUT form before a model sees them,
so a block has one model and one canonical form whichever way it arrived.
"""

from __future__ import annotations

import functools
import math
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from pydantic import BaseModel

JsonObject = dict[str, Any]

DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
DayForm = Literal["name", "lower", "number"]

# Fields the aggregated GET shows that the PUT does not take: read-only, never written.
READ_ONLY_ZONE_KEYS = frozenset({"description"})


@dataclass
class Bound:
    """A mapping's keys bound to a model: field names (or the original key of an extra)."""

    values: JsonObject = field(default_factory=dict)
    extras: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def nested_model(annotation: object) -> type[BaseModel] | None:
    """The model inside `X`, `X | None`, `list[X]` or `list[X] | None`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            found = nested_model(arg)
            if found is not None:
                return found
    return None


@functools.cache
def _table(model: type[BaseModel], fold: bool) -> dict[str, tuple[str, type[BaseModel] | None]]:
    """Every accepted spelling (folded when asked) -> (field name, its nested model)."""
    aliases: Mapping[str, str] = getattr(model, "ALIASES", {})
    spellings = {name: name for name in model.model_fields} | dict(aliases)
    return {
        (key.casefold() if fold else key): (name, nested_model(model.model_fields[name].annotation))
        for key, name in spellings.items()
    }


def bind_keys(model: type[BaseModel], data: Mapping[str, Any], *, fold: bool) -> Bound:
    """Rename `data`'s keys to `model`'s field names, recursively into nested models.

    `fold` matches keys in any letter case (as the server is believed to read); without
    it only the exact spellings (field names and the model's `ALIASES`) bind. A key that
    binds nowhere is kept verbatim and listed in `extras`.
    """
    table = _table(model, fold)
    bound = Bound()
    for key, value in data.items():
        found = table.get(key.casefold() if fold else key)
        if found is None:
            bound.values[key] = value
            bound.extras.append(key)
            continue
        name, inner = found
        if name in bound.values:
            bound.duplicates.append(key)
            continue
        bound.values[name] = _bind_nested(inner, value, fold=fold) if inner else value
    return bound


def _bind_nested(model: type[BaseModel], value: Any, *, fold: bool) -> Any:
    if isinstance(value, Mapping):
        return bind_keys(model, value, fold=fold).values
    if isinstance(value, list):
        return [_bind_nested(model, item, fold=fold) for item in value]
    return value


def find_key(data: Mapping[str, Any], name: str) -> str | None:
    """The key of `data` that is `name` in any letter case."""
    if name in data:
        return name  # the usual case, without a scan
    wanted = name.casefold()
    return next((key for key in data if key.casefold() == wanted), None)


# --- schedules ----------------------------------------------------------------------------


def day_index(value: Any) -> int:
    """0 (Sunday) .. 6 (Saturday) from a name, a 3-letter abbreviation or a number.

    Numbers follow .NET's DayOfWeek (Sunday 0); 7 is read as Sunday (ISO 8601's numbering).
    """
    if isinstance(value, bool):
        raise ValueError(f"schedule day {value!r} is not a day")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        if 0 <= number <= 7:
            return number % 7
        raise ValueError(f"schedule day {value!r} is not 0-7")
    if isinstance(value, str):
        text = value.strip().casefold()
        for index, day in enumerate(DAYS):
            if text in (day, day[:3]):
                return index
    raise ValueError(f"schedule day {value!r} is not a day of the week")


def day_label(index: int, form: DayForm) -> str | int:
    """The aggregated GET's `day` for day `index` (which form a tenant uses is not documented)."""
    if form == "number":
        return index
    name = DAYS[index]
    return name if form == "lower" else name.capitalize()


def schedule_to_put(data: Mapping[str, Any]) -> JsonObject:
    """`{isScheduled, schedules: [...]}` (aggregated GET) -> the PUT's flat fields."""
    key = find_key(data, "schedules")
    if key is None:
        return dict(data)
    flat = {k: v for k, v in data.items() if k != key}
    rows = data[key]
    if not isinstance(rows, Sequence) or isinstance(rows, str):
        raise ValueError("scheduleSettings.schedules is not a list")
    for row in rows:
        if not isinstance(row, Mapping):
            raise ValueError("scheduleSettings.schedules holds a non-object")
        day_key = find_key(row, "day")
        if day_key is None:
            raise ValueError("a scheduleSettings.schedules entry has no day")
        day = DAYS[day_index(row[day_key])]
        for source, suffix in (("startTime", "StartTime"), ("endTime", "EndTime")):
            found = find_key(row, source)
            if found is not None:
                flat[f"{day}{suffix}"] = row[found]
        active = find_key(row, "active") or find_key(row, "isActive")
        if active is not None:
            flat[f"{day}IsActive"] = row[active]
    return flat


def schedule_to_get(flat: Mapping[str, Any], form: DayForm) -> JsonObject:
    """The PUT's flat fields -> the aggregated GET's `{isScheduled, schedules}`."""
    rows = []
    for index, day in enumerate(DAYS):
        keys = (f"{day}StartTime", f"{day}EndTime", f"{day}IsActive")
        if not any(key in flat for key in keys):
            continue
        row: JsonObject = {"day": day_label(index, form)}
        for key, name in zip(keys, ("startTime", "endTime", "active"), strict=True):
            if key in flat:
                row[name] = flat[key]
        rows.append(row)
    known = {f"{day}{part}" for day in DAYS for part in ("StartTime", "EndTime", "IsActive")}
    rest = {k: v for k, v in flat.items() if k not in known}
    return {**rest, "schedules": rows}


# --- time zones ---------------------------------------------------------------------------


def zones_to_put(data: Any) -> list[Any]:
    """A time-zone answer (a list, or an object holding one) -> PUT items.

    GET items name the zone `name` (PUT: `standardName`) and add a read-only `description`.
    """
    if isinstance(data, Mapping):
        key = find_key(data, "timeZoneSettings") or find_key(data, "timeZones")
        if key is None:
            raise ValueError("the time-zone answer has no timeZoneSettings list")
        data = data[key]
    if not isinstance(data, list):
        raise ValueError("timeZoneSettings is not a list")
    items: list[Any] = []
    for item in data:
        if not isinstance(item, Mapping):
            items.append(item)  # the model reports it
            continue
        converted = {k: v for k, v in item.items() if k.casefold() not in READ_ONLY_ZONE_KEYS}
        name_key = find_key(converted, "name")
        if name_key is not None:
            name = converted.pop(name_key)
            if find_key(converted, "standardName") is None:
                converted["standardName"] = name
        items.append(converted)
    return items


def zone_to_get(item: Mapping[str, Any], description: str) -> JsonObject:
    """One stored PUT item -> the GET item `{name, description, ...}`."""
    rest = {k: v for k, v in item.items() if k != "standardName"}
    return {"name": item.get("standardName"), "description": description, **rest}


# --- numbers ------------------------------------------------------------------------------


def integral_numbers(value: Any) -> Any:
    """`value` with every integral float written as an int (3.0 -> 3), recursively.

    A server binding an integer property may refuse `3.0`; every number property takes `3`.
    Digests use the same form, so 3 and 3.0 never differ.
    """
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: integral_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral_numbers(v) for v in value]
    return value
