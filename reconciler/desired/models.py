"""The spec documents as pydantic models: envelope, Tenant spec and the tool-only blocks.

API bodies are reused from `reconciler.dialer_v1.bodies` (one source of ranges for the spec,
the client and the emulator). All models forbid unknown fields and are strict on types:
a quoted "50" for an integer is an error, not a silent conversion.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.desired.diagnostics import did_you_mean
from reconciler.desired.jurisdictions import DEFAULT_JURISDICTION, JURISDICTIONS
from reconciler.dialer_v1.bodies import (
    CampaignBody,
    SettingsBody,
    WebhookBody,
    minutes_of_day,
)

API_VERSION = "dialer.cxone/v1"
DEFAULT_BASE_URL = "https://platform.nicecxone.com"
METRIC_NAMES = ("efficiency", "abandonmentRate", "answerRate", "averageWaitTime")

MetricName = Literal["efficiency", "abandonmentRate", "answerRate", "averageWaitTime"]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)]
HHMM = Annotated[str, Field(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")]
ResourceName = Annotated[str, Field(min_length=1, max_length=128)]
# A hundred times the contract's 100 writes and 1,000 reads a minute: anything above is a
# typo, and would let the first burst of a run (a tenth of the limit) flood the tenant.
MAX_WRITES_PER_MINUTE = 10_000
MAX_READS_PER_MINUTE = 100_000


class SpecModel(BaseModel):
    """Base for spec-only models: strict types, unknown fields refused, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class SimulationBlock(SpecModel):
    """Traffic assumptions for `simulate` and plan predictions (tool-only).

    Every field is optional in YAML; unset fields take the Tenant's value, then the default.
    `model_fields_set` tells which fields a block set explicitly.
    """

    answer_rate: Annotated[float, Field(gt=0, le=1)] = 0.25
    talk_time_sec: Annotated[float, Field(gt=0)] = 180.0
    wrap_time_sec: Annotated[float, Field(ge=0)] = 0.0
    ring_time_sec: Annotated[float, Field(gt=0)] = 20.0
    talk_time_distribution: Literal["exponential", "lognormal"] = "exponential"
    replications: Annotated[int, Field(ge=1, le=1000)] | None = None
    seed: Annotated[int, Field(ge=0)] | None = None


class MetricBound(SpecModel):
    """Bounds on one analytics metric; at least one of `max` and `min`."""

    max: float | None = None
    min: float | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> MetricBound:
        if self.max is None and self.min is None:
            raise ValueError("give `max`, `min` or both")
        if self.max is not None and self.min is not None and self.min > self.max:
            raise ValueError(f"`min` {self.min} is above `max` {self.max}")
        return self


class VerifyBlock(SpecModel):
    """The post-apply guard (tool-only): watch metrics after activation."""

    metrics: dict[MetricName, MetricBound] = Field(default_factory=dict)
    watch_seconds: Annotated[float, Field(gt=0)] = 900.0
    interval_seconds: Annotated[float, Field(gt=0)] = 60.0

    @model_validator(mode="after")
    def _interval_fits(self) -> VerifyBlock:
        # Checked here only when both are explicit; merged blocks are checked by the rules.
        explicit = {"watch_seconds", "interval_seconds"} <= self.model_fields_set
        if explicit and self.interval_seconds > self.watch_seconds:
            raise ValueError(
                f"interval_seconds {self.interval_seconds:g} exceeds watch_seconds"
                f" {self.watch_seconds:g}: metrics would never be read"
            )
        return self


class Credentials(SpecModel):
    """Names of the environment variables holding the OAuth client credentials."""

    client_id_env: EnvName = "CXONE_CLIENT_ID"
    client_secret_env: EnvName = "CXONE_CLIENT_SECRET"


class Carrier(SpecModel):
    """The carrier's trunks and how busy they already are with other traffic."""

    max_trunks: Annotated[int, Field(ge=1, le=1_000_000)]
    current_utilization_percent: Annotated[float, Field(ge=0, le=100)]

    @property
    def free_trunks(self) -> float:
        """Trunks still free: max_trunks x (1 - utilisation)."""
        return self.max_trunks * (1 - self.current_utilization_percent / 100)


class HoursWindow(SpecModel):
    """A daily window, half-open [start, end), in each campaign's own time zone."""

    start: HHMM
    end: HHMM

    @model_validator(mode="after")
    def _ordered(self) -> HoursWindow:
        if minutes_of_day(self.start) >= minutes_of_day(self.end):
            raise ValueError(f"start {self.start} is not before end {self.end}")
        return self


