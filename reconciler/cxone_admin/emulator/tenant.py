"""The emulated tenant's state: business unit, skills with their blocks, run states.

Blocks are stored in the PUT form (field names as the PUT spells them), one dict per
block, plus `shared` for the two fields generalSettings and retrySettings show alike. The
shapes a GET answers are drawn from that in `views.py`. DNC groups live in `dnc.py`.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from reconciler.cxone_admin import shapes
from reconciler.cxone_admin.blocks import (
    BLOCK_MODELS,
    SHARED_FIELDS,
    Block,
    Part,
    TimeZoneWindow,
    block_model,
)
from reconciler.cxone_admin.emulator.answers import AdminProblem
from reconciler.cxone_admin.emulator.config import AdminEmulatorConfig
from reconciler.cxone_admin.emulator.dnc import DncGroups
from reconciler.cxone_admin.emulator.seed import DEFAULT_WINDOW, TEMPLATE
from reconciler.cxone_admin.records import PERSONAL_CONNECTION
from reconciler.dialer_v1.emulator.clock import EmulatorClock, iso

JsonDict = dict[str, Any]
WRITE_ONLY = ("cadence-settings", "list-management")
ZONES = "timeZoneSettings"


EditMoment = Literal["read", "write"]


@dataclass(frozen=True)
class PendingEdit:
    """An out-of-band edit waiting for our next read or write of a block."""

    skill_id: int
    block: str
    changes: Any
    after: EditMoment


@dataclass
class SkillState:
    """One skill: its record and, for a PC skill, its parameter blocks."""

    record: JsonDict
    blocks: dict[str, JsonDict] = field(default_factory=dict)
    zones: list[JsonDict] = field(default_factory=list)  # PUT items, in the unit's order
    shared: JsonDict = field(default_factory=dict)
    write_only: dict[str, Any] = field(default_factory=dict)
    run_target: bool | None = None  # a start/stop accepted and not yet in effect
    run_due: float = 0.0

    @property
    def id(self) -> int:
        """The skill id."""
        return int(self.record["skillId"])

    @property
    def name(self) -> str:
        """The skill name."""
        return str(self.record["skillName"])

    @property
    def is_pc(self) -> bool:
        """Whether the skill is a Personal Connection dialer (has parameter blocks)."""
        strategy = str(self.record.get("outboundStrategy") or "").casefold()
        return bool(self.record.get("isOutbound")) and strategy == PERSONAL_CONNECTION.casefold()


class Tenant:
    """The tenant; every method that reads or writes takes `lock`."""

    def __init__(
        self, seed: JsonDict, *, clock: EmulatorClock, config: AdminEmulatorConfig
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.config = config
        self.business_unit: JsonDict = copy.deepcopy(seed["businessUnit"])
        self.business_unit.setdefault("tenantId", config.tenant_id)
        self.skills: dict[int, SkillState] = {}
        for raw in seed["skills"]:
            state = self._skill_from_seed(copy.deepcopy(raw))
            self.skills[state.id] = state
        self.dnc = DncGroups(seed["dncGroups"], self.skills, clock)
        self.pending: list[PendingEdit] = []
        self.metric_overrides: dict[int, dict[str, float]] = {}

    # --- seed ----------------------------------------------------------------------------

    def zone_names(self) -> list[str]:
        """The standard names of the zones the business unit enables, in its order."""
        return [str(z["standardName"]) for z in self.business_unit.get("timeZones") or []]

    def zone_description(self, standard_name: str) -> str:
        """A zone's display name (the GET's `description`)."""
        for zone in self.business_unit.get("timeZones") or []:
            if str(zone.get("standardName")).casefold() == standard_name.casefold():
                return str(zone.get("displayName") or standard_name)
        return standard_name

    def _skill_from_seed(self, raw: JsonDict) -> SkillState:
        parameters = raw.pop("parameters", {}) or {}
        raw.setdefault("lastUpdateTime", iso(self.clock.now()))
        state = SkillState(record=raw)
        if not state.is_pc:
            return state
        for name in BLOCK_MODELS:
            if name == ZONES:
                continue
            block = {**TEMPLATE[name], **(parameters.get(name) or {})}
            for key in SHARED_FIELDS:
                if key in block:
                    value = block.pop(key)
                    if key not in state.shared or name == "generalSettings":
                        state.shared[key] = value
            state.blocks[name] = block
        listed = {str(z["standardName"]).casefold(): z for z in parameters.get(ZONES) or []}
        for zone in self.zone_names():
            item = listed.get(zone.casefold())
            default = {"standardName": zone, **DEFAULT_WINDOW, "timeZoneActiveToCall": False}
            state.zones.append({**default, **(item or {}), "standardName": zone})
        return state

    # --- time ----------------------------------------------------------------------------

    def tick(self) -> None:
        """Let accepted starts and stops take effect when due."""
        now = self.clock.now()
        with self.lock:
            for state in self.skills.values():
                if state.run_target is not None and now >= state.run_due:
                    state.record["isRunning"] = state.run_target
                    state.record["lastUpdateTime"] = iso(now)
                    state.run_target = None

    # --- skills --------------------------------------------------------------------------

    def skill(self, skill_id: str | int) -> SkillState:
        """The skill, or 404 Invalid skillId."""
        try:
            state = self.skills.get(int(skill_id))
        except ValueError:
            state = None
        if state is None:
            raise AdminProblem(404, "Invalid skillId")
        return state

    def pc_skill(self, skill_id: str | int, *, segment: str = "") -> SkillState:
        """A PC skill; the cpa-management routes answer an unknown skill with 500 (as seen)."""
        try:
            state = self.skill(skill_id)
        except AdminProblem:
            if segment == "cpa-management":
                raise AdminProblem(500, "Invalid skillId") from None
            raise
        if not state.is_pc:
            raise AdminProblem(
                404, f"Invalid skillId - '{skill_id}', not a Personal Connection skill"
            )
        return state

    def by_name(self, name: str) -> SkillState:
        """The skill named `name` (tests and out-of-band edits), or KeyError."""
        for state in self.skills.values():
            if state.name == name:
                return state
        raise KeyError(f"no skill named {name!r}")

    def update_skill(self, skill_id: str, body: Any) -> JsonDict:
        """PUT /skills/{id} with `{"skill": {...}}`: core fields; refused while running."""
        state = self.skill(skill_id)
        inner = body.get("skill") if isinstance(body, Mapping) else None
        if not isinstance(inner, Mapping):
            raise AdminProblem(400, "Missing required field - 'skill'")
        if state.record.get("isRunning") or state.run_target is not None:
            raise AdminProblem(409, "Invalid state.  Cannot update a running skill")
        protected = {"skillId", "isRunning", "isOutbound", "outboundStrategy", "mediaTypeId"}
        for key, value in inner.items():
            if key not in protected:
                state.record[key] = value
        state.record["lastUpdateTime"] = iso(self.clock.now())
        return {"success": True, "skillId": state.id}

    def start(self, skill_id: str) -> None:
        """POST /skills/{id}/start: 202 now, running after `start_stop_seconds`."""
        state = self._runnable(skill_id, "not a valid Natural Calling skill")
        if state.record.get("isRunning") or state.run_target is True:
            raise AdminProblem(409, "Invalid state.  Cannot start skill")
        self._schedule(state, True)

    def stop(self, skill_id: str, force: str | None) -> None:
        """POST /skills/{id}/stop?force=: 202 now, stopped after `start_stop_seconds`."""
        if force is not None and force.lower() not in ("true", "false"):
            raise AdminProblem(400, f"Invalid force - '{force}', must be a boolean true or false")
        state = self._runnable(skill_id, "not a valid or a non-running Natural Calling skill")
        running = state.record.get("isRunning") or state.run_target is True
        if not running:
            why = "not a valid or a non-running Natural Calling skill"
            raise AdminProblem(404, f"Invalid skillId - '{skill_id}', {why}")
        if state.run_target is False:
            raise AdminProblem(409, "Invalid state.  Cannot stop skill")
        self._schedule(state, False)

    def _runnable(self, skill_id: str, why: str) -> SkillState:
        try:
            state = self.skill(skill_id)
        except AdminProblem:
            raise AdminProblem(404, f"Invalid skillId - '{skill_id}', {why}") from None
        if not state.is_pc:
            raise AdminProblem(404, f"Invalid skillId - '{skill_id}', {why}")
        return state

    def _schedule(self, state: SkillState, target: bool) -> None:
        state.run_target = target
        state.run_due = self.clock.now() + self.config.start_stop_seconds
        if self.config.start_stop_seconds == 0:
            self.tick()

    # --- blocks --------------------------------------------------------------------------

    def block_values(self, state: SkillState, name: str) -> Any:
        """A block in the PUT form: a dict, or the zone list."""
        if name == ZONES:
            return [dict(item) for item in state.zones]
        values = dict(state.blocks[name])
        if name in ("generalSettings", "retrySettings"):
            values.update(state.shared)
        return values

    def put_block(self, state: SkillState, name: str, body: Any) -> None:
        """A parameter PUT: bind, validate (400), then merge or replace (a switch)."""
        inner = _unwrap(body, name, fold=self.config.case_insensitive)
        if name == ZONES:
            self._put_zones(state, inner)
            return
        if not isinstance(inner, Mapping):
            raise AdminProblem(400, f"Invalid {name}, cannot be null or empty")
        current = self.block_values(state, name)
        values = self._bind(block_model(name), inner, known=set(current))
        if self.config.put_semantics == "replace":
            current = {key: None for key in current}
        current.update(values)
        for key in SHARED_FIELDS:
            if key in current and name in ("generalSettings", "retrySettings"):
                state.shared[key] = current.pop(key)
        state.blocks[name] = current
        state.record["lastUpdateTime"] = iso(self.clock.now())

    def _put_zones(self, state: SkillState, inner: Any) -> None:
        if not isinstance(inner, list):
            raise AdminProblem(400, "Invalid timeZoneSettings, must be a list")
        by_name = {str(z["standardName"]).casefold(): z for z in state.zones}
        sent: dict[str, JsonDict] = {}
        for item in inner:
            if not isinstance(item, Mapping):
                raise AdminProblem(400, "Invalid timeZoneSettings item")
            values = self._bind(TimeZoneWindow, item, known=set(DEFAULT_WINDOW) | {"standardName"})
            zone = values.get("standardName")
            if not isinstance(zone, str) or zone.casefold() not in by_name:
                raise AdminProblem(400, f"Invalid standardName '{zone}'")
            sent[zone.casefold()] = values
        zones = []
        for stored in state.zones:
            key = str(stored["standardName"]).casefold()
            if key not in sent:
                # "All timezone boundings not in the request will be deactivated."
                zones.append({**stored, "timeZoneActiveToCall": False})
                continue
            base = dict(stored)
            if self.config.put_semantics == "replace":
                base = {k: None for k in stored} | {"standardName": stored["standardName"]}
            zones.append({**base, **sent[key], "standardName": stored["standardName"]})
        state.zones = zones
        state.record["lastUpdateTime"] = iso(self.clock.now())

    def _bind(self, model: type[Part], data: Mapping[str, Any], *, known: set[str]) -> JsonDict:
        """The request's fields as the server binds them; keys that bind nowhere ignored."""
        bound = shapes.bind_keys(model, data, fold=self.config.case_insensitive)
        # A key the models do not know binds only if this tenant's block has that field
        # (a newer API version's); anything else is ignored, as model binding does.
        folded = {k.casefold(): k for k in known}
        values: JsonDict = {}
        for key, value in bound.values.items():
            if key not in bound.extras or key in known:
                values[key] = value
            elif self.config.case_insensitive and key.casefold() in folded:
                values[folded[key.casefold()]] = value
        problems: list[Any] = []
        try:
            if issubclass(model, Block):
                problems = model.from_server(values).range_errors()
            else:
                model.model_validate(values)  # a zone item: types only, no documented ranges
        except ValidationError as exc:
            first = exc.errors()[0]
            raise AdminProblem(400, f"Invalid {_dotted(first['loc'])}, {first['msg']}") from exc
        if problems:
            raise AdminProblem(400, f"Invalid {_dotted(problems[0]['loc'])}")
        return values

    def put_write_only(self, state: SkillState, segment: str, body: Any) -> None:
        """cadence-settings and list-management: stored, never readable."""
        if not isinstance(body, Mapping):
            raise AdminProblem(400, f"Invalid {segment}, cannot be null or empty")
        state.write_only[segment] = copy.deepcopy(dict(body))

    # --- out-of-band ---------------------------------------------------------------------

    def edit_block_later(self, skill_name: str, name: str, changes: Any, after: EditMoment) -> None:
        """Another admin's edit, made just after our next read or write of that block."""
        with self.lock:
            self.pending.append(PendingEdit(self.by_name(skill_name).id, name, changes, after))

    def fire(self, state: SkillState, name: str, moment: EditMoment) -> None:
        """Make the edits waiting for this read or write of the block."""
        due = [
            e for e in self.pending if (e.skill_id, e.block, e.after) == (state.id, name, moment)
        ]
        self.pending = [e for e in self.pending if e not in due]
        for edit in due:
            self.edit_block(state.name, name, edit.changes)

    def edit_block(self, skill_name: str, name: str, changes: Any) -> None:
        """Another admin's edit: `changes` written over the block as stored (no checks)."""
        with self.lock:
            state = self.by_name(skill_name)
            if name == ZONES:
                edits = {str(z["standardName"]).casefold(): z for z in changes}
                state.zones = [
                    {**z, **edits.get(str(z["standardName"]).casefold(), {})} for z in state.zones
                ]
                return
            for key, value in dict(changes).items():
                if key in SHARED_FIELDS and name in ("generalSettings", "retrySettings"):
                    state.shared[key] = value
                else:
                    state.blocks[name][key] = value


def _dotted(loc: Any) -> str:
    return ".".join(str(part) for part in loc)


def _unwrap(body: Any, name: str, *, fold: bool) -> Any:
    """The block inside a PUT body `{"<block>": ...}`."""
    if not isinstance(body, Mapping):
        return None
    key = shapes.find_key(body, name) if fold else (name if name in body else None)
    return body.get(key) if key is not None else None
