"""Metrics: GET /wfm-data/skills/dialer-contacts (per skill, per 15-minute interval) and
GET /skills/{id}/summary (the same counts summed over the range).

Counts are a deterministic function of (seed, skill, interval), so two runs agree; tests
pin a value per skill with `emu.set_metric`. A skill's summary is the sum of its
intervals, so the two endpoints never contradict each other. `AbandonRate` is abandons
per connect, as a whole percent (the real figure's definition is not documented).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any

from reconciler.cxone_admin.emulator.answers import AdminProblem
from reconciler.dialer_v1.emulator.clock import iso, parse_iso

JsonDict = dict[str, Any]
INTERVAL_SECONDS = 900
MAX_SUMMARY_DAYS = 30
MAX_WFM_DAYS = 31
COUNTS = ("dials", "connects", "rightPartyConnects", "abandons")


def time_range(query: Mapping[str, str], max_days: int) -> tuple[float, float]:
    """(start, end) from `startDate`/`endDate`, or 400 as the API words it."""
    bounds = []
    for name in ("startDate", "endDate"):
        raw = query.get(name)
        try:
            bounds.append(parse_iso(raw) if raw else math.nan)
        except ValueError:
            bounds.append(math.nan)
        if math.isnan(bounds[-1]):
            raise AdminProblem(400, f"Invalid {name}")
    start, end = bounds
    if end <= start or end - start > max_days * 86400:
        raise AdminProblem(400, f"Invalid date range. Max {max_days} days.")
    return start, end


def _draw(seed: int, skill_id: int, start: int, what: str) -> float:
    digest = hashlib.sha256(f"{seed}:{skill_id}:{start}:{what}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def interval_counts(
    seed: int, skill_id: int, start: int, overrides: Mapping[str, float]
) -> JsonDict:
    """The counts of one skill in the interval starting at `start` (epoch seconds)."""
    dials = int(20 + 60 * _draw(seed, skill_id, start, "dials"))
    connects = int(dials * (0.15 + 0.25 * _draw(seed, skill_id, start, "connects")))
    counts: JsonDict = {
        "dials": dials,
        "connects": connects,
        "rightPartyConnects": int(connects * 0.8),
        # Expected connects x rate, rate 0.5-2.5 %: the rounding draw keeps small
        # intervals from always rounding to zero.
        "abandons": int(
            connects * (0.005 + 0.02 * _draw(seed, skill_id, start, "rate"))
            + _draw(seed, skill_id, start, "abandons")
        ),
        "connectsAHT": round(120 + 120 * _draw(seed, skill_id, start, "aht"), 1),
        "rightPartyConnectsAHT": round(150 + 120 * _draw(seed, skill_id, start, "rpaht"), 1),
    }
    for key, value in overrides.items():
        counts[key] = value
    return counts


def interval_starts(start: float, end: float) -> range:
    """The 15-minute intervals that overlap [start, end)."""
    first = int(start // INTERVAL_SECONDS * INTERVAL_SECONDS)
    return range(first, math.ceil(end), INTERVAL_SECONDS)


def dialer_contact_rows(
    skills: list[tuple[int, str]],
    start: float,
    end: float,
    *,
    seed: int,
    unit: Mapping[str, Any],
    overrides: Mapping[int, Mapping[str, float]],
) -> list[JsonDict]:
    """Every (interval, skill) row of the range, interval by interval."""
    rows = []
    for moment in interval_starts(start, end):
        for skill_id, skill_name in skills:
            rows.append(
                {
                    "businessUnitId": unit.get("businessUnitId"),
                    "businessUnitName": unit.get("businessUnitName"),
                    "intervalStartDate": iso(moment).replace(".000Z", "Z"),
                    "skillId": skill_id,
                    "skillName": skill_name,
                    "mediaTypeId": 4,
                    "mediaTypeName": "Phone Call",
                    **interval_counts(seed, skill_id, moment, overrides.get(skill_id, {})),
                }
            )
    return rows


def skill_summary(
    skill: Mapping[str, Any],
    start: float,
    end: float,
    *,
    seed: int,
    unit: Mapping[str, Any],
    overrides: Mapping[str, float],
) -> JsonDict:
    """One `skillSummaries` row: the skill's intervals summed."""
    skill_id = int(skill["skillId"])
    totals = dict.fromkeys(COUNTS, 0.0)
    for moment in interval_starts(start, end):
        counts = interval_counts(seed, skill_id, moment, overrides)
        for key in COUNTS:
            totals[key] += counts[key]
    connects = totals["connects"]
    return {
        "BusinessUnitId": unit.get("businessUnitId"),
        "BusinessUnitName": unit.get("businessUnitName"),
        "SkillId": skill_id,
        "SkillName": skill["skillName"],
        "CampaignId": skill.get("campaignId"),
        "CampaignName": skill.get("campaignName"),
        "MediaTypeId": skill.get("mediaTypeId"),
        "IsOutbound": bool(skill.get("isOutbound")),
        "Dials": int(totals["dials"]),
        "Connects": int(connects),
        "RightPartyConnects": int(totals["rightPartyConnects"]),
        "AbandonCount": int(totals["abandons"]),
        "AbandonRate": round(100 * totals["abandons"] / connects) if connects else 0,
        "ContactsHandled": int(connects - totals["abandons"]),
        "ContactsOffered": int(connects),
    }
