"""The spec documents as pydantic models: envelope, Tenant spec and the tool-only blocks.

API bodies are reused from `reconciler.dialer_v1.bodies` (one source of ranges for the spec,
the client and the emulator). All models forbid unknown fields and are strict on types:
a quoted "50" for an integer is an error, not a silent conversion.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.cxone_admin.defaults import (
    DEFAULT_API_VERSION,
    DEFAULT_ISSUER,
    DEFAULT_METRICS_SOURCE,
    MetricsSource,
)
from reconciler.desired.diagnostics import did_you_mean
from reconciler.desired.jurisdictions import DEFAULT_JURISDICTION, JURISDICTIONS
from reconciler.dialer_v1.bodies import (
    CampaignBody,
    SettingsBody,
    WebhookBody,
    minutes_of_day,
)
from reconciler.guardrails import DEFAULT_MAX_CHANGE_SHARE, ChangeShare, ChangeWindow
from reconciler.net import clear_text_to_network

API_VERSION = "dialer.cxone/v1"
METRIC_NAMES = ("efficiency", "abandonmentRate", "answerRate", "averageWaitTime")

MetricName = Literal["efficiency", "abandonmentRate", "answerRate", "averageWaitTime"]
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
HHMM_PATTERN = r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$"
EnvName = Annotated[str, Field(pattern=ENV_NAME_PATTERN, max_length=128)]
HHMM = Annotated[str, Field(pattern=HHMM_PATTERN)]
ResourceName = Annotated[str, Field(min_length=1, max_length=128)]
SEED_MAX = 2**63 - 1  # a 64-bit seed; `simulate --seed` takes the same range

# Plain http:// only to loopback: the validators check it with `ipaddress`; for the JSON
# Schemas a pattern says what it can (localhost in any case, 127.x.x.x, and, looser than
# the tool, any bracketed IPv6 literal), optionally with user info and a port.
_LOOPBACK = (
    r"(?:[^\s/@]*@)?(?:[Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss][Tt]|127(?:\.[0-9]+){3}|\[[^\]\s/]*\])"
    r"(?::[^\s/?#@]*)?(?:[/?#][^\s]*)?"
)
BASE_URL_SCHEMA = rf"^(?:https://[^\s/]+(?:/[^\s]*)?|http://{_LOOPBACK})$"
WEBHOOK_URL_SCHEMA = rf"^(?:https://[^\s]+|http://{_LOOPBACK})$"
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
    seed: Annotated[int, Field(ge=0, le=SEED_MAX)] | None = None


class MetricBound(SpecModel):
    """Bounds on one analytics metric; at least one of `max` and `min`."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [bound], "properties": {bound: {"type": "number"}}}
                for bound in ("max", "min")
            ]
        }
    )

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
    """Names of the environment variables holding the credentials (never the values).

    dialer-v1: the OAuth client's id and secret. cxone-admin: an access key (id and
    secret) and the registered app's client id and secret (sent as Basic auth).
    """

    client_id_env: EnvName = "CXONE_CLIENT_ID"
    client_secret_env: EnvName = "CXONE_CLIENT_SECRET"
    access_key_id_env: EnvName = "CXONE_ACCESS_KEY_ID"
    access_key_secret_env: EnvName = "CXONE_ACCESS_KEY_SECRET"


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
    # cxone-admin: DNC groups that must scrub every outbound skill (by name).
    dnc_groups_required: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list
    )

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in JURISDICTIONS:
            known = ", ".join(sorted(JURISDICTIONS))
            guess = did_you_mean(value, JURISDICTIONS)
            hint = f"did you mean `{guess}`? " if guess else ""
            raise ValueError(f"unknown jurisdiction {value!r}: {hint}use one of {known}")
        return value


def _ignore_paths_schema(schema: dict[str, Any]) -> None:
    # The paths each kind may name, as `_check_ignore_paths` decides.
    from reconciler.desired.catalog import BODY_MODELS  # the catalog imports this module

    schema["allOf"] = [
        {
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {"properties": {"paths": {"items": {"enum": sorted(field_paths(body))}}}},
        }
        for kind, body in BODY_MODELS.items()
    ]


class IgnoreDifference(SpecModel):
    """Fields a team leaves unmanaged (as Argo CD's ignoreDifferences)."""

    model_config = ConfigDict(json_schema_extra=_ignore_paths_schema)

    kind: Literal["Campaign", "DialerSettings", "Webhook", "OutboundSkill", "DncGroup"]
    name: Annotated[str, Field(min_length=1)] | None = None  # an fnmatch glob; all when absent
    paths: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class RateLimits(SpecModel):
    """The tenant's API rate limits, when they differ from the contract's.

    They pace the first requests of a run; once the API announces its limit
    (`X-RateLimit-Limit`), the announced figure wins, up or down.
    """

    writes_per_minute: Annotated[int, Field(ge=1, le=MAX_WRITES_PER_MINUTE)] | None = None
    reads_per_minute: Annotated[int, Field(ge=1, le=MAX_READS_PER_MINUTE)] | None = None


ApiName = Literal["dialer-v1", "cxone-admin"]
URL_PATTERN = r"^https?://[^\s/]+(?:/[^\s]*)?$"


