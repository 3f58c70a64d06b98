"""End-to-end harness for `api: cxone-admin`: the real CLI against the admin emulator.

`admin_cli_factory(seed, **switches)` (conftest.py) is tests/cli/cxone.py's `cxone_factory`
(an `AdminEmulator` on a loopback socket, a copy of `specs/cxone-example`, the environment
pointing at both) returning an `AdminCli`: that harness with the tenant's view, the
invariant's oracle and the state directory.

THE INVARIANT, as this API words it: after any apply every skill block and every DNC link
set is either at its desired state (the live block with the spec's fields written over it,
the listed zones called and the others not, the listed groups linked) or at its pre-apply
content, compared in the stored PUT form; every DNC group likewise. The two coupled fields
(one setting shown in generalSettings and retrySettings) are judged as a part of their own,
since a write to either block moves both. `assert_desired_or_before` checks it over the
whole tenant (a block a plan did not touch has desired == before) and says where each part
ended.

The oracle here is written from the API's documented behaviour, not from the code under
test: it never calls the client's overlay or projection.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from reconciler.cxone_admin.blocks import SHARED_FIELDS
from reconciler.cxone_admin.bodies import SPEC_BLOCKS
from reconciler.cxone_admin.defaults import DEFAULT_API_VERSION
from reconciler.desired import load_desired_state
from reconciler.dialer_v1.emulator.records import RequestRecord
from reconciler.state.audit import AuditLog
from reconciler.state.journal import list_unfinished
from reconciler.state.layout import StateDir
from tests.cli.cxone import CxoneCli
from tests.engine.conftest import Run

Json = dict[str, Any]
PARTNER = {"generalSettings": "retrySettings", "retrySettings": "generalSettings"}
ZONES = "timeZoneSettings"
API = f"/inContactAPI/services/v{DEFAULT_API_VERSION}.0"
SKILL_IDS = {"Collections_East": 11001, "Renewals_Central": 11002, "Winback_West": 11003}
SEGMENTS = {
    "generalSettings": "general-settings",
    "retrySettings": "retry-settings",
    "cpaSettings": "cpa-management",
    "scheduleSettings": "schedule-settings",
    "timeZoneSettings": "time-zones",
    "deliveryPreferences": "delivery-preferences",
}


def block_path(skill: str, block: str) -> str:
    """The API path of one block of a seeded skill (a fault's path prefix)."""
    return f"{API}/skills/{SKILL_IDS[skill]}/parameters/{SEGMENTS[block]}"


Where = Literal["desired", "before", "both", "theirs"]


# ---- the tenant as the invariant compares it ------------------------------------------------


def _zone_key(zone: Json) -> str:
    return str(zone.get("standardName") or "").casefold()


@dataclass(frozen=True)
class AdminView:
    """The live tenant: each PC skill's blocks (stored PUT form) and DNC links, each group."""

    blocks: dict[str, dict[str, Any]]  # skill -> block -> PUT form
    links: dict[str, list[str]]  # skill -> names of the groups scrubbing it
    groups: dict[str, Json]  # group -> {dncGroupDescription, isActive}
    running: dict[str, bool]

    @classmethod
    def of(cls, tenant: Json) -> AdminView:
        names = {g["dncGroupId"]: g["dncGroupName"] for g in tenant["dncGroups"]}
        blocks: dict[str, dict[str, Any]] = {}
        links: dict[str, list[str]] = {}
        running: dict[str, bool] = {}
        for entry in tenant["skills"]:
            if "parameters" not in entry:
                continue  # not a Personal Connection skill
            skill = entry["skill"]
            name = skill["skillName"]
            blocks[name] = {b: entry["parameters"][b] for b in SPEC_BLOCKS}
            links[name] = sorted(
                names[g["dncGroupId"]]
                for g in tenant["dncGroups"]
                if skill["skillId"] in g["scrubbedSkills"]
            )
            running[name] = bool(skill.get("isRunning"))
        groups = {
            g["dncGroupName"]: {
                "dncGroupDescription": g.get("dncGroupDescription") or "",
                "isActive": g.get("isActive"),
            }
            for g in tenant["dncGroups"]
        }
        return cls(blocks, links, groups, running)


def _spec_block(spec: Json, name: str) -> Any:
    """The spec's fields of one block, with the coupled fields its partner block manages."""
    own = copy.deepcopy(spec.get(name))
    partner = PARTNER.get(name)
    if partner is not None and isinstance(spec.get(partner), dict):
        shared = {k: v for k, v in spec[partner].items() if k in SHARED_FIELDS}
        if shared:
            own = {**(own or {}), **shared}
    return own


def desired_block(name: str, before: Any, spec: Any) -> Any:
    """What a block holds once the spec is applied: live with the spec's fields over it.

    Zones: a listed zone takes the spec's fields (called unless the spec says not), every
    other zone is no longer called ("All timezone boundings not in the request will be
    deactivated"). A block the spec does not manage keeps its content.
    """
    if spec is None:
        return before
    if name == ZONES:
        listed = {_zone_key(z): z for z in spec}
        out = []
        for zone in before:
            want = listed.get(_zone_key(zone))
            if want is None:
                out.append({**zone, "timeZoneActiveToCall": False})
            else:
                out.append({**zone, "timeZoneActiveToCall": True, **want})
        return out
    return {**before, **spec}


def spec_skills(spec_dir: Path) -> dict[str, Json]:
    """skill -> the JSON its document manages (blocks in PUT form, `dncGroups`)."""
    state = load_desired_state(spec_dir)
    out: dict[str, Json] = {}
    for skill in state.skills:
        data: Json = {n: b.to_put_json() for n, b in skill.body.blocks.items()}
        if skill.body.dncGroups is not None:
            data["dncGroups"] = list(skill.body.dncGroups)
        out[skill.name] = data
    return out


def spec_groups(spec_dir: Path) -> dict[str, Json]:
    """group -> the fields its document manages."""
    state = load_desired_state(spec_dir)
    return {g.name: g.body.model_dump(exclude_none=True) for g in state.dnc_groups}


def expected_view(before: AdminView, spec_dir: Path, *, prune: bool = False) -> AdminView:
    """The tenant `before` once the specs are applied (the oracle of `desired`)."""
    skills = spec_skills(spec_dir)
    blocks: dict[str, dict[str, Any]] = {}
    links: dict[str, list[str]] = {}
    for name, have in before.blocks.items():
        spec = skills.get(name, {})
        blocks[name] = {b: desired_block(b, have[b], _spec_block(spec, b)) for b in have}
        wanted = spec.get("dncGroups")
        if wanted is None:
            links[name] = before.links[name]
        elif prune:
            links[name] = sorted(wanted)
        else:
            links[name] = sorted(set(before.links[name]) | set(wanted))
    groups = {n: dict(g) for n, g in before.groups.items()}
    for name, fields in spec_groups(spec_dir).items():
        base = groups.get(name, {"dncGroupDescription": "", "isActive": True})
        groups[name] = {**base, **fields}
    return AdminView(blocks, links, groups, dict(before.running))


def _same(a: Any, b: Any) -> bool:
    """Equal as the API means it: 2 == 2.0, zones in any order."""
    if isinstance(a, list) and isinstance(b, list) and all(isinstance(x, dict) for x in a + b):
        return sorted(map(_zone_key, a)) == sorted(map(_zone_key, b)) and all(
            _same(x, next(y for y in b if _zone_key(y) == _zone_key(x))) for x in a
        )
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        return all(_same(a.get(k), b.get(k)) for k in keys)
    return bool(a == b)


def _own(block: str, content: Any) -> Any:
    """A block without the coupled fields (judged apart: a write to one block moves both)."""
    if block not in PARTNER or not isinstance(content, dict):
        return content
    return {k: v for k, v in content.items() if k not in SHARED_FIELDS}


def _coupled(blocks: dict[str, Any], block: str = "generalSettings") -> Json:
    return {k: v for k, v in blocks[block].items() if k in SHARED_FIELDS}


def assert_desired_or_before(
    now: AdminView,
    before: AdminView,
    want: AdminView,
    *,
    theirs: dict[str, list[Any]] | None = None,
) -> dict[str, Where]:
    """THE INVARIANT over every block, link set and group; returns where each one is.

    `theirs`: address -> contents someone else gave that block during the apply (their
    edit over the block as it was, or over what we wrote), which it may hold instead.
    """
    where: dict[str, Where] = {}
    others = {a: [_own(a.rpartition(".")[2], v) for v in vs] for a, vs in (theirs or {}).items()}

    def judge(address: str, have: Any, old: Any, new: Any) -> None:
        is_new, is_old = _same(have, new), _same(have, old)
        if not (is_new or is_old) and any(_same(have, v) for v in others.get(address, [])):
            where[address] = "theirs"
            return
        assert is_new or is_old, (
            f"{address} is neither desired nor its snapshot:\n now    {have}\n desired {new}"
            f"\n before {old}"
        )
        where[address] = "both" if is_new and is_old else "desired" if is_new else "before"

    assert sorted(now.blocks) == sorted(before.blocks)
    for skill, blocks in now.blocks.items():
        for block, have in blocks.items():
            old, new = before.blocks[skill][block], want.blocks[skill][block]
            judge(f"{skill}.{block}", _own(block, have), _own(block, old), _own(block, new))
        # The coupled fields are one setting shown in two blocks: judged once, on their own.
        coupled = [_coupled(v.blocks[skill]) for v in (now, before, want)]
        assert _same(coupled[0], _coupled(now.blocks[skill], "retrySettings")), skill
        judge(f"{skill}.coupled", *coupled)
        judge(f"{skill}.dncGroups", now.links[skill], before.links[skill], want.links[skill])
    for group in sorted(set(now.groups) | set(want.groups)):
        judge(
            f"DncGroup.{group}",
            now.groups.get(group),
            before.groups.get(group),
            want.groups.get(group),
        )
    return where


def assert_all(
    where: dict[str, Where], side: Literal["desired", "before"], *, but: tuple[str, ...] = ()
) -> None:
    """Every block, link set and group is at `side` (or at both), except those in `but`."""
    off = {a: w for a, w in where.items() if w not in (side, "both") and a not in but}
    assert not off, f"not at {side}: {off}"


# ---- the CLI harness ------------------------------------------------------------------------


@dataclass
class AdminCli(CxoneCli):
    """tests/cli/cxone.py's harness, with what the engine tests read: the tenant as the
    invariant compares it, the state directory, and the commands they run most."""

    def plan(self, *extra: str) -> Run:
        return self.run("plan", str(self.spec), *extra)

    def apply(self, *extra: str) -> Run:
        """`reconciler apply SPEC --auto-approve EXTRA...`."""
        return self.run("apply", str(self.spec), "--auto-approve", *extra)

    def drift(self, *extra: str) -> Run:
        return self.run("drift", str(self.spec), *extra)

    # -- the tenant -------------------------------------------------------------------------
    def view(self) -> AdminView:
        return AdminView.of(self.emu.tenant_json())

    def expected(self, before: AdminView) -> AdminView:
        return expected_view(before, self.spec, prune=self.prune)

    @property
    def prune(self) -> bool:
        doc = yaml.safe_load((self.spec / "tenant.yaml").read_text(encoding="utf-8"))
        return bool(doc["spec"].get("prune"))

    def api_requests(self, mark: int = 0) -> list[RequestRecord]:
        return [r for r in self.requests_since(mark) if r.path.startswith("/inContactAPI")]

    # -- the spec copy ----------------------------------------------------------------------
    def replace_block(self, relative: str, block: str, value: Any) -> None:
        """Set one block of a skill document to exactly `value` (None: remove it)."""
        path = self.spec / relative
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if value is None:
            doc["spec"].pop(block, None)
        else:
            doc["spec"][block] = value
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")

    # -- the state directory ----------------------------------------------------------------
    @property
    def state(self) -> StateDir:
        return StateDir(self.state_root, self.spec.name)

    def audit(self) -> list[Json]:
        return list(AuditLog(self.state.audit_path).entries())

    def unfinished(self) -> int:
        return len(list_unfinished(self.state)) if self.state.journal_dir.is_dir() else 0


# ---- a spec that exercises every block, the coupled fields and DNC links --------------------

EAST, RENEWALS = "skills/collections-east.yaml", "skills/renewals-central.yaml"


def write_rich_specs(cli: AdminCli, *, create_group: bool = True) -> None:
    """specs/cxone-example with every block of Collections_East managed, a coupled field, a
    CPA exception, a schedule, DNC links added to both skills, a DNC group created and one
    updated. Against the default seed every part of the plan below differs.

    `create_group=False`: no group is created (the API cannot delete one, so a failed apply
    that created a group can never be fully restored) and Collections_East keeps its links.
    The Tenant lets the plan change every resource: these tests are about the API, the
    blast-radius gate has its own (tests/engine/test_guardrails*).
    """
    cli.edit_spec("tenant.yaml", {"spec": {"max_change_share": 1.0}})
    cli.edit_spec(
        EAST,
        {
            "spec": {
                "generalSettings": {"maximumAttempts": 5},
                "cpaSettings": {
                    "abandonTimeout": 1.5,
                    "exceptions": [
                        {"attempt_No": 2, "ansMachineDetMode": 1, "ansMachineMsg": "east_vm.wav"}
                    ],
                },
                "retrySettings": {"generalStaleMinutes": 90, "restrictedCallingMaxAttempts": 2},
                "scheduleSettings": {
                    "mondayStartTime": "09:00",
                    "mondayEndTime": "19:30",
                    "saturdayIsActive": True,
                    "saturdayStartTime": "10:00",
                    "saturdayEndTime": "14:00",
                },
                "deliveryPreferences": {"confirmationRequiredTimeout": 45},
                "dncGroups": ["National_DNC", "Internal_DNC", "Holiday_DNC"],
            }
        },
    )
    cli.edit_spec(RENEWALS, {"spec": {"dncGroups": ["National_DNC", "Internal_DNC"]}})
    cli.write_spec(
        "dnc-groups/holiday-dnc.yaml",
        {
            "apiVersion": "dialer.cxone/v1",
            "kind": "DncGroup",
            "metadata": {"name": "Holiday_DNC"},
            "spec": {"dncGroupDescription": "Numbers paused over the holidays", "isActive": True},
        },
    )
    if not create_group:
        (cli.spec / "dnc-groups/holiday-dnc.yaml").unlink()
        cli.edit_spec(EAST, {"spec": {"dncGroups": ["National_DNC", "Internal_DNC"]}})
    cli.edit_spec(
        "dnc-groups/internal-dnc.yaml",
        {"spec": {"dncGroupDescription": "Customers who asked us not to call (CRM export)"}},
    )


RICH_PLAN = {
    ("DncGroup", "Holiday_DNC", "create"),
    ("DncGroup", "Internal_DNC", "update"),
    ("OutboundSkill", "Collections_East", "update"),
    ("OutboundSkill", "Renewals_Central", "update"),
}
