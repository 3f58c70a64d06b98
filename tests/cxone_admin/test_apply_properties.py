"""Random block edits under random fault schedules on a CXone tenant; THE INVARIANT after
every apply (api: cxone-admin; test_apply_statemachine.py does the same for dialer-v1).

Each example draws the emulator's switches; a live tenant (the default seed with random
values in every block of the three Personal Connection skills, random zones and DNC links);
specs managing a random subset of blocks and fields of random skills, DNC links, a DNC group
updated and maybe one created, prune on or off; and a fault schedule (400, 429, 5xx and
dropped connections before or after handling on any API call, an expired token, another
admin's edit of a block just after our next read or write of it). The engine's apply
(`run_apply`: recovery, observe, the tenant's checks, plan, snapshot, writes, verify or
restore) runs against the in-process emulator on a ManualClock: no socket, no real wait.
Then:

- every block (the coupled fields apart), link set and group is at its desired or its
  pre-apply content, or, for a block another admin edited, at their edit over either;
- the result agrees: applied -> all desired; restored -> all pre-apply; restore-failed ->
  only the resources named as needing a person may be anything else, and some are named;
- no run is left unfinished and the audit chain verifies;
- once the faults are gone a second apply converges (drift clean).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.cxone_admin.emulator import AdminEmulator, ManualClock, default_seed
from reconciler.cxone_admin.kinds import CXONE_ADMIN
from reconciler.desired import load_desired_state
from reconciler.dialer_v1.errors import ApiError
from reconciler.engine.outcome import Outcome
from reconciler.engine.pipeline import ApplyHooks, ApplyRequest, run_apply
from reconciler.engine.workspace import Workspace
from reconciler.kinds import Backend
from reconciler.state.audit import AuditLog
from reconciler.state.journal import list_unfinished
from reconciler.state.layout import StateDir
from tests.cxone_admin.conftest import OPTIONS, START, config, credentials
from tests.cxone_admin.harness import (
    API,
    SEGMENTS,
    SKILL_IDS,
    AdminView,
    Json,
    assert_desired_or_before,
    expected_view,
)
from tests.dialer_v1.test_client_harness import FakeTime

SKILLS = tuple(SKILL_IDS)
ENVIRONMENT = "prop"
DEADLINE_SECONDS = 30.0  # fake seconds
ZONES = ("Eastern Standard Time", "Central Standard Time", "Pacific Standard Time")
# The fields a spec may manage here, each with the values it may take (all valid, all
# inside the US rules), block by block.
FIELDS: dict[str, dict[str, tuple[Any, ...]]] = {
    "generalSettings": {
        "maximumRatio": (1, 2, 3),
        "maximumAttempts": (3, 5),  # coupled with retrySettings
        "abandonRateThreshold": (2.5, 3),
    },
    "retrySettings": {"generalStaleMinutes": (60, 90), "restrictedCallingMaxAttempts": (2, 3)},
    "cpaSettings": {"abandonTimeout": (1.5, 2)},
    "scheduleSettings": {"mondayStartTime": ("08:00", "09:00"), "saturdayIsActive": (False, True)},
    "deliveryPreferences": {"confirmationRequiredTimeout": (30, 45)},
}
# Another admin's edit of each block: fields no spec here manages, so it stays visible.
THEIR_EDITS: dict[str, Any] = {
    "generalSettings": {"maximumRingingDuration": 33},
    "retrySettings": {"callbackRestMinutes": 77},
    "cpaSettings": {"ansMachineOverrideSeconds": 7},
    "scheduleSettings": {"sundayStartTime": "11:00"},
    "timeZoneSettings": [{"standardName": "Hawaiian Standard Time", "startTime": "10:00"}],
    "deliveryPreferences": {"complianceRecordsTimeout": 77},
}
GROUPS = ("National_DNC", "Internal_DNC")
PLAN_FAILED = "plan failed"


# ---- strategies ------------------------------------------------------------------------------


def _zones(draw: st.DrawFn) -> list[Json]:
    names = draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True))
    start = st.sampled_from(("08:00", "09:00"))
    return [{"standardName": n, "startTime": draw(start), "endTime": "20:00"} for n in names]


def _fields(draw: st.DrawFn, block: str, *, at_least_one: bool) -> Json:
    choices = FIELDS[block]
    names = draw(
        st.lists(st.sampled_from(sorted(choices)), min_size=int(at_least_one), unique=True)
    )
    return {n: draw(st.sampled_from(choices[n])) for n in names}


@dataclass(frozen=True)
class World:
    seed: Json  # the live tenant
    skills: dict[str, Json]  # skill -> its spec (blocks, dncGroups)
    internal_description: str | None  # Internal_DNC's managed description
    holiday: bool  # a DncGroup document the tenant does not have (created)
    prune: bool


@st.composite
def worlds(draw: st.DrawFn) -> World:
    seed = default_seed()
    for skill in seed["skills"]:
        if skill["skillName"] not in SKILLS:
            continue
        params = skill.setdefault("parameters", {})
        for block in FIELDS:
            params[block] = {**params.get(block, {}), **_fields(draw, block, at_least_one=False)}
        params["timeZoneSettings"] = [{**z, "timeZoneActiveToCall": True} for z in _zones(draw)]
    for group in seed["dncGroups"]:
        if group["dncGroupName"] in GROUPS:
            ids = [SKILL_IDS[s] for s in SKILLS if draw(st.booleans())]
            group["scrubbedSkills"] = ids
    holiday = draw(st.booleans())
    choices = (*GROUPS, "Holiday_DNC") if holiday else GROUPS
    skills: dict[str, Json] = {}
    managed = draw(st.lists(st.sampled_from(SKILLS), min_size=1, unique=True))
    for name in managed:
        spec: Json = {}
        blocks = st.lists(st.sampled_from([*FIELDS, "timeZoneSettings"]), min_size=1, unique=True)
        for block in draw(blocks):
            spec[block] = (
                _zones(draw)
                if block == "timeZoneSettings"
                else _fields(draw, block, at_least_one=True)
            )
        if "maximumAttempts" in spec.get("generalSettings", {}):
            spec.get("retrySettings", {}).pop("maximumAttempts", None)  # one block only
        if draw(st.booleans()):
            spec["dncGroups"] = draw(st.lists(st.sampled_from(choices), unique=True))
        skills[name] = spec
    description = draw(st.sampled_from((None, "Customers who asked us not to call", "CRM export")))
    return World(seed, skills, description, holiday, draw(st.booleans()))


def fault_schedules(world: World) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Up to three faults, aimed mostly at the blocks and links the specs manage."""
    aimed = [
        f"{API}/skills/{SKILL_IDS[skill]}/parameters/{SEGMENTS[block]}"
        for skill, spec in sorted(world.skills.items())
        for block in spec
        if block in SEGMENTS
    ]
    paths = st.sampled_from([*aimed, f"{API}/dnc-groups", f"{API}/skills/", API])
    edited = [(skill, block) for skill, spec in world.skills.items() for block in spec]
    edited = [e for e in edited if e[1] in THEIR_EDITS] or [(SKILLS[0], "generalSettings")]
    one = st.one_of(
        st.tuples(
            st.just("http"),
            st.sampled_from((400, 400, 429, 500, 502, 503)),
            st.integers(1, 2),
            st.sampled_from(("GET", "PUT", "PUT", "POST", "DELETE")),
            paths,
        ),
        st.tuples(
            st.just("drop"),
            st.sampled_from(("PUT", "POST", "DELETE")),
            st.booleans(),
            paths,
        ),
        st.tuples(
            st.just("edit"), st.sampled_from(sorted(edited)), st.sampled_from(("read", "write"))
        ),
        st.tuples(st.just("expire")),
    )
    return st.lists(one, max_size=3)


