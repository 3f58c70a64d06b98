"""What `reconciler doctor` reports: checks, findings, and the verdict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from reconciler.cxone_admin.defaults import MetricsSource

Status = Literal["ok", "warn", "fail", "skip"]
Settled = Literal["settled", "observed", "not settled"]
SAMPLE_SIZE = 3


@dataclass(frozen=True)
class Check:
    """One thing doctor checked: `fail` means the tenant cannot be managed as configured."""

    name: str
    status: Status
    summary: str
    details: tuple[str, ...] = ()
    hint: str | None = None


@dataclass(frozen=True)
class Finding:
    """One question the API's documentation leaves open, and what this tenant answered."""

    key: str
    question: str
    status: Settled
    answer: str
    emulator_flag: str | None = None  # the emulator switch that behaves like this tenant


@dataclass(frozen=True)
class DoctorInput:
    """What the specs ask of the tenant (plain values: the checks read no specs)."""

    environment: str
    api_version: int
    metrics_source: MetricsSource
    skills: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name -> blocks
    groups_declared: frozenset[str] = frozenset()  # DncGroup documents (apply creates them)
    groups_referenced: frozenset[str] = frozenset()  # by skills and compliance
    guarded: tuple[str, ...] = ()  # skills whose verify block watches abandonment
    sample_size: int = SAMPLE_SIZE


@dataclass(frozen=True)
class DoctorReport:
    """Everything doctor found; `manageable` decides the exit code."""

    environment: str
    api_version: int
    api_base: str | None
    tenant_id: str | None
    checks: tuple[Check, ...]
    findings: tuple[Finding, ...]
    business_unit: Mapping[str, Any]
    requests: Mapping[str, int]
    writes: int  # requests that could have changed the tenant: always 0
    metrics_source: str
    recommended_metrics_source: str | None

    @property
    def manageable(self) -> bool:
        return not any(c.status == "fail" for c in self.checks)

    @property
    def emulator_flags(self) -> list[str]:
        """`reconciler emulator --api cxone-admin` switches that behave like this tenant."""
        return [f.emulator_flag for f in self.findings if f.emulator_flag]
