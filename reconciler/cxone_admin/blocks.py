"""The parameter blocks of a Personal Connection skill, one pydantic model per block.

Field names are the API's own; every field is optional; `block_base.py` says how a block
is read (strict from a spec, lenient from a server), written and digested. Ranges are the
developer portal's (API v23, 2021). `maximumAttempts` and `minimumRetryMinutes` are one
setting shown in two blocks: generalSettings and retrySettings read and write the same
value, so writing either block moves the other's digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import ValidationError as PydanticValidationError
from pydantic_core import InitErrorDetails

from reconciler.cxone_admin import shapes
from reconciler.cxone_admin.block_base import (
    Block,
    BlockName,
    ClockTime,
    Int,
    Num,
    Part,
    as_init,
    block_digest,
    bounded,
    canonical_bytes,
    error_detail,
    value_error,
)

__all__ = [
    "BLOCK_MODELS",
    "BLOCK_NAMES",
    "SHARED_FIELDS",
    "Block",
    "BlockName",
    "CpaException",
    "CpaSettings",
    "DeliveryPreferences",
    "GeneralSettings",
    "Int",
    "Num",
    "Part",
    "RetrySettings",
    "ScheduleSettings",
    "TimeZoneSettings",
    "TimeZoneWindow",
    "XsSettings",
    "block_digest",
    "block_model",
    "canonical_bytes",
]

SHARED_FIELDS = ("maximumAttempts", "minimumRetryMinutes")  # generalSettings = retrySettings


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
            raise cls._invalid([error_detail("list_type", (), data)])
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
                problems.append(value_error((index, "standardName"), name, "zone listed twice"))
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
        """Each zone `desired` lists: its live item with the listed fields over it (a server
        that replaces would otherwise drop the fields the spec leaves out); every other live
        zone not called."""
        live = {(z.standardName or "").casefold(): zone_json(z) for z in self.zones or []}
        listed = {(z.standardName or "").casefold(): zone_json(z) for z in desired.zones or []}
        zones = [{**live.get(key, {}), **zone} for key, zone in listed.items()]
        zones += [
            {**zone, "timeZoneActiveToCall": False}
            for key, zone in live.items()
            if key not in listed
        ]
        return TimeZoneSettings.from_server(zones)

    def active_names(self) -> list[str]:
        """The zones whose contacts are called."""
        return [z.standardName or "" for z in self.zones or [] if z.timeZoneActiveToCall]


def zone_json(zone: TimeZoneWindow) -> Any:
    """One zone item as a PUT sends it."""
    return shapes.integral_numbers(zone.model_dump(mode="json", exclude_unset=True))


def _drop_zones(error: Any) -> InitErrorDetails:
    """A spec's zone list is the block itself: locations start at the list, not `zones`."""
    detail = as_init(error)
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
