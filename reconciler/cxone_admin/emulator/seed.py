"""Seed documents of the emulated tenant: the packaged `seed.yaml`, or a file of one's own.

A seed names the business unit, the skills (PC dialers with their parameter blocks, and
others without), the DNC groups and which skills each group scrubs. A PC skill's blocks
start from `TEMPLATE` (plausible values inside every documented range) with the seed's
fields written over them; a block field the models do not know is kept, as a tenant on a
newer API version would have it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from reconciler.cxone_admin.blocks import BLOCK_MODELS

JsonDict = dict[str, Any]

_TOP = {"businessUnit", "skills", "dncGroups"}
_DAYS_ON = ("monday", "tuesday", "wednesday", "thursday", "friday")

TEMPLATE: dict[str, Any] = {
    "generalSettings": {
        "minimumRetryMinutes": 60,
        "maximumAttempts": 3,
        "defaultContactExpiration": 10080,
        "getPriorityContactsOnContactInsertion": False,
        "loadCallbacks": True,
        "loadFresh": True,
        "loadNonFresh": True,
        "overrideBusinessUnitAbandonRate": False,
        "maximumRingingDuration": 25,
        "beginDampenPercentage": 80,
        "abandonRateCutoff": 0.5,
        "abandonRateThreshold": 3,
        "inactiveBlenderTimer": 60,
        "maximumRatio": 1,
        "aggressiveness": "conservative",
        "endOfListNotificationsDelay": 300,
        "notifyAgentsWhenListIsEmpty": False,
        "percentageOfAgentsBeforeOverdial": 50,
        "blockMultipleCalls": True,
        "consecutiveAttemptsWithoutALiveConnect": 50,
        "enableDialingByProficiency": False,
        "proficiencyFactor": 1,
        "waitTimeFactor": 1,
        "maxConcurrentCallsPerAgent": 1,
        "maxWaitTimeSeconds": 30,
        "deliverCallbacksOnDNCHolidays": False,
        "deliverPrioritiesOnDNCHolidays": False,
    },
    "cpaSettings": {
        "abandonTimeout": 2,
        "abandonMsgMode": 1,
        "abandonMessagePath": "abandon_message.wav",
        "ansMachineDetMode": 2,
        "ansMachineMsg": None,
        "ansMachineOverrideSeconds": 0,
        "exceptions": [],
        "treatProgressAsRinging": False,
        "preConnectCPAEnabled": False,
        "preConnectCPARecording": False,
        "enableCPALogging": False,
        "agentOverrideOptionFax": True,
        "agentOverrideOptionAnsweringMachine": True,
        "agentOverrideOptionBadNumber": True,
        "utteranceMinimumSeconds": 0.2,
        "customerLiveSilenceSeconds": 1.0,
        "machineMinimumWithAgentSeconds": 3.0,
        "machineMinimumWithoutAgentSeconds": 3.0,
        "machineEndSilenceSeconds": 2.0,
        "machineEndTimeoutSeconds": 30.0,
        "agentResponseUtteranceMinimumSeconds": 0.5,
        "agentNoResponseSeconds": 1.5,
        "agentVoiceThreshold": 500,
        "customerVoiceThreshold": 500,
    },
    "retrySettings": {
        "loadNonFresh": True,
        "finalizeWhenExhausted": True,
        "maximumNumberOfHandledCalls": 1,
        "restrictedCallingMinutes": 1440,
        "restrictedCallingMaxAttempts": 3,
        "generalStaleMinutes": 60,
        "callbackRestMinutes": 60,
        "releaseAgentSpecificCalls": True,
        "maximumNumberOfCallbacks": 3,
        "callbackStaleMinutes": 60,
    },
    "scheduleSettings": {
        "isScheduled": True,
        **{f"{day}StartTime": "08:00" for day in _DAYS_ON},
        **{f"{day}EndTime": "20:00" for day in _DAYS_ON},
        **{f"{day}IsActive": True for day in _DAYS_ON},
        "saturdayStartTime": "10:00",
        "saturdayEndTime": "16:00",
        "saturdayIsActive": False,
        "sundayStartTime": "10:00",
        "sundayEndTime": "16:00",
        "sundayIsActive": False,
    },
    "deliveryPreferences": {
        "confirmationRequiredDisabled": False,
        "confirmationRequiredDeliveryType": 1,
        "confirmationRequiredTimeout": 30,
        "confirmationRequiredTimeoutSubsequent": 30,
        "confirmationRequiredDefaultAccept": False,
        "confirmationRequiredDefault": False,
        "complianceRecordsDisabled": False,
        "complianceRecordsDeliveryType": 2,
        "complianceRecordsTimeout": 60,
        "complianceRecordsTimeoutSubsequent": 60,
        "complianceRecordsDefaultAccept": False,
        "showComplianceButtonReschedule": True,
        "showComplianceButtonRequeue": False,
        "showComplianceButtonSnooze": True,
        "showComplianceButtonDisposition": True,
        "showPreviewButtonReschedule": True,
        "showPreviewButtonRequeue": True,
        "showPreviewButtonSnooze": True,
        "showPreviewButtonDisposition": True,
    },
    "xsSettings": {
        "xsScriptID": 0,
        "xsCheckinScriptID": 0,
        "externalOutboundSkill_No": "",
        "xsSkillChangedActive": False,
        "xsGetContactsActive": False,
        "xsFreshThreshold": 100,
        "xsAvailableThreshold": 100,
        "xsReadyThreshold": 100,
        "xsNumberToRetrieve": 100,
    },
}
DEFAULT_WINDOW = {"startTime": "08:00", "endTime": "21:00", "overrideTime": False}


def default_seed() -> JsonDict:
    """The packaged seed document."""
    text = resources.files("reconciler.cxone_admin.emulator").joinpath("seed.yaml").read_text()
    return checked_seed(yaml.safe_load(text), "seed.yaml")


def load_seed_file(path: Path) -> JsonDict:
    """A seed document from a .json file, or YAML for any other name; ValueError if unusable."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: not readable as {path.suffix or 'YAML'}: {exc}") from exc
    return checked_seed(data, str(path))


