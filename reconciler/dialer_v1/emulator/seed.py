"""Seed documents: a realistic generated tenant, or one read from a YAML/JSON file."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import yaml

JsonDict = dict[str, Any]

_PURPOSES = ("Collections", "Renewals", "Winback", "Survey", "Appointments", "Sales")
_REGIONS = (
    ("East", "America/New_York"),
    ("Central", "America/Chicago"),
    ("Mountain", "America/Denver"),
    ("West", "America/Los_Angeles"),
    ("Alaska", "America/Anchorage"),
    ("Hawaii", "Pacific/Honolulu"),
)


def _algorithm(rng: random.Random, kind: str) -> JsonDict:
    algorithm: JsonDict = {
        "type": kind,
        "abandonment_rate_target": rng.choice((0.01, 0.02, 0.025, 0.03)),
        "agent_availability_estimate": rng.choice((0.8, 0.85, 0.9, 1.0)),
        "warm_line_timeout_sec": rng.choice((0, 2, 5, 12)),
    }
    if kind == "predictive":
        algorithm["dial_ratio"] = rng.choice((1.5, 2.0, 2.5, 3.0, 4.0))
    elif kind == "progressive":
        algorithm["dial_ratio"] = 1.0
    return algorithm


def _campaign(rng: random.Random, index: int) -> JsonDict:
    region, zone = _REGIONS[index % len(_REGIONS)]
    purpose = _PURPOSES[(index // len(_REGIONS)) % len(_PURPOSES)]
    kind = rng.choices(("predictive", "progressive", "preview"), weights=(6, 3, 1))[0]
    agents = rng.randrange(5, 120)
    start = rng.choice(("08:00", "09:00", "10:00"))
    end = rng.choice(("17:00", "19:00", "20:00", "21:00"))
    return {
        "name": f"{purpose}_{region}_{index + 1:04d}",
        "type": kind,
        "concurrency": {
            "max_agents": agents,
            "max_simultaneous_calls": agents * rng.choice((1, 2, 3, 4)),
            "call_spacing_ms": rng.choice((0, 100, 150, 250)),
        },
        "algorithm": _algorithm(rng, kind),
        "calling_hours": {"start": start, "end": end, "timezone": zone},
        "dnc_lists": ["national", "internal"] if rng.random() < 0.8 else ["national"],
    }


def _webhook(rng: random.Random, index: int) -> JsonDict:
    return {
        "name": f"WFM_Dialer_Sync_{index + 1:02d}",
        "url": f"https://wfm.example.com/hooks/dialer-{index + 1}",
        "events": ["dialer.settings.updated", "dialer.campaign.activated"],
        "auth": {"type": "bearer", "token": f"wfm-{rng.getrandbits(96):024x}"},
        "retryPolicy": {"maxRetries": 3, "backoffMultiplier": 2, "timeoutSec": 10},
    }


def make_tenant(*, campaigns: int = 3, webhooks: int = 1, seed: int = 0) -> JsonDict:
    """A realistic, valid tenant seed document (same seed, same document)."""
    rng = random.Random(seed)
    settings = {
        "name": "Predictive_Outbound_01",
        "type": "predictive",
        "concurrency": {"max_agents": 50, "max_simultaneous_calls": 200, "call_spacing_ms": 150},
        "algorithm": {
            "type": "predictive",
            "abandonment_rate_target": 0.03,
            "agent_availability_estimate": 0.85,
            "dial_ratio": 4.0,
            "warm_line_timeout_sec": 12,
        },
    }
    return {
        "settings": settings,
        "campaigns": [_campaign(rng, i) for i in range(campaigns)],
        "webhooks": [_webhook(rng, i) for i in range(webhooks)],
    }


def load_seed_file(path: Path) -> JsonDict:
    """A seed document from a .json file, or YAML for any other name."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or "settings" not in data:
        raise ValueError(f"{path}: a seed document is a mapping with at least 'settings'")
    unknown = set(data) - {"settings", "campaigns", "webhooks"}
    if unknown:
        raise ValueError(f"{path}: unknown top-level keys {sorted(unknown)}")
    return data
