"""DNC groups and the skills each scrubs (GET/POST/PUT /dnc-groups, .../scrubbed-skills).

Group names are unique regardless of letter case ("dncGroupName already exists"); groups
are never deleted (the API has no DELETE for them). Linking a skill that is already linked
answers 200 and changes nothing; unlinking one that is not linked is a 404, as the
documentation words it ("Invalid or missing skillId").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.cxone_admin.emulator.answers import AdminProblem
from reconciler.dialer_v1.emulator.clock import EmulatorClock, iso

if TYPE_CHECKING:
    from reconciler.cxone_admin.emulator.tenant import SkillState

JsonDict = dict[str, Any]
MAX_NAME_LENGTH = 50


class DncGroups:
    """The groups by id and their scrubbed skills (the tenant's lock covers them)."""

    def __init__(
        self, seed: list[JsonDict], skills: Mapping[int, SkillState], clock: EmulatorClock
    ) -> None:
        self._skills = skills
        self._clock = clock
        now = iso(clock.now())
        self.groups: dict[int, JsonDict] = {}
        self.links: dict[int, set[int]] = {}
        for raw in seed:
            group = {k: v for k, v in raw.items() if k != "scrubbedSkills"}
            group.setdefault("dncGroupDescription", "")
            group.setdefault("isActive", True)
            group.setdefault("validRecords", 0)
            group.setdefault("isRemoved", False)
            group.setdefault("createDate", now)
            group.setdefault("lastUpdateTime", now)
            self.groups[int(group["dncGroupId"])] = group
            self.links[int(group["dncGroupId"])] = set(raw.get("scrubbedSkills", []))
        self._next_id = max(self.groups, default=300) + 1

    def group(self, group_id: str | int) -> JsonDict:
        """The group, or 404."""
        try:
            found = self.groups.get(int(group_id))
        except ValueError:
            found = None
        if found is None:
            raise AdminProblem(404, "Invalid or missing groupId")
        return found

    def listing(self) -> list[JsonDict]:
        """Every group, by id."""
        return [dict(self.groups[i]) for i in sorted(self.groups)]

    def create(self, name: Any, description: Any) -> JsonDict:
        """A new active group; 400 when the name is missing, too long or taken."""
        name = _name(name)
        self._unique(name, None)
        now = iso(self._clock.now())
        group = {
            "dncGroupId": self._next_id,
            "dncGroupName": name,
            "dncGroupDescription": _text(description, "dncGroupDescription") or "",
            "validRecords": 0,
            "isActive": True,
            "isRemoved": False,
            "createDate": now,
            "lastUpdateTime": now,
        }
        self.groups[self._next_id] = group
        self.links[self._next_id] = set()
        self._next_id += 1
        return dict(group)

    def update(self, group_id: str, name: Any, description: Any, active: Any) -> JsonDict:
        """Change the fields given (the others stay)."""
        group = self.group(group_id)
        if name is not None:
            name = _name(name)
            self._unique(name, int(group["dncGroupId"]))
            group["dncGroupName"] = name
        if description is not None:
            group["dncGroupDescription"] = _text(description, "dncGroupDescription")
        if active is not None:
            group["isActive"] = _flag(active, "isActive")
        group["lastUpdateTime"] = iso(self._clock.now())
        return dict(group)

    def scrubbed(self, group_id: str) -> list[JsonDict]:
        """The skills the group scrubs, by id."""
        linked = self.links[int(self.group(group_id)["dncGroupId"])]
        return [
            {"skillId": sid, "skillName": self._skills[sid].name}
            for sid in sorted(linked)
            if sid in self._skills
        ]

    def link(self, group_id: str, skill_id: str) -> None:
        """Scrub the skill against the group (no change when it already is)."""
        gid = int(self.group(group_id)["dncGroupId"])
        self.links[gid].add(self._skill_id(skill_id))

    def unlink(self, group_id: str, skill_id: str) -> None:
        """Stop scrubbing the skill against the group; 404 when it was not."""
        gid = int(self.group(group_id)["dncGroupId"])
        sid = self._skill_id(skill_id)
        if sid not in self.links[gid]:
            raise AdminProblem(404, "Invalid or missing skillId")
        self.links[gid].discard(sid)

    def _skill_id(self, skill_id: str) -> int:
        try:
            sid = int(skill_id)
        except ValueError:
            sid = -1
        if sid not in self._skills:
            raise AdminProblem(404, "Invalid or missing skillId")
        return sid

    def _unique(self, name: str, own_id: int | None) -> None:
        for gid, group in self.groups.items():
            if gid != own_id and str(group["dncGroupName"]).casefold() == name.casefold():
                raise AdminProblem(400, "dncGroupName already exists")


def _name(value: Any) -> str:
    text = _text(value, "dncGroupName").strip()
    if not text or len(text) > MAX_NAME_LENGTH:
        raise AdminProblem(400, f"Invalid dncGroupName, 1-{MAX_NAME_LENGTH} characters")
    return text


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AdminProblem(400, f"Invalid {field}, expected a string")
    return value


def _flag(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise AdminProblem(400, f"Invalid {field}, must be a boolean true or false")