def checked_seed(data: Any, where: str) -> JsonDict:
    """`data` checked as a seed document (ValueError naming what is wrong), deep-copied."""
    if not isinstance(data, dict) or "businessUnit" not in data:
        raise ValueError(f"{where}: a seed document is a mapping with at least 'businessUnit'")
    unknown = set(data) - _TOP
    if unknown:
        raise ValueError(f"{where}: unknown top-level keys {sorted(unknown)}")
    data = copy.deepcopy(data)
    if not isinstance(data["businessUnit"], dict):
        raise ValueError(f"{where}: businessUnit is not a mapping")
    skills = _list_of_mappings(data.get("skills", []), where, "skills")
    ids: set[int] = set()
    for index, skill in enumerate(skills):
        _check_skill(skill, f"{where}: skills[{index}]", ids)
    for index, group in enumerate(_list_of_mappings(data.get("dncGroups", []), where, "dncGroups")):
        _check_group(group, f"{where}: dncGroups[{index}]", ids)
    return {
        "businessUnit": data["businessUnit"],
        "skills": skills,
        "dncGroups": data.get("dncGroups", []),
    }


def _list_of_mappings(value: Any, where: str, name: str) -> list[JsonDict]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{where}: {name} is not a list of mappings")
    return value


def _check_skill(skill: JsonDict, where: str, ids: set[int]) -> None:
    skill_id = skill.get("skillId")
    if not isinstance(skill_id, int) or isinstance(skill_id, bool) or skill_id in ids:
        raise ValueError(f"{where}: skillId must be a unique integer")
    if not isinstance(skill.get("skillName"), str) or not skill["skillName"]:
        raise ValueError(f"{where}: skillName must be a non-empty string")
    ids.add(skill_id)
    parameters = skill.get("parameters", {})
    if not isinstance(parameters, Mapping):
        raise ValueError(f"{where}: parameters is not a mapping")
    for name, block in parameters.items():
        model = BLOCK_MODELS.get(name)
        if model is None:
            raise ValueError(f"{where}: unknown block {name!r}; known: {', '.join(BLOCK_MODELS)}")
        try:
            model.from_server(block)
        except ValidationError as exc:
            raise ValueError(f"{where}.parameters.{name}: {exc}") from exc


def _check_group(group: JsonDict, where: str, skill_ids: set[int]) -> None:
    if not isinstance(group.get("dncGroupId"), int) or not isinstance(
        group.get("dncGroupName"), str
    ):
        raise ValueError(f"{where}: dncGroupId (integer) and dncGroupName (string) are required")
    linked = group.get("scrubbedSkills", [])
    if not isinstance(linked, list) or any(s not in skill_ids for s in linked):
        raise ValueError(f"{where}: scrubbedSkills must list skillIds of the seed's skills")
