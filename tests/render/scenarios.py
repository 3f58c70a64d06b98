"""The fixed scenario set every renderer is golden-tested on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from reconciler.desired import load_desired_state
from reconciler.desired.guards import PlacedWindows
from reconciler.engine.guardrails import Assessment, GateCheck, annotate, check_window
from reconciler.engine.normalize import IgnoreRule, Normalizer
from reconciler.engine.plan import Plan, PlanWarning
from reconciler.engine.planner import PlanOptions, build_plan
from reconciler.engine.predict import make_predictor, with_prediction_warnings
from reconciler.guardrails import AnyCallingHours, ChangeWindow, blast_radius
from reconciler.kinds import CallingClock, ResourceAddress
from tests.factories import (
    admin_live_state,
    campaign_json,
    desired,
    dnc_group_desired,
    dnc_group_live,
    live_state,
    settings_json,
    skill_desired,
    skill_live,
    webhook_json,
)

FIXED = {
    "spec_digest": "sha256:" + "ab" * 32,
    "git_commit": "0123456789abcdef" * 2 + "01234567",
    "created_at": "2026-11-24T05:00:00Z",
    "tool_version": "0.1.0",
}


EXAMPLE = Path(__file__).resolve().parents[2] / "specs" / "example"


def _plan(d, live, options=None, warnings=(), environment="prod", predictor=None) -> Plan:  # type: ignore[no-untyped-def]
    return build_plan(
        environment=environment,
        desired=d,
        live=live,
        options=options or PlanOptions(),
        warnings=warnings,
        predictor=predictor,
        **FIXED,
    )  # type: ignore[arg-type]


def create() -> Plan:
    live = live_state(campaigns=[campaign_json("Existing")])
    return _plan(
        desired(
            campaigns=[
                campaign_json("Existing"),
                campaign_json("New_West", calling_hours={"timezone": "America/Los_Angeles"}),
            ]
        ),
        live,
    )


def update() -> Plan:
    live = live_state(campaigns=[campaign_json("Collections_East", algorithm={"dial_ratio": 1.2})])
    d = desired(
        settings=settings_json(concurrency={"max_agents": 40}),
        campaigns=[
            campaign_json(
                "Collections_East",
                algorithm={"dial_ratio": 1.4},
                dnc_lists=["national", "internal", "state"],
            )
        ],
    )
    return _plan(d, live)


def delete() -> Plan:
    live = live_state(
        campaigns=[campaign_json("Keep"), campaign_json("Old_Promo")],
        webhooks=[webhook_json("Old_Hook")],
    )
    return _plan(desired(campaigns=[campaign_json("Keep")]), live, PlanOptions(prune=True))


def no_change() -> Plan:
    live = live_state(campaigns=[campaign_json("A")], webhooks=[webhook_json("WFM_Dialer_Sync")])
    return _plan(
        desired(
            settings=settings_json(),
            campaigns=[campaign_json("A")],
            webhooks=[webhook_json("WFM_Dialer_Sync")],
        ),
        live,
    )


def sensitive() -> Plan:
    live = live_state(webhooks=[webhook_json("WFM_Dialer_Sync")])
    d = desired(
        webhooks=[
            webhook_json("WFM_Dialer_Sync", retryPolicy={"maxRetries": 5}),
            webhook_json("WFM_New"),
        ]
    )
    return _plan(d, live)


def warnings() -> Plan:
    live = live_state(campaigns=[campaign_json("A"), campaign_json("Unmanaged_One")])
    d = desired(campaigns=[campaign_json("A", concurrency={"max_agents": 25})])
    w = (
        PlanWarning(
            "campaigns A and B overlap 13:00-20:00 UTC and together need 90 lines; "
            "82 trunks are free",
            "specs/prod/campaigns/A.yaml:4:3",
            "trunk-overlap",
        ),
    )
    rules = Normalizer((IgnoreRule("Campaign", ("concurrency.call_spacing_ms",)),))
    return _plan(d, live, PlanOptions(normalizer=rules), w)


def unmanaged() -> Plan:
    """Prune off and more unmanaged live resources than the renderers list by name."""
    extras = [campaign_json(f"Legacy_{i:02d}") for i in range(23)]
    live = live_state(campaigns=[campaign_json("A"), *extras], webhooks=[webhook_json("Old_Hook")])
    d = desired(campaigns=[campaign_json("A", concurrency={"max_agents": 25})])
    return _plan(d, live)


def huge() -> Plan:
    names = [f"Campaign_{i:04d}" for i in range(2000)]
    live = live_state(campaigns=[campaign_json(n) for n in names])
    d = desired(
        campaigns=[
            campaign_json(n, concurrency={"max_agents": 21}, algorithm={"dial_ratio": 1.5})
            for n in names
        ]
    )
    return _plan(d, live)


def predictions() -> Plan:
    """Predictions before/after (specs/example's carrier and traffic) and a warning."""
    state = load_desired_state(EXAMPLE)
    live = live_state(campaigns=[campaign_json("Collections_East", algorithm={"dial_ratio": 1.2})])
    d = desired(
        campaigns=[
            campaign_json(
                "Collections_East",
                concurrency={"max_agents": 25, "max_simultaneous_calls": 80, "call_spacing_ms": 0},
                algorithm={"dial_ratio": 4.0, "agent_availability_estimate": 1.0},
            ),
            campaign_json(
                "Renewals_Central",
                type="progressive",
                algorithm={"type": "progressive", "dial_ratio": 1.0},
            ),
        ]
    )
    return with_prediction_warnings(_plan(d, live, predictor=make_predictor(state)), state)


def guardrails() -> Plan:
    """Windows closed and open (in two zones and tenant-wide), a protected delete, the gate
    tripping, targeting: what a reviewer reads before apply refuses."""
    live = live_state(
        campaigns=[
            campaign_json("East", algorithm={"dial_ratio": 1.2}),
            campaign_json("West", calling_hours={"timezone": "America/Los_Angeles"}),
            campaign_json("Legacy"),
        ],
        webhooks=[webhook_json("WFM_Dialer_Sync")],
    )
    d = desired(
        settings=settings_json(concurrency={"max_agents": 40}),
        campaigns=[
            campaign_json("East", algorithm={"dial_ratio": 1.4}),
            campaign_json(
                "West",
                calling_hours={"timezone": "America/Los_Angeles"},
                concurrency={"max_agents": 12},
            ),
        ],
        webhooks=[webhook_json("WFM_Dialer_Sync")],
    )
    plan = _plan(d, live, PlanOptions(prune=True))
    now = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York, 07:00 in LA
    night = ChangeWindow(kind="allow", schedule="0 22 * * mon-fri", duration="8h")
    calling = ChangeWindow(kind="deny", during="calling_hours")
    freeze = ChangeWindow(
        kind="deny", schedule="0 0 20 12 *", duration="312h", time_zone="Europe/London"
    )
    own = PlacedWindows((night,), ("specs/prod/campaigns/east.yaml:21:5",), None, "Campaign.East")
    tenant = PlacedWindows(
        (calling, freeze),
        ("specs/prod/tenant.yaml:14:7", "specs/prod/tenant.yaml:15:7"),
        None,
    )
    hours = AnyCallingHours(
        (("America/New_York", "09:00", "20:00"), ("America/Los_Angeles", "09:00", "20:00"))
    )
    clocks = {
        "East": CallingClock("America/New_York", "09:00", "20:00"),
        "West": CallingClock("America/Los_Angeles", "09:00", "20:00"),
        "Legacy": CallingClock("America/New_York", "09:00", "20:00"),
    }
    windows = {
        c.address: check_window(
            c.address, own if c.name == "East" else tenant, clocks.get(c.name), hours, now
        )
        for c in plan.changes
    }
    summary = plan.summary()
    gate = GateCheck(
        blast_radius(summary["update"], summary["delete"], 4, 0.3),
        summary["update"],
        summary["delete"],
        (ResourceAddress("Campaign", "Legacy"),),
        True,
    )
    return annotate(plan, Assessment(windows, gate))


def _zone(name: str, start: str, end: str, active: bool) -> dict[str, object]:
    """A time-zone item as the aggregated GET shows it."""
    return {"name": name, "startTime": start, "endTime": end, "timeZoneActiveToCall": active}


def skills() -> Plan:
    """api: cxone-admin: a skill changed in every kind of part (fields of several blocks, a
    CPA exception, the schedule, a zone switched off and one changed, a DNC link added), a
    running skill, a DNC group created and one updated, a skill and a group left alone."""
    east = skill_live(
        "Collections_East",
        11001,
        {
            "generalSettings": {"maximumRatio": 1, "abandonRateThreshold": 3, "maximumAttempts": 3},
            "cpaSettings": {"abandonTimeout": 2, "exceptions": []},
            "scheduleSettings": {
                "isScheduled": True,
                "schedules": [
                    {"day": "Monday", "active": True, "startTime": "08:00", "endTime": "20:00"},
                    {"day": "Saturday", "active": False, "startTime": "10:00", "endTime": "16:00"},
                ],
            },
            "timeZoneSettings": [
                _zone("Eastern Standard Time", "08:00", "21:00", True),
                _zone("Pacific Standard Time", "09:00", "20:00", True),
                _zone("Central Standard Time", "08:00", "21:00", False),
            ],
        },
        ["National_DNC"],
    )
    renewals = skill_live(
        "Renewals_Central", 11002, {"generalSettings": {"maximumRatio": 3}}, [], running=True
    )
    winback = skill_live("Winback_West", 11003, {"generalSettings": {"maximumRatio": 1}}, [])
    live = admin_live_state(
        east,
        renewals,
        winback,
        dnc_group_live("National_DNC", 301, "Federal Do Not Call registry extract"),
        dnc_group_live("Internal_DNC", 302, "Customers who asked us not to call"),
        dnc_group_live("Retired_State_List", 303, "No longer maintained", active=False),
    )
    d = [
        skill_desired(
            "Collections_East",
            {
                "generalSettings": {"maximumRatio": 2, "abandonRateThreshold": 2.5},
                "cpaSettings": {
                    "exceptions": [
                        {"attempt_No": 2, "ansMachineDetMode": 1, "ansMachineMsg": "east_vm.wav"}
                    ]
                },
                "scheduleSettings": {
                    "mondayStartTime": "09:00",
                    "saturdayIsActive": True,
                    "saturdayEndTime": "14:00",
                },
                "timeZoneSettings": [
                    {
                        "standardName": "Eastern Standard Time",
                        "startTime": "09:00",
                        "endTime": "20:00",
                    }
                ],
                "dncGroups": ["National_DNC", "Internal_DNC", "Holiday_DNC"],
            },
        ),
        skill_desired("Renewals_Central", {"generalSettings": {"maximumRatio": 2}}),
        dnc_group_desired(
            "Internal_DNC", dncGroupDescription="Customers who asked us not to call (CRM)"
        ),
        dnc_group_desired(
            "Holiday_DNC", dncGroupDescription="Numbers paused over the holidays", isActive=True
        ),
    ]
    return _plan(d, live, environment="cxone-prod")


SCENARIOS: dict[str, Callable[[], Plan]] = {
    "create": create,
    "update": update,
    "delete": delete,
    "no_change": no_change,
    "sensitive": sensitive,
    "warnings": warnings,
    "unmanaged": unmanaged,
    "huge": huge,
    "predictions": predictions,
    "guardrails": guardrails,
    "skills": skills,
}
