"""The parameter blocks of a Personal Connection skill, one pydantic model per block.

A PC dialer campaign is an outbound skill whose settings live in blocks of the CXone admin
API (`/skills/{id}/parameters/...`), each written whole by a synchronous PUT with no
versionTag. Field names are the API's own (camelCase) and every field is optional: a spec
manages only the fields it writes (`model_fields_set`), and a server answer keeps whatever
it sent.

Two ways in, one way out:
- `Block.from_spec(data)`: strict, for spec files. Exact field names (or a documented
  second spelling), strict types, every documented range; all problems are raised at once
  as one pydantic `ValidationError` with the standard error types (`extra_forbidden`,
  `less_than_equal`...), so the spec layer can locate each and suggest a spelling.
- `Block.from_server(data)`: lenient, for what a server answers. Keys in any letter case
  and in either shape (aggregated GET, single-block GET, PUT: see `shapes.py`); types
  coerced only where no meaning changes ("5" -> 5, 5.0 -> 5, "true" -> True, never a
  boolean into a number); ranges not enforced (a tenant may hold values the 2021 docs did
  not allow, assumption 3); unknown fields kept verbatim, so a whole-block PUT built from
  a read never drops a field a newer API version added.
- `block.to_put_json()` / `block.wrapped()`: the PUT form (`{"generalSettings": {...}}`),
  and `block_digest(block)`: sha256 of the canonical form, the tag a plan records, since the
  API has none.

Ranges are the developer portal's (API v23, 2021). `maximumAttempts` and
`minimumRetryMinutes` are one value shown in two blocks: generalSettings and retrySettings
read and write the same setting, so writing either block moves the other's digest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic import ValidationError as PydanticValidationError
from pydantic.functional_validators import AfterValidator
from pydantic_core import InitErrorDetails

from reconciler.cxone_admin import shapes

BlockName = Literal[
    "generalSettings",
    "cpaSettings",
    "retrySettings",
    "scheduleSettings",
    "timeZoneSettings",
    "deliveryPreferences",
    "xsSettings",
]
SHARED_FIELDS = ("maximumAttempts", "minimumRetryMinutes")  # generalSettings = retrySettings

_STRICT = {"strict": True}
_LENIENT = {"strict": False}
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CLOCK_SECONDS = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d):00$")

B = TypeVar("B", bound="Block")


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    return value


def _clock_time(value: str, info: ValidationInfo) -> str:
    strict = bool((info.context or {}).get("strict"))
    if not strict:
        # "08:00:00" is "08:00"; any other text is kept as the server wrote it.
        match = _CLOCK_SECONDS.match(value)
        return match.group(1) if match else value
    if not _CLOCK.match(value):
        raise ValueError('expected a time of day "HH:MM" (00:00-23:59)')
    return value


Int = Annotated[int, BeforeValidator(_no_bool)]
Num = Annotated[float, BeforeValidator(_no_bool)]
ClockTime = Annotated[str, AfterValidator(_clock_time)]


def bounded(low: float, high: float, doc: str = "") -> Any:
    """An optional field with the documented range (checked by `from_spec`, not on reads)."""
    return Field(
        default=None,
        description=doc or None,
        json_schema_extra={"minimum": low, "maximum": high},
    )


class Part(BaseModel):
    """Base of every block and block item: unknown keys kept (see `from_spec` for refusal)."""

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)
    ALIASES: ClassVar[Mapping[str, str]] = {}  # other documented spellings -> field name


def _range_errors(model: type[BaseModel], values: Any, loc: tuple[str | int, ...]) -> list[Any]:
    """`less_than_equal`/`greater_than_equal` errors for numbers outside documented ranges."""
    if not isinstance(values, Mapping):
        return []
    found: list[Any] = []
    for name, info in model.model_fields.items():
        value = values.get(name)
        inner = shapes.nested_model(info.annotation)
        if inner is not None and isinstance(value, list):
            for index, item in enumerate(value):
                found += _range_errors(inner, item, (*loc, name, index))
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        low, high = extra.get("minimum"), extra.get("maximum")
        if low is None or not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        assert isinstance(low, (int, float)) and isinstance(high, (int, float))
        if value < low:
            found.append(_error("greater_than_equal", (*loc, name), value, {"ge": low}))
        elif value > high:
            found.append(_error("less_than_equal", (*loc, name), value, {"le": high}))
    return found


def _extra_errors(model: type[BaseModel], values: Any, loc: tuple[str | int, ...]) -> list[Any]:
    """`extra_forbidden` for every key the model does not define, recursively."""
    if not isinstance(values, Mapping):
        return []
    found: list[Any] = []
    for key, value in values.items():
        info = model.model_fields.get(key)
        if info is None:
            found.append(_error("extra_forbidden", (*loc, key), value))
            continue
        inner = shapes.nested_model(info.annotation)
        if inner is not None and isinstance(value, list):
            for index, item in enumerate(value):
                found += _extra_errors(inner, item, (*loc, key, index))
    return found


def _error(
    kind: str, loc: tuple[str | int, ...], value: Any, ctx: dict[str, Any] | None = None
) -> InitErrorDetails:
    detail: InitErrorDetails = {"type": kind, "loc": loc, "input": value}
    if ctx is not None:
        detail["ctx"] = ctx
    return detail


def _as_init(error: Any) -> InitErrorDetails:
    detail: InitErrorDetails = {"type": error["type"], "loc": error["loc"], "input": error["input"]}
    if "ctx" in error:
        detail["ctx"] = error["ctx"]
    return detail


def _value_error(loc: tuple[str | int, ...], value: Any, message: str) -> InitErrorDetails:
    return _error("value_error", loc, value, {"error": ValueError(message)})


class Block(Part):
    """One parameter block; subclasses name it (`BLOCK`) and its URL segment (`PATH`)."""

    BLOCK: ClassVar[BlockName]
    PATH: ClassVar[str]

    # --- in ------------------------------------------------------------------------------

    @classmethod
    def _spec_input(cls, data: Any) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            raise cls._invalid([_error("dict_type", (), data)])
        return data

    @classmethod
    def _server_input(cls, data: Any) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            raise cls._invalid([_error("dict_type", (), data)])
        return data

    @classmethod
    def _invalid(cls, errors: list[InitErrorDetails]) -> PydanticValidationError:
        return PydanticValidationError.from_exception_data(cls.__name__, errors)

    @classmethod
    def from_spec(cls: type[B], data: Any) -> B:
        """Strict: a spec's block (PUT form), every problem raised at once."""
        bound = shapes.bind_keys(cls, cls._spec_input(data), fold=False)
        problems = [_value_error((key,), None, "given twice") for key in bound.duplicates]
        problems += _extra_errors(cls, bound.values, ())
        problems += _range_errors(cls, bound.values, ())
        known = {k: v for k, v in bound.values.items() if k in cls.model_fields}
        try:
            block = cls.model_validate(known, strict=True, context=_STRICT)
        except PydanticValidationError as exc:
            problems += [_as_init(e) for e in exc.errors()]
        if problems:
            raise cls._invalid(problems)
        return block

    @classmethod
    def from_server(cls: type[B], data: Any) -> B:
        """Lenient: a server's block in any documented shape; unknown fields kept."""
        try:
            shaped = cls._server_input(data)
        except ValueError as exc:
            if isinstance(exc, PydanticValidationError):
                raise
            raise cls._invalid([_value_error((), data, str(exc))]) from exc
        values = shapes.bind_keys(cls, shaped, fold=True).values
        return cls.model_validate(values, context=_LENIENT)

    # --- out -----------------------------------------------------------------------------

    def to_put_json(self) -> Any:
        """The block as a PUT sends it (only the fields set; integral numbers as ints)."""
        return shapes.integral_numbers(self.model_dump(mode="json", exclude_unset=True))

    def wrapped(self) -> dict[str, Any]:
        """The PUT body: `{"<block>": <block>}`."""
        return {self.BLOCK: self.to_put_json()}

    def canonical(self) -> Any:
        """The form digests are computed over (set-like lists sorted)."""
        return self.to_put_json()

    def range_errors(self) -> list[InitErrorDetails]:
        """Values outside the documented ranges (what the server refuses with a 400)."""
        return _range_errors(type(self), self.to_put_json(), ())

    def overlay(self: B, desired: B) -> B:
        """This (live) block with `desired`'s fields written over it: a whole-block PUT."""
        merged = {**self.to_put_json(), **desired.to_put_json()}
        return type(self).from_server(merged)