class Compliance(SpecModel):
    """The regulatory regime, optionally narrowed by the tenant's own policy."""

    jurisdiction: Annotated[str, Field(json_schema_extra={"enum": sorted(JURISDICTIONS)})] = (
        DEFAULT_JURISDICTION
    )
    max_abandonment_rate: Annotated[float, Field(gt=0, le=1)] | None = None
    calling_hours: HoursWindow | None = None

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in JURISDICTIONS:
            known = ", ".join(sorted(JURISDICTIONS))
            guess = did_you_mean(value, JURISDICTIONS)
            hint = f"did you mean `{guess}`? " if guess else ""
            raise ValueError(f"unknown jurisdiction {value!r}: {hint}use one of {known}")
        return value


class IgnoreDifference(SpecModel):
    """Fields a team leaves unmanaged (as Argo CD's ignoreDifferences)."""

    kind: Literal["Campaign", "DialerSettings", "Webhook"]
    name: Annotated[str, Field(min_length=1)] | None = None  # an fnmatch glob; all when absent
    paths: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class RateLimits(SpecModel):
    """The tenant's API rate limits, when they differ from the contract's.

    They pace the first requests of a run; once the API announces its limit
    (`X-RateLimit-Limit`), the announced figure wins, up or down.
    """

    writes_per_minute: Annotated[int, Field(ge=1, le=MAX_WRITES_PER_MINUTE)] | None = None
    reads_per_minute: Annotated[int, Field(ge=1, le=MAX_READS_PER_MINUTE)] | None = None


class TenantSpec(SpecModel):
    """The Tenant document's spec: tool-only, never sent to the API."""

    base_url: Annotated[str, Field(pattern=r"^https?://[^\s/]+(?:/[^\s]*)?$")] = DEFAULT_BASE_URL
    credentials: Credentials = Credentials()
    carrier: Carrier | None = None
    compliance: Compliance = Compliance()
    prune: bool = False
    simulation: SimulationBlock | None = None
    verify: VerifyBlock | None = None
    ignore_differences: list[IgnoreDifference] = Field(default_factory=list)
    rate_limits: RateLimits = RateLimits()

    @field_validator("base_url")
    @classmethod
    def _https_unless_loopback(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
            raise ValueError("plain http:// is refused except to loopback addresses: use https://")
        return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookTokenRef(SpecModel):
    """Where the webhook's bearer token comes from at apply time."""

    env: EnvName


class WebhookAuthSpec(SpecModel):
    """Webhook auth in YAML: the secret only by reference, never a literal."""

    type: Literal["bearer"]
    token_from: WebhookTokenRef


class WebhookSpec(WebhookBody):
    """The webhook body as written in YAML: `auth.token_from` replaces `auth.token`."""

    auth: WebhookAuthSpec  # type: ignore[assignment]

    @field_validator("url")
    @classmethod
    def _token_never_in_clear(cls, value: str) -> str:
        # The server sends the bearer token with every delivery to this URL.
        parts = urlsplit(value)
        if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
            raise ValueError(
                "plain http:// would send the webhook's bearer token in clear: use https://"
            )
        return value


class Metadata(SpecModel):
    """Identity (`name` equals the API's name) and local-only labels."""

    name: ResourceName
    labels: dict[str, str] = Field(default_factory=dict)


class TenantDocument(SpecModel):
    """`kind: Tenant` (at most one per directory)."""

    apiVersion: Literal["dialer.cxone/v1"]
    kind: Literal["Tenant"]
    metadata: Metadata
    spec: TenantSpec


class SettingsDocument(SpecModel):
    """`kind: DialerSettings` (at most one per directory); `spec.name` is `metadata.name`."""

    apiVersion: Literal["dialer.cxone/v1"]
    kind: Literal["DialerSettings"]
    metadata: Metadata
    spec: SettingsBody


class CampaignDocument(SpecModel):
    """`kind: Campaign`, with the optional tool-only blocks beside `spec`."""

    apiVersion: Literal["dialer.cxone/v1"]
    kind: Literal["Campaign"]
    metadata: Metadata
    spec: CampaignBody
    simulation: SimulationBlock | None = None
    verify: VerifyBlock | None = None


class WebhookDocument(SpecModel):
    """`kind: Webhook`; the token comes from the environment variable it names."""

    apiVersion: Literal["dialer.cxone/v1"]
    kind: Literal["Webhook"]
    metadata: Metadata
    spec: WebhookSpec


DocumentModel = TenantDocument | SettingsDocument | CampaignDocument | WebhookDocument

DOCUMENT_MODELS: dict[str, type[DocumentModel]] = {
    "Tenant": TenantDocument,
    "DialerSettings": SettingsDocument,
    "Campaign": CampaignDocument,
    "Webhook": WebhookDocument,
}

# The API body model behind each kind's `spec` (for ignore_differences paths).
BODY_MODELS: dict[str, type[BaseModel]] = {
    "DialerSettings": SettingsBody,
    "Campaign": CampaignBody,
    "Webhook": WebhookBody,
}

# Kinds whose spec is an API body named by `metadata.name`.
NAMED_BODY_KINDS = frozenset({"DialerSettings", "Campaign", "Webhook"})
