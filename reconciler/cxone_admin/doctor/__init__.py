"""`reconciler doctor`: whether a CXone tenant can be managed, and how its API behaves.

Read-only: the token request is the only POST, and nothing but GETs is sent otherwise
(the report counts what went out). In order (`checks.py`): the token, discovery (unless
the API host is given), the API version (`GET /apiversion`), the business unit, every
skill, every PC skill's blocks in one aggregated read parsed block by block (every
problem named, not only the first), the DNC groups and their links, the skills and groups
the specs name, a sample of skills read again block by block and compared with the
aggregated read, and the sample's abandonment from both metrics sources.

From the raw answers (kept by `tap.py`) it settles what the API's documentation leaves
open and a read can show, and names what only a write would tell (`questions.py`). A
failed check means the tenant cannot be managed as configured (exit 1): credentials
refused, discovery failed, the API version not served, an answer that is not JSON, a
block that cannot be read or parsed, a skill or DNC group the specs name that the tenant
lacks.
"""

from __future__ import annotations

from datetime import datetime, timezone

from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.cxone_admin.doctor import checks
from reconciler.cxone_admin.doctor.questions import all_findings
from reconciler.cxone_admin.doctor.report import Check, DoctorInput, DoctorReport, Finding
from reconciler.cxone_admin.doctor.run import Run
from reconciler.cxone_admin.records import BusinessUnit
from reconciler.cxone_admin.tap import Tap

__all__ = ["Check", "DoctorInput", "DoctorReport", "Finding", "diagnose"]

UNIT_FIELDS = (
    "businessUnitId",
    "businessUnitName",
    "outboundPortLimit",
    "concurrentPortLimit",
    "agentlessPortLimit",
    "allowPredictiveDialing",
    "enableSkillAbandonRate",
    "abandonRateScope",
    "defaultTimeZone",
)


def _unit_json(unit: BusinessUnit | None) -> dict[str, object]:
    if unit is None:
        return {}
    data: dict[str, object] = {k: getattr(unit, k) for k in UNIT_FIELDS}
    data["timeZones"] = [z.standardName for z in unit.timeZones or []]
    return data


async def diagnose(
    client: CxoneAdminClient, tap: Tap, wanted: DoctorInput, *, now: datetime | None = None
) -> DoctorReport:
    """Every check against the tenant behind `client` (whose transport is `tap`)."""
    run = Run(wanted, tap, now or datetime.now(timezone.utc))
    reachable = await checks.connect(run, client) and await checks.version(run, client)
    if reachable and await checks.business_unit(run, client) and await checks.skills(run, client):
        await checks.blocks(run, client)
        await checks.dnc_groups(run, client)
        checks.specs(run)
        await checks.samples(run, client)
        await checks.metrics(run, client)
    return DoctorReport(
        environment=wanted.environment,
        api_version=wanted.api_version,
        api_base=run.api_base,
        tenant_id=checks.tenant_id(tap),
        checks=tuple(run.checks),
        findings=all_findings(run) if reachable else (),
        business_unit=_unit_json(run.unit),
        requests=tap.counts(),
        writes=len(tap.writes()),
        metrics_source=wanted.metrics_source,
        recommended_metrics_source=run.recommended,
    )
