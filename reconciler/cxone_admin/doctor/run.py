"""The state of one doctor run: what each step read, for the steps and findings after it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reconciler.cxone_admin.blocks import Block
from reconciler.cxone_admin.doctor.evidence import AbandonComparison, ParsedParameters
from reconciler.cxone_admin.doctor.report import Check, DoctorInput, Status
from reconciler.cxone_admin.records import BusinessUnit, DncGroup, Skill
from reconciler.cxone_admin.tap import Tap
from reconciler.dialer_v1 import errors


@dataclass
class Run:
    """Filled step by step; a step that fails leaves the later ones nothing to read."""

    wanted: DoctorInput
    tap: Tap
    now: datetime
    checks: list[Check] = field(default_factory=list)
    api_base: str | None = None
    unit: BusinessUnit | None = None
    skills: list[Skill] = field(default_factory=list)
    params: ParsedParameters | None = None
    groups: list[DncGroup] = field(default_factory=list)
    sample: list[int] = field(default_factory=list)
    # Per sampled skill: each single read, the parsed block or the error it met.
    single: dict[int, dict[str, Block | str]] = field(default_factory=dict)
    comparisons: list[AbandonComparison] = field(default_factory=list)
    contacts_error: str | None = None
    summary_errors: list[str] = field(default_factory=list)
    summaries: int = 0  # sampled skills whose summary carried an AbandonRate
    recommended: str | None = None

    def add(
        self, name: str, status: Status, summary: str, *details: str, hint: str | None = None
    ) -> None:
        """Record one check."""
        self.checks.append(Check(name, status, summary, tuple(details), hint))

    def failed(self, name: str, exc: errors.ApiError, what: str) -> None:
        """Record a check that failed on an API error."""
        self.add(name, "fail", f"{what}: {exc.message}", hint=exc.hint)

    @property
    def pc(self) -> list[Skill]:
        """The Personal Connection skills listed."""
        return [s for s in self.skills if s.is_personal_connection]
