"""engine/guardrails.py on its own: whose zone and list a change is judged by, what is
remembered as protected. No network: a loaded spec directory and a live state value."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from reconciler.desired import DesiredState, load_desired_state
from reconciler.engine.guardrails import assess, check_windows, protections_after
from reconciler.engine.plan import Action, Change, Plan
from reconciler.kinds import ResourceAddress
from tests.factories import campaign_json, live_state

# Tuesday 2026-11-24 15:00 UTC: 10:00 in New York, 07:00 in Los Angeles.
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
CALLING = {"kind": "deny", "during": "calling_hours"}


def specs(tmp_path: Path, tenant_spec: dict[str, Any], *campaigns: dict[str, Any]) -> DesiredState:
    spec = tmp_path / "prod"
    spec.mkdir(parents=True)
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "dialer.cxone/v1",
            "kind": "Tenant",
            "metadata": {"name": "prod"},
            "spec": tenant_spec,
        },
    ]
    for c in campaigns:
        extra = ("name", "protect", "change_windows")
        body = {k: v for k, v in c.items() if k not in extra}
        doc: dict[str, Any] = {
            "apiVersion": "dialer.cxone/v1",
            "kind": "Campaign",
            "metadata": {"name": c["name"]},
            "spec": body,
        }
        doc.update({k: c[k] for k in ("protect", "change_windows") if k in c})
        docs.append(doc)
    (spec / "all.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return load_desired_state(spec)


def east(**extra: Any) -> dict[str, Any]:
    return {**campaign_json("East", dnc_lists=["national", "internal"]), **extra}


def west(**extra: Any) -> dict[str, Any]:
    hours = {"start": "09:00", "end": "20:00", "timezone": "America/Los_Angeles"}
    return {
        **campaign_json("West", calling_hours=hours, dnc_lists=["national", "internal"]),
        **extra,
    }


def change(name: str, action: Action) -> Change:
    return Change("Campaign", name, action, ())


def test_an_update_is_judged_in_the_desired_zone_and_a_delete_in_the_live_one(
    tmp_path: Path,
) -> None:
    state = specs(tmp_path, {"change_windows": [CALLING]}, east())
    live = live_state(
        campaigns=[
            campaign_json("East"),
            campaign_json("West", calling_hours={"timezone": "America/Los_Angeles"}),
        ]
    )
    checks = check_windows(
        [change("East", Action.UPDATE), change("West", Action.DELETE)], state, live, NOW
    )
    east_check = checks[ResourceAddress("Campaign", "East")]
    west_check = checks[ResourceAddress("Campaign", "West")]
    assert (east_check.zone, east_check.open) == ("America/New_York", False)  # 10:00 calling
    assert (west_check.zone, west_check.open) == ("America/Los_Angeles", True)  # 07:00
    assert east_check.next_opening == datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)


def test_a_document_list_replaces_the_tenant_list_and_empty_means_none(tmp_path: Path) -> None:
    state = specs(
        tmp_path,
        {"change_windows": [CALLING]},
        east(change_windows=[]),
        west(),
    )
    live = live_state(campaigns=[campaign_json("East")])
    checks = check_windows(
        [change("East", Action.UPDATE), change("West", Action.CREATE)], state, live, NOW
    )
    assert ResourceAddress("Campaign", "East") not in checks  # always allowed
    assert checks[ResourceAddress("Campaign", "West")].open  # 07:00 in Los Angeles


def test_the_gate_counts_updates_and_deletes_not_creates(tmp_path: Path) -> None:
    state = specs(tmp_path, {"max_change_share": 0.5}, east(), west())
    live = live_state(campaigns=[campaign_json("East")])
    plan = Plan(
        "prod", "sha256:x", (change("East", Action.UPDATE), change("West", Action.CREATE)), {}
    )
    gate = assess(plan, state, live, NOW, frozenset()).gate
    # Two managed campaigns (the Tenant is tool-only); one update: 50% passes at 0.5.
    assert (gate.verdict.changes, gate.verdict.managed, gate.trips) == (1, 2, False)


def test_protections_survive_a_removed_document_until_the_resource_is_gone(
    tmp_path: Path,
) -> None:
    legacy = ResourceAddress("Campaign", "Legacy")
    east_address = ResourceAddress("Campaign", "East")
    state = specs(tmp_path, {}, east(protect=True))
    live = live_state(campaigns=[campaign_json("East"), campaign_json("Legacy")])
    # Legacy was protected and its document is gone: still protected while it is live.
    assert protections_after(frozenset({legacy}), state, live, []) == {east_address, legacy}
    # Deleted by this apply (with the override): forgotten.
    assert protections_after(frozenset({legacy}), state, live, [legacy]) == {east_address}
    # A document that no longer says `protect: true` lifts it.
    plain = specs(tmp_path / "again", {}, east())
    assert protections_after(frozenset({east_address}), plain, live, []) == frozenset()
