"""What the raw answers of a tenant show about the API's open questions (for `doctor`).

Pure functions of JSON as the server sent it (kept by `tap.py`, before the models
normalise it): the shape of `GET /skills/{id}`, the type of `totalRecords`, how the
aggregated GET writes a schedule day, the shape of the time-zone GET, fields the models do
not know, the values seen for settings whose range is undocumented, and whether the skill
summary's `AbandonRate` agrees with abandons / connects of the dialer contacts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from reconciler.cxone_admin import shapes, wire
from reconciler.cxone_admin.blocks import BLOCK_MODELS, Block, BlockName
from reconciler.cxone_admin.records import DialerContactsRow, SkillSummaryRow
from reconciler.dialer_v1 import errors

# Keys of an aggregated item that are not blocks and that the tool knows.
ITEM_KEYS = frozenset({"skillno", "skillid", "skillname"})


@dataclass
class ParsedParameters:
    """The aggregated `GET .../parameters` answer, item by item, block by block."""

    blocks: dict[int, dict[BlockName, Block]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    raw: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    other_keys: Counter[str] = field(default_factory=Counter)

    @property
    def block_count(self) -> int:
        return sum(len(b) for b in self.blocks.values())


def parse_items(data: Any) -> ParsedParameters:
    """Every item and block of an aggregated answer; every problem named, none fatal."""
    parsed = ParsedParameters()
    try:
        items = wire.items(data, "skills")
    except errors.ProtocolError as exc:
        parsed.problems.append(exc.detail)
        return parsed
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            parsed.problems.append(f"item {index} is not a JSON object")
            continue
        number_key = shapes.find_key(item, "skillNo") or shapes.find_key(item, "skillId")
        number = item.get(number_key) if number_key else None
        if not isinstance(number, int) or isinstance(number, bool):
            parsed.problems.append(f"item {index} has no skillNo")
            continue
        name_key = shapes.find_key(item, "skillName")
        name = item.get(name_key) if name_key else None
        parsed.names[number] = name if isinstance(name, str) else str(number)
        parsed.raw[number] = item
        parsed.blocks[number] = _blocks_of(item, parsed, f"skill {parsed.names[number]}")
        known = {n.casefold() for n in BLOCK_MODELS} | ITEM_KEYS
        parsed.other_keys.update(k for k in item if k.casefold() not in known)
    return parsed


def _blocks_of(
    item: Mapping[str, Any], parsed: ParsedParameters, who: str
) -> dict[BlockName, Block]:
    found: dict[BlockName, Block] = {}
    for name in BLOCK_MODELS:
        key = shapes.find_key(item, name)
        if key is None or item[key] is None:
            continue
        try:
            found[name] = wire.parse_block(name, item[key])
        except errors.ProtocolError as exc:
            parsed.problems.append(f"{who}: {exc.detail}")
    return found


# --- shapes -------------------------------------------------------------------------------


def skill_get_shape(data: Any) -> str | None:
    """`GET /skills/{id}`: "flat" (the skill) or "wrapped" (`{"skills": [skill]}`)."""
    if not isinstance(data, Mapping):
        return None
    if shapes.find_key(data, "skillId") is not None:
        return "flat"
    key = shapes.find_key(data, "skills")
    return "wrapped" if key is not None and isinstance(data[key], list) else None


def total_records_form(data: Any) -> str:
    """`GET /skills`' `totalRecords`: "number", "string" or "absent"."""
    key = shapes.find_key(data, "totalRecords") if isinstance(data, Mapping) else None
    value = data[key] if key is not None else None
    if value is None:
        return "absent"
    if isinstance(value, str):
        return "string"
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "other"