class TenantSpec(SpecModel):
    """The Tenant document's spec: tool-only, never sent to the API.

    `api` chooses the API: `dialer-v1` (the modelled dialer API, at `base_url`) or
    `cxone-admin` (a real NICE CXone tenant: token from `issuer_url`, the API host found by
    discovery unless `api_url` names it, `/inContactAPI/services/v{api_version}.0`).
    """

    api: ApiName = "dialer-v1"

    # No default: the modelled API has no public host (CXONE_BASE_URL or this, required).
    base_url: (
        Annotated[
            str,
            Field(
                pattern=r"^https?://[^\s/]+(?:/[^\s]*)?$",
                json_schema_extra={"pattern": BASE_URL_SCHEMA},
            ),
        ]
        | None
    ) = None
    issuer_url: Annotated[
        str, Field(pattern=URL_PATTERN, json_schema_extra={"pattern": BASE_URL_SCHEMA})
    ] = DEFAULT_ISSUER
    api_url: (
        Annotated[str, Field(pattern=URL_PATTERN, json_schema_extra={"pattern": BASE_URL_SCHEMA})]
        | None
    ) = None
    api_version: Annotated[int, Field(ge=1, le=99)] = DEFAULT_API_VERSION
    # cxone-admin: where the guard and `metrics` read a skill's abandonment (doctor says
    # which source the tenant serves): dialer-contacts, skill-summary, or auto.
    metrics_source: MetricsSource = DEFAULT_METRICS_SOURCE
    credentials: Credentials = Credentials()
    carrier: Carrier | None = None
    compliance: Compliance = Compliance()
    prune: bool = False
    simulation: SimulationBlock | None = None
    verify: VerifyBlock | None = None
    ignore_differences: list[IgnoreDifference] = Field(default_factory=list)
    rate_limits: RateLimits = RateLimits()
    # Guardrails: the default change windows of every resource, the blast-radius share and
    # whether scheduled drift checks re-apply the specs (README, Guardrails).
    change_windows: list[ChangeWindow] = Field(default_factory=list)
    max_change_share: ChangeShare = DEFAULT_MAX_CHANGE_SHARE
    self_heal: bool = False

    @field_validator("base_url", "issuer_url", "api_url")
    @classmethod
    def _https_unless_loopback(cls, value: str | None) -> str | None:
        if value is not None and clear_text_to_network(value):
            raise ValueError("plain http:// is refused except to loopback addresses: use https://")
        return value


class WebhookTokenRef(SpecModel):
    """Where the webhook's bearer token comes from at apply time."""

    env: EnvName


class WebhookAuthSpec(SpecModel):
    """Webhook auth in YAML: the secret only by reference, never a literal."""

    type: Literal["bearer"]
    token_from: WebhookTokenRef


def _webhook_url_schema(schema: dict[str, Any]) -> None:
    schema["properties"]["url"]["pattern"] = WEBHOOK_URL_SCHEMA


class WebhookSpec(WebhookBody):
    """The webhook body as written in YAML: `auth.token_from` replaces `auth.token`."""

    model_config = ConfigDict(json_schema_extra=_webhook_url_schema)

    auth: WebhookAuthSpec  # type: ignore[assignment]

    @field_validator("url")
    @classmethod
    def _token_never_in_clear(cls, value: str) -> str:
        # The server sends the bearer token with every delivery to this URL.
        if clear_text_to_network(value):
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


class GuardedDocument(SpecModel):
    """The tool-only fields every resource document carries beside `spec` (any API's kinds).

    `protect: true`: never deleted (pruned) without `--allow-large-change`, remembered from
    the last successful apply so that removing the document does not lift it.
    `change_windows`: this resource's windows, replacing the Tenant's list (`[]`: none).
    """

    protect: bool = False
    change_windows: list[ChangeWindow] | None = None


class SettingsDocument(GuardedDocument):
    """`kind: DialerSettings` (at most one per directory); `spec.name` is `metadata.name`."""

    apiVersion: Literal["dialer.cxone/v1"]
    kind: Literal["DialerSettings"]
    metadata: Metadata
    spec: SettingsBody


class CampaignDocument(GuardedDocument):
    """`kind: Campaign`, with the optional tool-only blocks beside `spec`."""

    apiVersion: Literal["dialer.cxone/v1"]
    kind: Literal["Campaign"]
    metadata: Metadata
    spec: CampaignBody
    simulation: SimulationBlock | None = None
    verify: VerifyBlock | None = None


class WebhookDocument(GuardedDocument):
    """`kind: Webhook`; the token comes from the environment variable it names."""

    apiVersion: Literal["dialer.cxone/v1"]
    kind: Literal["Webhook"]
    metadata: Metadata
    spec: WebhookSpec


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (through Optional, Annotated, list, dict)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return model_in(args[0])
    if origin in (typing.Union, types.UnionType, list, dict):
        for arg in reversed(args) if origin is dict else args:
            found = model_in(arg)
            if found is not None:
                return found
    return None


@functools.cache
def field_paths(body: type[BaseModel]) -> frozenset[str]:
    """Every dotted path `ignore_differences` may name in `body`: its fields (but the
    top-level `name`, the identity) and, through nested models, theirs."""

    def walk(model: type[BaseModel], prefix: str) -> Iterator[str]:
        for name, info in model.model_fields.items():
            if prefix or name != "name":
                yield prefix + name
                inner = model_in(info.annotation)
                if inner is not None:
                    yield from walk(inner, f"{prefix}{name}.")

    return frozenset(walk(body, ""))


# Kinds whose spec is an API body named by `metadata.name`.
NAMED_BODY_KINDS = frozenset({"DialerSettings", "Campaign", "Webhook"})