def canonical_bytes(value: Any) -> bytes:
    """Sorted keys, compact, UTF-8, integral floats as ints: equal values, equal bytes."""
    text = json.dumps(
        shapes.integral_numbers(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return text.encode("utf-8")


def block_digest(block: Block) -> str:
    """'sha256:<hex>' of the block's canonical form: its tag, as the API keeps none."""
    return "sha256:" + hashlib.sha256(canonical_bytes(block.canonical())).hexdigest()


# --- the blocks ---------------------------------------------------------------------------


class GeneralSettings(Block):
    """generalSettings: pacing, abandonment and list loading.

    `maximumAttempts` and `minimumRetryMinutes` are the same setting as in retrySettings.
    `abandonRateThreshold` is a percent (3 means 3 %), applied when
    `overrideBusinessUnitAbandonRate` is true (which needs the unit's enableSkillAbandonRate).
    """

    BLOCK: ClassVar[BlockName] = "generalSettings"
    PATH: ClassVar[str] = "general-settings"

    minimumRetryMinutes: Int | None = bounded(1, 50000, "shared with retrySettings")
    maximumAttempts: Int | None = bounded(1, 300, "shared with retrySettings")
    defaultContactExpiration: Int | None = bounded(1, 527039)
    getPriorityContactsOnContactInsertion: bool | None = None
    loadCallbacks: bool | None = None
    loadFresh: bool | None = None
    loadNonFresh: bool | None = None
    overrideBusinessUnitAbandonRate: bool | None = None
    maximumRingingDuration: Int | None = bounded(1, 60, "seconds")
    beginDampenPercentage: Num | None = bounded(0, 100)
    abandonRateCutoff: Num | None = bounded(0, 100)
    abandonRateThreshold: Num | None = bounded(0, 99.9, "percent, not a fraction")
    inactiveBlenderTimer: Int | None = bounded(15, 999)
    maximumRatio: Int | None = bounded(1, 3, "calls per agent")
    # Documented as a string ("conservative" seen) and, in the aggregated GET, an integer.
    aggressiveness: str | Int | None = None
    endOfListNotificationsDelay: Int | None = bounded(0, 3600)
    notifyAgentsWhenListIsEmpty: bool | None = None
    percentageOfAgentsBeforeOverdial: Int | None = bounded(0, 100)
    blockMultipleCalls: bool | None = None
    consecutiveAttemptsWithoutALiveConnect: Int | None = bounded(1, 999)
    enableDialingByProficiency: bool | None = None
    proficiencyFactor: Num | None = bounded(0, 999)
    # A number in the PUT and the single GET, a boolean in the aggregated GET.
    waitTimeFactor: Num | bool | None = bounded(0, 999)
    maxConcurrentCallsPerAgent: Int | None = bounded(1, 10)
    maxWaitTimeSeconds: Int | None = bounded(0, 999)
    deliverCallbacksOnDNCHolidays: bool | None = None
    deliverPrioritiesOnDNCHolidays: bool | None = None


class CpaException(Part):
    """One per-attempt answering-machine override of cpaSettings.exceptions."""

    ALIASES: ClassVar[Mapping[str, str]] = {"attemptNo": "attempt_No"}  # the GET's spelling

    attempt_No: Int | None = bounded(1, 6)
    ansMachineDetMode: Int | None = bounded(0, 9)
    ansMachineMsg: str | None = None


class CpaSettings(Block):
    """cpaSettings (call progress analysis): `abandonTimeout` is the seconds a live answer
    waits for an agent before the call is abandoned."""

    BLOCK: ClassVar[BlockName] = "cpaSettings"
    PATH: ClassVar[str] = "cpa-management"

    abandonTimeout: Num | None = bounded(0, 60, "seconds")
    abandonMsgMode: Int | None = bounded(0, 2)
    abandonMessagePath: str | None = None
    ansMachineDetMode: Int | None = bounded(0, 9)
    ansMachineMsg: str | None = None
    ansMachineOverrideSeconds: Int | None = bounded(0, 20)
    exceptions: list[CpaException] | None = None
    treatProgressAsRinging: bool | None = None
    preConnectCPAEnabled: bool | None = None
    preConnectCPARecording: bool | None = None
    enableCPALogging: bool | None = None
    agentOverrideOptionFax: bool | None = None
    agentOverrideOptionAnsweringMachine: bool | None = None
    agentOverrideOptionBadNumber: bool | None = None
    utteranceMinimumSeconds: Num | None = bounded(0.1, 0.5)
    customerLiveSilenceSeconds: Num | None = bounded(0.5, 2)
    machineMinimumWithAgentSeconds: Num | None = bounded(2, 10)
    machineMinimumWithoutAgentSeconds: Num | None = bounded(2, 10)
    machineEndSilenceSeconds: Num | None = bounded(1, 5)
    machineEndTimeoutSeconds: Num | None = bounded(5, 60)
    agentResponseUtteranceMinimumSeconds: Num | None = bounded(0.1, 4)
    agentNoResponseSeconds: Num | None = bounded(0.5, 4)
    agentVoiceThreshold: Num | None = bounded(100, 100000)
    customerVoiceThreshold: Num | None = bounded(100, 100000)

    def canonical(self) -> Any:
        """Exceptions sorted by attempt number (they are keyed by it)."""
        data = self.to_put_json()
        if isinstance(data.get("exceptions"), list):
            data["exceptions"] = sorted(data["exceptions"], key=_canonical_sort_key("attempt_No"))
        return data


class RetrySettings(Block):
    """retrySettings. `maximumAttempts` and `minimumRetryMinutes` are generalSettings' own."""

    BLOCK: ClassVar[BlockName] = "retrySettings"
    PATH: ClassVar[str] = "retry-settings"

    loadNonFresh: bool | None = None
    finalizeWhenExhausted: bool | None = None
    maximumAttempts: Int | None = bounded(1, 300, "shared with generalSettings")
    minimumRetryMinutes: Int | None = bounded(1, 50000, "shared with generalSettings")
    maximumNumberOfHandledCalls: Int | None = bounded(1, 300)
    restrictedCallingMinutes: Int | None = bounded(0, 9999)
    restrictedCallingMaxAttempts: Int | None = bounded(0, 10)
    generalStaleMinutes: Int | None = bounded(10, 1440)
    callbackRestMinutes: Int | None = bounded(1, 129600)
    releaseAgentSpecificCalls: bool | None = None
    maximumNumberOfCallbacks: Int | None = bounded(1, 300)
    callbackStaleMinutes: Int | None = bounded(10, 1440)


class ScheduleSettings(Block):
    """scheduleSettings in the PUT form: per weekday a start, an end ("HH:MM") and whether
    the skill runs that day. The aggregated GET's `schedules` list is read into this form.
    The schedule's time zone is not documented (assumed: the business unit's default)."""

    BLOCK: ClassVar[BlockName] = "scheduleSettings"
    PATH: ClassVar[str] = "schedule-settings"

    isScheduled: bool | None = None
    sundayStartTime: ClockTime | None = None
    sundayEndTime: ClockTime | None = None
    sundayIsActive: bool | None = None
    mondayStartTime: ClockTime | None = None
    mondayEndTime: ClockTime | None = None
    mondayIsActive: bool | None = None
    tuesdayStartTime: ClockTime | None = None
    tuesdayEndTime: ClockTime | None = None
    tuesdayIsActive: bool | None = None
    wednesdayStartTime: ClockTime | None = None
    wednesdayEndTime: ClockTime | None = None
    wednesdayIsActive: bool | None = None
    thursdayStartTime: ClockTime | None = None
    thursdayEndTime: ClockTime | None = None
    thursdayIsActive: bool | None = None
    fridayStartTime: ClockTime | None = None
    fridayEndTime: ClockTime | None = None
    fridayIsActive: bool | None = None
    saturdayStartTime: ClockTime | None = None
    saturdayEndTime: ClockTime | None = None
    saturdayIsActive: bool | None = None

    @classmethod
    def _server_input(cls, data: Any) -> Mapping[str, Any]:
        return shapes.schedule_to_put(super()._server_input(data))


class TimeZoneWindow(Part):
    """One contact-local calling window: the zone (its Windows standard name), the hours,
    and whether contacts in that zone are called at all."""

    standardName: str | None = None
    startTime: ClockTime | None = None
    endTime: ClockTime | None = None
    timeZoneActiveToCall: bool | None = None
    overrideTime: bool | None = None


class TimeZoneSettings(Block):
    """timeZoneSettings: a list, written whole ("All timezone boundings not in the request
    will be deactivated"). In a spec it is a list of windows; here it is `zones`."""

    BLOCK: ClassVar[BlockName] = "timeZoneSettings"
    PATH: ClassVar[str] = "time-zones"

    zones: list[TimeZoneWindow] | None = None

    @classmethod
    def _spec_input(cls, data: Any) -> Mapping[str, Any]:
        if not isinstance(data, list):
            raise cls._invalid([_error("list_type", (), data)])
        return {"zones": data}

    @classmethod
    def _server_input(cls, data: Any) -> Mapping[str, Any]:
        return {"zones": shapes.zones_to_put(data)}

    @classmethod
    def from_spec(cls, data: Any) -> TimeZoneSettings:
        """Strict, and a zone listed twice is an error."""
        problems: list[InitErrorDetails] = []
        seen: set[str] = set()
        for index, zone in enumerate(data if isinstance(data, list) else []):
            name = zone.get("standardName") if isinstance(zone, Mapping) else None
            if isinstance(name, str) and name.casefold() in seen:
                problems.append(_value_error((index, "standardName"), name, "zone listed twice"))
            elif isinstance(name, str):
                seen.add(name.casefold())
        try:
            block = super().from_spec(data)
        except PydanticValidationError as exc:
            problems = [_drop_zones(e) for e in exc.errors()] + problems
        if problems:
            raise cls._invalid(problems)
        return block

    def to_put_json(self) -> Any:
        """The list of zone items."""
        return [zone_json(zone) for zone in self.zones or []]

    def canonical(self) -> Any:
        """Zones sorted by name: the API keeps no order."""
        return sorted(self.to_put_json(), key=_canonical_sort_key("standardName"))

    def range_errors(self) -> list[InitErrorDetails]:
        """Windows have no numeric ranges."""
        return []

    def overlay(self, desired: TimeZoneSettings) -> TimeZoneSettings:
        """The zones `desired` lists, as listed; every other live zone not called."""
        listed = {(z.standardName or "").casefold() for z in desired.zones or []}
        kept = [
            {**zone_json(z), "timeZoneActiveToCall": False}
            for z in self.zones or []
            if (z.standardName or "").casefold() not in listed
        ]
        return TimeZoneSettings.from_server([*desired.to_put_json(), *kept])

    def active_names(self) -> list[str]:
        """The zones whose contacts are called."""
        return [z.standardName or "" for z in self.zones or [] if z.timeZoneActiveToCall]


def zone_json(zone: TimeZoneWindow) -> Any:
    """One zone item as a PUT sends it."""
    return shapes.integral_numbers(zone.model_dump(mode="json", exclude_unset=True))


def _drop_zones(error: Any) -> InitErrorDetails:
    """A spec's zone list is the block itself: locations start at the list, not `zones`."""
    detail = _as_init(error)
    loc = tuple(detail["loc"])
    detail["loc"] = loc[1:] if loc[:1] == ("zones",) else loc
    return detail


def _canonical_sort_key(name: str) -> Any:
    def key(item: Any) -> str:
        value = item.get(name) if isinstance(item, Mapping) else None
        return canonical_bytes(value).decode().casefold()

    return key


class DeliveryPreferences(Block):
    """deliveryPreferences: how preview ("confirmation required") and compliance records
    reach agents. Delivery types: 1 click to call, 2 manual, 3 manual with auto-correct,
    4 dial outside the system."""

    BLOCK: ClassVar[BlockName] = "deliveryPreferences"
    PATH: ClassVar[str] = "delivery-preferences"

    confirmationRequiredDisabled: bool | None = None
    confirmationRequiredDeliveryType: Int | None = bounded(0, 5)
    confirmationRequiredTimeout: Int | None = bounded(1, 300)
    confirmationRequiredTimeoutSubsequent: Int | None = bounded(1, 300)
    confirmationRequiredDefaultAccept: bool | None = None
    confirmationRequiredDefault: bool | None = None
    complianceRecordsDisabled: bool | None = None
    complianceRecordsDeliveryType: Int | None = bounded(0, 5)
    complianceRecordsTimeout: Int | None = bounded(1, 300)
    complianceRecordsTimeoutSubsequent: Int | None = bounded(1, 300)
    complianceRecordsDefaultAccept: bool | None = None
    showComplianceButtonReschedule: bool | None = None
    showComplianceButtonRequeue: bool | None = None
    showComplianceButtonSnooze: bool | None = None
    showComplianceButtonDisposition: bool | None = None
    showPreviewButtonReschedule: bool | None = None
    showPreviewButtonRequeue: bool | None = None
    showPreviewButtonSnooze: bool | None = None
    showPreviewButtonDisposition: bool | None = None


class XsSettings(Block):
    """xsSettings (an external system feeding the skill). The GET spells the script ids
    `xsScriptId`/`xsCheckinScriptId`, the PUT `xsScriptID`/`xsCheckinScriptID`."""

    BLOCK: ClassVar[BlockName] = "xsSettings"
    PATH: ClassVar[str] = "xs-settings"
    ALIASES: ClassVar[Mapping[str, str]] = {
        "xsScriptId": "xsScriptID",
        "xsCheckinScriptId": "xsCheckinScriptID",
    }

    xsScriptID: Int | None = None
    xsCheckinScriptID: Int | None = None
    externalOutboundSkill_No: str | None = None
    xsSkillChangedActive: bool | None = None
    xsGetContactsActive: bool | None = None
    xsFreshThreshold: Int | None = bounded(1, 30000)
    xsAvailableThreshold: Int | None = bounded(1, 30000)
    xsReadyThreshold: Int | None = bounded(1, 30000)
    xsNumberToRetrieve: Int | None = bounded(1, 10000)


BLOCK_MODELS: dict[BlockName, type[Block]] = {
    model.BLOCK: model
    for model in (
        GeneralSettings,
        CpaSettings,
        RetrySettings,
        ScheduleSettings,
        TimeZoneSettings,
        DeliveryPreferences,
        XsSettings,
    )
}
BLOCK_NAMES: tuple[BlockName, ...] = tuple(BLOCK_MODELS)


def block_model(name: str) -> type[Block]:
    """The model of block `name` (its wrapper name, e.g. 'generalSettings'), or KeyError."""
    return BLOCK_MODELS[name]  # type: ignore[index]
