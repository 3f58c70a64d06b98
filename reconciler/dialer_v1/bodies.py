"""The resource bodies of the dialer API (contract §4, §5, §7) as pydantic models.

Shared by the spec (desired state), the API client (live state) and the emulator
(request validation), so the three can never disagree on a field name or a range.
Server-managed fields (`id`, `versionTag`, `createdAt`, `updatedAt`, `lastActivatedAt`)
are not part of a body: the client strips them and keeps them beside the body.

Defaults are explicit here so that a field left out on one side and set to its default
on the other never shows up as a difference (the diff compares `model_dump` output).
Defaults where the contract is silent (documented in the README):
`call_spacing_ms` 0, `abandonment_rate_target` 0.03, `agent_availability_estimate` 1.0,
`warm_line_timeout_sec` 0, `dial_ratio` 1.0 for progressive (absent for preview),
webhook `retryPolicy` {maxRetries 3, backoffMultiplier 2, timeoutSec 10}.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from reconciler.timezones import ZONE_NAME, zone_named

SERVER_MANAGED_FIELDS = frozenset(
    {"id", "versionTag", "createdAt", "updatedAt", "lastActivatedAt", "status"}
)

DIALER_TYPES = ("predictive", "progressive", "preview")
DialerType = Literal["predictive", "progressive", "preview"]

WEBHOOK_EVENTS = (
    "dialer.settings.updated",
    "dialer.campaign.activated",
    "dialer.campaign.deleted",
)
WebhookEvent = Literal[
    "dialer.settings.updated", "dialer.campaign.activated", "dialer.campaign.deleted"
]

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class Body(BaseModel):
    """Base for API bodies: strict types, unknown fields refused, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Concurrency(Body):
    max_agents: Annotated[int, Field(ge=1, le=5000)]
    max_simultaneous_calls: Annotated[int, Field(ge=1, le=20000)]
    call_spacing_ms: Annotated[int, Field(ge=0, le=60000)] = 0


def _if_type(dialer: str, then: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema rule for one dialer type (schemas/ only; the validators decide)."""
    return {"if": {"properties": {"type": {"const": dialer}}, "required": ["type"]}, "then": then}


class Algorithm(Body):
    # The JSON Schemas say what `_ratio_matches_type` checks, so editors flag it too.
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                _if_type(
                    "predictive",
                    {"required": ["dial_ratio"], "properties": {"dial_ratio": {"type": "number"}}},
                ),
                _if_type(
                    "progressive",
                    {"properties": {"dial_ratio": {"anyOf": [{"const": 1.0}, {"type": "null"}]}}},
                ),
                _if_type("preview", {"properties": {"dial_ratio": {"type": "null"}}}),
            ]
        }
    )

    type: DialerType
    abandonment_rate_target: Annotated[float, Field(gt=0, le=1)] = 0.03
    agent_availability_estimate: Annotated[float, Field(gt=0, le=1)] = 1.0
    dial_ratio: Annotated[float, Field(ge=1.0, le=10.0)] | None = None
    warm_line_timeout_sec: Annotated[float, Field(ge=0, le=120)] = 0

    @model_validator(mode="after")
    def _ratio_matches_type(self) -> Algorithm:
        # Contract §4: progressive dials exactly one line per agent, preview has no ratio.
        if self.type == "progressive":
            if self.dial_ratio is None:
                object.__setattr__(self, "dial_ratio", 1.0)
            elif self.dial_ratio != 1.0:
                raise ValueError("a progressive dialer has dial_ratio 1.0 (or leave it out)")
        elif self.type == "preview" and self.dial_ratio is not None:
            raise ValueError("a preview dialer has no dial_ratio: remove it")
        elif self.type == "predictive" and self.dial_ratio is None:
            raise ValueError("a predictive dialer needs dial_ratio (1.0-10.0)")
        return self


class SettingsBody(Body):
    """Tenant dialer settings, contract §4."""

    # The JSON Schemas say what `_types_agree` checks.
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                _if_type(t, {"properties": {"algorithm": {"properties": {"type": {"const": t}}}}})
                for t in DIALER_TYPES
            ]
        }
    )

    name: Annotated[str, Field(min_length=1, max_length=128)]
    type: DialerType
    concurrency: Concurrency
    algorithm: Algorithm

    @model_validator(mode="after")
    def _types_agree(self) -> SettingsBody:
        if self.algorithm.type != self.type:
            raise ValueError(
                f"algorithm.type {self.algorithm.type!r} differs from type {self.type!r}:"
                " make them the same"
            )
        return self


class CallingHours(Body):
    # The patterns are for the JSON Schemas; the validators below check and word the errors.
    start: Annotated[str, Field(json_schema_extra={"pattern": _HHMM.pattern})]
    end: Annotated[str, Field(json_schema_extra={"pattern": _HHMM.pattern})]
    timezone: Annotated[str, Field(json_schema_extra={"pattern": ZONE_NAME.pattern})]

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f'{value!r} is not a time of day as HH:MM (e.g. "08:00")')
        return value

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        zone_named(value)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> CallingHours:
        if minutes_of_day(self.start) >= minutes_of_day(self.end):
            raise ValueError(f"calling_hours start {self.start} is not before end {self.end}")
        return self


class CampaignBody(SettingsBody):
    """A campaign, contract §5: the settings' fields plus calling hours and DNC lists."""

    calling_hours: CallingHours
    dnc_lists: list[Annotated[str, Field(min_length=1)]]


class WebhookAuth(Body):
    type: Literal["bearer"]
    # Write-only on the API (a GET never returns it); SecretStr keeps it out of reprs.
    token: SecretStr | None = None


class RetryPolicy(Body):
    maxRetries: Annotated[int, Field(ge=0, le=10)] = 3
    backoffMultiplier: Annotated[float, Field(ge=1, le=10)] = 2
    timeoutSec: Annotated[int, Field(ge=1, le=60)] = 10


class WebhookBody(Body):
    """A WFM synchronisation webhook, contract §7."""

    name: Annotated[str, Field(min_length=1, max_length=128)]
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$")]
    # uniqueItems: what `_unique_events` checks, for the JSON Schemas.
    events: Annotated[
        list[WebhookEvent], Field(min_length=1, json_schema_extra={"uniqueItems": True})
    ]
    auth: WebhookAuth
    retryPolicy: RetryPolicy = RetryPolicy()

    @field_validator("events")
    @classmethod
    def _unique_events(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("events are listed more than once")
        return value


ResourceBody = SettingsBody | CampaignBody | WebhookBody


def minutes_of_day(hhmm: str) -> int:
    """'08:30' -> 510; '24:00' -> 1440."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def body_to_json(body: Body, *, reveal_secrets: bool = False) -> dict[str, Any]:
    """The JSON the API expects for `body`; secrets are masked unless `reveal_secrets`."""
    data = body.model_dump(mode="json", exclude_none=True)
    if isinstance(body, WebhookBody):
        token = body.auth.token
        if token is None:
            data["auth"].pop("token", None)
        else:
            data["auth"]["token"] = token.get_secret_value() if reveal_secrets else "(sensitive)"
    return data