def switch_settings() -> st.SearchStrategy[Json]:
    """How the tenant behaves where the public record is silent (the emulator's switches)."""
    return st.fixed_dictionaries(
        {
            "put_semantics": st.sampled_from(("merge", "replace")),
            "put_answer": st.sampled_from(("empty", "object")),
            "error_body": st.sampled_from(("object", "bare")),
            "case_insensitive": st.booleans(),
            "skill_get": st.sampled_from(("flat", "wrapped")),
            "schedule_day": st.sampled_from(("name", "lower", "number")),
            "total_records": st.sampled_from(("number", "string", "absent")),
        }
    )


# ---- one apply -------------------------------------------------------------------------------


def write_specs(world: World, spec_dir: Path) -> None:
    """The world's specs as files (the real loader, rules and planner read them)."""
    tenant = {
        "apiVersion": "dialer.cxone/v1",
        "kind": "Tenant",
        "metadata": {"name": ENVIRONMENT},
        # Every resource may change at once: the property is about writes, not the gate.
        "spec": {
            "api": "cxone-admin",
            "prune": world.prune,
            "compliance": {"jurisdiction": "US"},
            "max_change_share": 1.0,
        },
    }
    docs: dict[str, Json] = {"tenant.yaml": tenant}
    for name, spec in world.skills.items():
        docs[f"skills/{name}.yaml"] = _doc("OutboundSkill", name, spec)
    if world.internal_description is not None:
        internal = {"dncGroupDescription": world.internal_description}
        docs["dnc-groups/internal.yaml"] = _doc("DncGroup", "Internal_DNC", internal)
    if world.holiday:
        holiday = {"dncGroupDescription": "Holiday pause", "isActive": True}
        docs["dnc-groups/holiday.yaml"] = _doc("DncGroup", "Holiday_DNC", holiday)
    for relative, doc in docs.items():
        path = spec_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def _doc(kind: str, name: str, spec: Json) -> Json:
    return {"apiVersion": "dialer.cxone/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}


def inject(emu: AdminEmulator, faults: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Schedule the faults; returns address -> the edits another admin may make to it."""
    edits: dict[str, list[Any]] = {}
    for fault in faults:
        if fault[0] == "http":
            _, status, count, method, path = fault
            emu.faults.http_error(status, count=count, method=method, path=path)
        elif fault[0] == "drop":
            _, method, after, path = fault
            emu.faults.drop_connection(method=method, path=path, after_handling=after)
        elif fault[0] == "edit":
            _, (skill, block), moment = fault
            emu.edit_block(skill, block, THEIR_EDITS[block], after=moment)
            edits.setdefault(f"{skill}.{block}", []).append(THEIR_EDITS[block])
        else:
            emu.faults.expire_tokens()
    return edits


async def apply_once(
    emu: AdminEmulator, time: FakeTime, state: StateDir, spec_dir: Path
) -> Outcome | str | None:
    """`run_apply`, the engine's whole apply (recovery, observe, the tenant's checks, plan,
    snapshot, writes, verify or restore), without the guard; None: nothing to do,
    PLAN_FAILED: a read the plan needs failed for good (the CLI exits 1, nothing written)."""
    client = CxoneAdminClient(
        credentials(),
        issuer_url="http://127.0.0.1:8443",
        options=OPTIONS,
        transport=emu.transport(),
        clock=time.now,
        sleep=time.sleep,
    )
    workspace = Workspace(
        state=state,
        audit=AuditLog(state.audit_path),
        secrets={},
        secret_envs={},
        actor="property",
        operation_deadline=DEADLINE_SECONDS,
        say=lambda _message: None,
        confirm=lambda _question, _verb: None,
    )
    hooks = ApplyHooks(show_plan=lambda _plan: None, progress=_quiet)
    request = ApplyRequest(load_desired_state(spec_dir), guard=False)
    async with client as api:
        try:
            report = await run_apply(Backend(CXONE_ADMIN, api), workspace, request, hooks)
        except ApiError:
            return PLAN_FAILED
    return report.outcome


@contextlib.contextmanager
def _quiet() -> Iterator[tuple[Callable[[str], None], Callable[[int, int], None]]]:
    yield (lambda _message: None), (lambda _done, _total: None)


def their_contents(
    edits: dict[str, list[Any]], before: AdminView, want: AdminView
) -> dict[str, list[Any]]:
    """address -> their edit over the block as it was, and over what we would write."""
    out: dict[str, list[Any]] = {}
    for address, changes in edits.items():
        skill, block = address.split(".")
        out[address] = [
            _edited(block, base.blocks[skill][block], change)
            for base in (before, want)
            for change in changes
        ]
    return out


def _edited(block: str, content: Any, change: Any) -> Any:
    if block != "timeZoneSettings":
        return {**content, **change}
    edits = {z["standardName"].casefold(): z for z in change}
    return [{**z, **edits.get(z["standardName"].casefold(), {})} for z in content]


def check(outcome: Outcome, where: dict[str, str]) -> None:
    """The result agrees with where every part ended."""
    attention = {str(r.address).split(".", 1)[1] for r in outcome.needs_attention}

    def exempt(address: str) -> bool:
        owner = address.removeprefix("DncGroup.").split(".")[0]
        return owner in attention or where[address] == "theirs"

    if outcome.result == "applied":
        off = {a: w for a, w in where.items() if w not in ("desired", "both") and not exempt(a)}
        assert not off, f"applied, but not desired: {off}"
    else:
        off = {a: w for a, w in where.items() if w not in ("before", "both") and not exempt(a)}
        assert not off, f"{outcome.result}, but not restored: {off}"
    assert bool(attention) is (outcome.result == "restore-failed"), outcome


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_block_edits_under_random_faults_keep_the_invariant(data: st.DataObject) -> None:
    world = data.draw(worlds(), label="world")
    faults = data.draw(fault_schedules(world), label="faults")
    switches = data.draw(switch_settings(), label="switches")
    clock = ManualClock(START)
    time = FakeTime(clock)
    emu = AdminEmulator(config(start_stop_seconds=0.0, **switches), clock, world.seed)
    with tempfile.TemporaryDirectory() as tmp:
        spec_dir = Path(tmp) / ENVIRONMENT
        write_specs(world, spec_dir)
        state = StateDir(Path(tmp) / "state", ENVIRONMENT)
        before = AdminView.of(emu.tenant_json())
        want = expected_view(before, spec_dir, prune=world.prune)
        edits = inject(emu, faults)

        outcome = asyncio.run(apply_once(emu, time, state, spec_dir))

        event(f"first apply: {getattr(outcome, 'result', outcome) or 'nothing to do'}")
        theirs = their_contents(edits, before, want)
        now = AdminView.of(emu.tenant_json())
        where = assert_desired_or_before(now, before, want, theirs=theirs)
        if outcome == PLAN_FAILED:
            assert now == before  # nothing was written
        elif isinstance(outcome, Outcome):
            check(outcome, where)
            assert not list_unfinished(state)
            assert AuditLog(state.audit_path).verify().ok

        # The faults gone, a second apply converges to the specs over the tenant as it is.
        emu.faults.clear()
        now = AdminView.of(emu.tenant_json())
        second = asyncio.run(apply_once(emu, time, state, spec_dir))
        assert second is None or getattr(second, "result", None) == "applied", second
        final = AdminView.of(emu.tenant_json())
        assert final == expected_view(now, spec_dir, prune=world.prune)
        assert asyncio.run(apply_once(emu, time, state, spec_dir)) is None  # drift clean
        assert not list_unfinished(state)
        assert AuditLog(state.audit_path).verify().ok
