"""The API's own policy check for every body an apply will write.

Run after the offline rules and before the snapshot: a FAIL blocks the apply before any
write; warnings are shown. Read-only (the check has no side effects). Which kinds the API
checks is said by their descriptors (`policy_checked`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from reconciler import aio, registry
from reconciler.engine.plan import Action, Plan
from reconciler.errors import PolicyRejected
from reconciler.kinds import Backend, CarrierCapacity, PolicyFinding, PolicyResult, ResourceAddress


@dataclass(frozen=True)
class PolicyReport:
    """Findings per resource address."""

    violations: tuple[tuple[ResourceAddress, PolicyFinding], ...]
    warnings: tuple[tuple[ResourceAddress, PolicyFinding], ...]
    checked: int

    @property
    def passed(self) -> bool:
        return not self.violations


async def check_plan_policy(
    backend: Backend[Any], plan: Plan, carrier: CarrierCapacity | None, *, concurrency: int = 8
) -> PolicyReport:
    """Validate every created or updated body of a policy-checked kind with the API."""
    gate = asyncio.Semaphore(concurrency)
    targets = [
        c
        for c in plan.changes
        if registry.kind(c.kind).policy_checked and c.action is not Action.DELETE
    ]

    async def one(
        address: ResourceAddress, body: BaseModel
    ) -> tuple[ResourceAddress, PolicyResult]:
        async with gate:
            return address, await backend.validate(body, carrier)

    jobs = []
    for c in targets:
        assert c.desired is not None
        jobs.append(one(c.address, registry.kind(c.kind).model(c.desired)))
    violations: list[tuple[ResourceAddress, PolicyFinding]] = []
    warnings: list[tuple[ResourceAddress, PolicyFinding]] = []
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
