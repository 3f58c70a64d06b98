"""The API's own policy check (contract §6) for every body an apply will write.

Run after the offline rules and before the snapshot: a FAIL blocks the apply before any
write; warnings are shown. Read-only (the endpoint has no side effects).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from reconciler import aio
from reconciler.dialer_v1.api import CarrierCapacity, DialerApi, PolicyFinding, PolicyResult
from reconciler.dialer_v1.bodies import CampaignBody, SettingsBody
from reconciler.engine.plan import Action, Plan
from reconciler.errors import ReconcilerError


@dataclass(frozen=True)
class PolicyReport:
    """Findings per resource address."""

    violations: tuple[tuple[str, PolicyFinding], ...]
    warnings: tuple[tuple[str, PolicyFinding], ...]
    checked: int

    @property
    def passed(self) -> bool:
        return not self.violations


class PolicyRejected(ReconcilerError):
    """The API's policy validation failed: nothing was written."""


async def check_plan_policy(
    api: DialerApi, plan: Plan, carrier: CarrierCapacity | None, *, concurrency: int = 8
) -> PolicyReport:
    """Validate every created or updated settings/campaign body with the API."""
    gate = asyncio.Semaphore(concurrency)
    targets = [
        c
        for c in plan.changes
        if c.kind in ("DialerSettings", "Campaign") and c.action is not Action.DELETE
    ]

    async def one(address: str, body: SettingsBody | CampaignBody) -> tuple[str, PolicyResult]:
        async with gate:
            return address, await api.validate_policy(body, carrier=carrier)

    jobs = []
    for c in targets:
        assert c.desired is not None
        model = SettingsBody if c.kind == "DialerSettings" else CampaignBody
        jobs.append(one(c.address, model.model_validate(c.desired)))
    violations: list[tuple[str, PolicyFinding]] = []
    warnings: list[tuple[str, PolicyFinding]] = []
    for address, result in await aio.gather(*jobs):
        violations += [(address, v) for v in result.violations]
        warnings += [(address, w) for w in result.warnings]
    return PolicyReport(tuple(violations), tuple(warnings), len(targets))


def rejection(report: PolicyReport) -> PolicyRejected:
    """The error raised when the API's policy check fails."""
    lines = [
        f"{addr}: {v.check}: {v.message}" + (f" ({v.field})" if v.field else "")
        for addr, v in report.violations
    ]
    return PolicyRejected(
        "the API's policy validation failed; nothing was written:\n  " + "\n  ".join(lines),
        hint="fix the specs so `reconciler validate` and the API agree, then plan again",
    )