def day_form(value: Any) -> str:
    """One `schedules[].day`: "name" (Sunday), "lower" (sunday), "number" (0-6), or what."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 7:
        return "number"
    if isinstance(value, str):
        if value in (d.capitalize() for d in shapes.DAYS):
            return "name"
        if value in shapes.DAYS:
            return "lower"
    return f"other ({str(value)[:20]!r})"


def schedule_day_forms(raw_items: Sequence[Mapping[str, Any]]) -> Counter[str]:
    """How the aggregated GET writes schedule days, counted over every skill's schedule
    ("flat": a schedule shown in the PUT form, without a `schedules` list)."""
    forms: Counter[str] = Counter()
    for item in raw_items:
        key = shapes.find_key(item, "scheduleSettings")
        schedule = item.get(key) if key is not None else None
        if not isinstance(schedule, Mapping):
            continue
        rows_key = shapes.find_key(schedule, "schedules")
        if rows_key is None:
            forms["flat"] += 1
            continue
        for row in schedule[rows_key] if isinstance(schedule[rows_key], list) else []:
            day_key = shapes.find_key(row, "day") if isinstance(row, Mapping) else None
            if day_key is not None:
                forms[day_form(row[day_key])] += 1
    return forms


def zones_get_shape(data: Any) -> str | None:
    """The single time-zone GET: "wrapped" (`{"timeZoneSettings": [...]}`) or "list"."""
    if isinstance(data, list):
        return "list"
    if isinstance(data, Mapping) and (
        shapes.find_key(data, "timeZoneSettings") or shapes.find_key(data, "timeZones")
    ):
        return "wrapped"
    return None


def zone_item_names(data: Any) -> list[str]:
    """Which key names a zone in a time-zone answer: "name" (the GET's) or "standardName"."""
    if isinstance(data, Mapping):
        key = shapes.find_key(data, "timeZoneSettings") or shapes.find_key(data, "timeZones")
        data = data[key] if key is not None else []
    keys = set()
    for item in data if isinstance(data, list) else []:
        if isinstance(item, Mapping):
            keys |= {k for k in ("name", "standardName") if shapes.find_key(item, k)}
    return sorted(keys)


# --- fields and values --------------------------------------------------------------------


def _extras(model: BaseModel) -> list[str]:
    return sorted((model.model_extra or {}).keys())


def unknown_fields(parsed: ParsedParameters) -> dict[str, Counter[str]]:
    """Per block, the fields the models do not know and how many skills show each."""
    out: dict[str, Counter[str]] = {}
    for blocks in parsed.blocks.values():
        for name, block in blocks.items():
            seen = set(_extras(block))
            if name == "timeZoneSettings":
                for zone in getattr(block, "zones", None) or []:
                    seen |= {f"[].{k}" for k in _extras(zone)}
            if seen:
                out.setdefault(name, Counter()).update(seen)
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class ValuesSeen:
    """Values of settings whose accepted range the documentation leaves open."""

    aggressiveness: Counter[str]
    ratios: Counter[int]
    outside: list[str]  # "skill X: generalSettings.maximumRatio 4 (documented <= 3)"


def values_seen(parsed: ParsedParameters) -> ValuesSeen:
    """`aggressiveness` and `maximumRatio` values, and every value outside its documented range."""
    aggressiveness: Counter[str] = Counter()
    ratios: Counter[int] = Counter()
    outside = []
    for number, blocks in sorted(parsed.blocks.items()):
        general = blocks.get("generalSettings")
        if general is not None:
            value = getattr(general, "aggressiveness", None)
            if value is not None:
                aggressiveness[str(value)] += 1
            ratio = getattr(general, "maximumRatio", None)
            if isinstance(ratio, int):
                ratios[ratio] += 1
        for name, block in blocks.items():
            for problem in block.range_errors():
                path = ".".join(str(p) for p in problem["loc"])
                bound = problem.get("ctx", {})
                limit = f"<= {bound['le']:g}" if "le" in bound else f">= {bound.get('ge', 0):g}"
                outside.append(
                    f"{parsed.names[number]}: {name}.{path} {problem['input']} (documented {limit})"
                )
    return ValuesSeen(aggressiveness, ratios, outside)


# --- abandonment --------------------------------------------------------------------------


@dataclass(frozen=True)
class AbandonComparison:
    """One skill's abandonment over one window, from both sources (percent)."""

    skill: str
    summary_percent: float
    contacts_percent: float
    connects: int
    whole_percent: bool  # the summary gave a whole number while the counts do not

    @property
    def agree(self) -> bool:
        # A summary in whole percents is rounded: half a point either way is agreement.
        tolerance = 0.5 if self.whole_percent else 0.05
        return abs(self.summary_percent - self.contacts_percent) <= tolerance + 1e-9


def compare_abandonment(
    skill_id: int, skill: str, summary: SkillSummaryRow, rows: Sequence[DialerContactsRow]
) -> AbandonComparison | None:
    """The summary's AbandonRate against abandons / connects (None without connects)."""
    mine = [r for r in rows if r.skillId == skill_id]
    connects = sum(r.connects or 0 for r in mine)
    if summary.AbandonRate is None or not connects:
        return None
    contacts = 100 * sum(r.abandons or 0 for r in mine) / connects
    rate = float(summary.AbandonRate)
    whole = rate.is_integer() and not math.isclose(contacts, round(contacts))
    return AbandonComparison(skill, rate, round(contacts, 4), connects, whole)
