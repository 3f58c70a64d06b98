"""The emulator's switches: one per behaviour of a real tenant the public record leaves open.

docs/cxone-admin-emulator.md lists them; tests run the client against both settings, so
the client is right whichever way a tenant turns out to behave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from reconciler.cxone_admin.shapes import DayForm

PutSemantics = Literal["merge", "replace"]
PutAnswer = Literal["empty", "object"]
ErrorBody = Literal["object", "bare"]
SkillShape = Literal["flat", "wrapped"]
TotalRecords = Literal["number", "string", "absent"]
ZonesShape = Literal["wrapped", "list"]
Paging = Literal["normal", "repeat"]

DEFAULT_TENANT_ID = "11eb0000-aaaa-bbbb-cccc-000000000001"
SUPPORTED_VERSIONS: tuple[int, ...] = tuple(range(18, 34))  # v18.0 (blocks) .. v33.0


@dataclass(frozen=True)
class AdminEmulatorConfig:
    """How the emulated CXone tenant behaves. Credentials None: any credentials work."""

    # A parameter PUT merges into the block or replaces it; its 200 body.
    put_semantics: PutSemantics = "merge"
    put_answer: PutAnswer = "empty"
    # The error body: `{error, errorDescription}` or a bare code such as InvalidParameter.
    error_body: ErrorBody = "object"
    # Rate limits (None: unlimited) and whether a 429 says Retry-After.
    read_limit_per_minute: int | None = None
    write_limit_per_minute: int | None = None
    retry_after: bool = False
    # GET /skills/{id}: the flat skill, or `{"skills": [skill]}`.
    skill_get: SkillShape = "flat"
    # Seconds after a 202 start/stop before isRunning flips.
    start_stop_seconds: float = 2.0
    # JSON keys bound in any letter case.
    case_insensitive: bool = True
    # The aggregated GET's schedules[].day: "Sunday", "sunday" or 0 (Sunday) .. 6.
    schedule_day: DayForm = "name"
    # GET .../time-zones: `{"timeZoneSettings": [...]}` or the bare list.
    time_zones_get: ZonesShape = "wrapped"
    # Paging of GET /skills: totalRecords as a number, a string or left out; `top` capped.
    total_records: TotalRecords = "number"
    top_cap: int | None = 100
    paging: Paging = "normal"  # "repeat": skip ignored, `_links.next` always set
    # Who may ask for tokens; the tenant the tokens name.
    access_key_id: str | None = None
    access_key_secret: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    token_ttl_seconds: int = 3600
    tenant_id: str = DEFAULT_TENANT_ID
    versions: tuple[int, ...] = SUPPORTED_VERSIONS
    seed: int = 0  # metrics are a deterministic function of it

    def __post_init__(self) -> None:
        pairs = (
            (self.access_key_id, self.access_key_secret, "access_key_id", "access_key_secret"),
            (self.client_id, self.client_secret, "client_id", "client_secret"),
        )
        for first, second, a, b in pairs:
            if (first is None) != (second is None):
                raise ValueError(f"give both {a} and {b}, or neither")
        for name in ("read_limit_per_minute", "write_limit_per_minute", "top_cap"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1 (or None)")
        if self.start_stop_seconds < 0:
            raise ValueError("start_stop_seconds must be >= 0")
        if self.token_ttl_seconds < 1:
            raise ValueError("token_ttl_seconds must be >= 1")
        if not self.versions:
            raise ValueError("at least one API version")

    def __repr__(self) -> str:
        # Secrets never appear in a repr (logs, test failure output).
        shown = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("access_key_secret", "client_secret")
        }
        return "AdminEmulatorConfig(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"
