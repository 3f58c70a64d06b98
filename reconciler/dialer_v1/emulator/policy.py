"""POST /dialer/policies/validate: the contract's §6 rules, exactly."""

from __future__ import annotations

from typing import Any

from reconciler.dialer_v1.bodies import minutes_of_day
from reconciler.dialer_v1.emulator import bodies
from reconciler.dialer_v1.emulator.bodies import InvalidBody

JsonDict = dict[str, Any]
CHECKS = ("tcpa_abandonment", "dnc_compliance", "calling_hours")
TCPA_MAX_ABANDONMENT = 0.03
EARLIEST, LATEST = minutes_of_day("08:00"), minutes_of_day("21:00")


def validate_policy(request: Any) -> JsonDict:
    """The §6 answer for a validation request, or InvalidBody for a malformed request."""
    if not isinstance(request, dict):
        raise InvalidBody([{"field": "body", "message": "the body must be a JSON object"}])
    unknown = set(request) - {"campaign_config", "regulatory_checks", "carrier_capacity"}
    if unknown:
        raise InvalidBody([{"field": k, "message": "unknown field"} for k in sorted(unknown)])
    config = _config(request.get("campaign_config"))
    checks = _checks(request.get("regulatory_checks", list(CHECKS)))
    carrier = _carrier(request.get("carrier_capacity"))
    violations: list[JsonDict] = []
    is_campaign = "calling_hours" in config
    if "tcpa_abandonment" in checks:
        target = config["algorithm"]["abandonment_rate_target"]
        if target > TCPA_MAX_ABANDONMENT:
            violations.append(
                {
                    "check": "tcpa_abandonment",
                    "field": "algorithm.abandonment_rate_target",
                    "message": f"abandonment_rate_target {target} exceeds the TCPA limit 0.03",
                }
            )
    # Settings carry no calling window or DNC lists: those checks apply to campaigns only.
    if "calling_hours" in checks and is_campaign:
        hours = config["calling_hours"]
        if minutes_of_day(hours["start"]) < EARLIEST:
            violations.append(
                {
                    "check": "calling_hours",
                    "field": "calling_hours.start",
                    "message": f"calling starts at {hours['start']}, before 08:00 local time",
                }
            )
        if minutes_of_day(hours["end"]) > LATEST:
            violations.append(
                {
                    "check": "calling_hours",
                    "field": "calling_hours.end",
                    "message": f"calling ends at {hours['end']}, after 21:00 local time",
                }
            )
    if "dnc_compliance" in checks and is_campaign:
        lists = config["dnc_lists"]
        if not lists or "national" not in lists:
            violations.append(
                {
                    "check": "dnc_compliance",
                    "field": "dnc_lists",
                    "message": "the campaign must screen against the national DNC list",
                }
            )
    warnings: list[JsonDict] = []
    if carrier is not None:
        trunks, utilization = carrier
        free = trunks * (1 - utilization / 100)
        calls = config["concurrency"]["max_simultaneous_calls"]
        if calls > free:
            warnings.append(
                {
                    "check": "carrier_capacity",
                    "message": f"max_simultaneous_calls {calls} exceeds the {free:g} free trunks",
                }
            )
    return {
        "compliance_status": "FAIL" if violations else "PASS",
        "violations": violations,
        "warnings": warnings,
    }


def _config(data: Any) -> JsonDict:
    if not isinstance(data, dict):
        raise InvalidBody([{"field": "campaign_config", "message": "required JSON object"}])
    is_campaign = "calling_hours" in data or "dnc_lists" in data
    try:
        return bodies.campaign_body(data) if is_campaign else bodies.settings_body(data)
    except InvalidBody as exc:
        raise InvalidBody(
            [
                {"field": f"campaign_config.{d['field']}", "message": d["message"]}
                for d in exc.details
            ]
        ) from exc


def _checks(data: Any) -> set[str]:
    if not isinstance(data, list) or not all(isinstance(c, str) for c in data):
        raise InvalidBody([{"field": "regulatory_checks", "message": "a list of check names"}])
    unknown = sorted(set(data) - set(CHECKS))
    if unknown:
        raise InvalidBody(
            [
                {
                    "field": "regulatory_checks",
                    "message": f"unknown checks {unknown}; known: {', '.join(CHECKS)}",
                }
            ]
        )
    return set(data)


def _carrier(data: Any) -> tuple[int, float] | None:
    if data is None:
        return None
    problem = InvalidBody(
        [
            {
                "field": "carrier_capacity",
                "message": "{max_trunks: integer >= 0, current_utilization_percent: 0-100}",
            }
        ]
    )
    if not isinstance(data, dict) or set(data) - {"max_trunks", "current_utilization_percent"}:
        raise problem
    trunks, utilization = data.get("max_trunks"), data.get("current_utilization_percent", 0)
    if isinstance(trunks, bool) or not isinstance(trunks, int) or trunks < 0:
        raise problem
    if isinstance(utilization, bool) or not isinstance(utilization, (int, float)):
        raise problem
    if not 0 <= utilization <= 100:
        raise problem
    return trunks, float(utilization)
