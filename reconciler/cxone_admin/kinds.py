"""The CXone admin API's kinds: OutboundSkill (a Personal Connection skill) and DncGroup.

A skill is one resource written in parts: each parameter block is PUT whole (live merged
with desired) after re-reading it and checking its digest against the plan's (the API has
no versionTag), and the DNC groups that scrub it are links created and removed one by one.
A spec manages only the fields it writes: the live side is cut down to those before any
comparison (`project_skill`). Skills are neither created nor deleted here (a skill missing
from the tenant is reported); DNC groups are created, updated, never deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from reconciler import aio
from reconciler.cxone_admin.blocks import (
    SHARED_FIELDS,
    Block,
    BlockName,
    block_digest,
)
from reconciler.cxone_admin.bodies import (
    DNC_GROUPS,
    SPEC_BLOCKS,
    DncGroupBody,
    SkillBody,
    project_skill,
    skill_body,
    skill_json,
)
from reconciler.cxone_admin.defaults import DEFAULT_METRICS_SOURCE, MetricsSource
from reconciler.cxone_admin.exported import skill_spec
from reconciler.cxone_admin.metrics import guard_rows
from reconciler.cxone_admin.records import BusinessUnit, DncGroup
from reconciler.dialer_v1 import errors
from reconciler.errors import ReconcilerError

if TYPE_CHECKING:
    from reconciler.cxone_admin.client import CxoneAdminClient

from reconciler.kinds import (
    ApiDescriptor,
    ExportLayout,
    KindDescriptor,
    LiveResource,
    LiveState,
    MetricRow,
    ResourceAddress,
    WriteRequest,
    WriteResult,
    managed_fields,
)

API_NAME = "cxone-admin"
SKILL, DNC_GROUP = "OutboundSkill", "DncGroup"
SHARED_PARTNER: dict[BlockName, BlockName] = {
    "generalSettings": "retrySettings",
    "retrySettings": "generalSettings",
}


def _tag(parts: Mapping[str, str]) -> str:
    """A skill's tag: one digest over its blocks' digests (and its DNC links)."""
    text = json.dumps(dict(sorted(parts.items())), separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _links_part(groups: Sequence[str]) -> str:
    text = json.dumps(sorted(groups))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _skill_resource(
    skill_id: int,
    name: str,
    blocks: Mapping[BlockName, Block],
    groups: Sequence[str],
    running: bool,
) -> LiveResource:
    kept: dict[str, Block] = {n: b for n, b in blocks.items() if n in SPEC_BLOCKS}
    parts = {n: block_digest(b) for n, b in kept.items()}
    parts[DNC_GROUPS] = _links_part(groups)
    body = SkillBody(blocks=kept, dncGroups=tuple(sorted(groups)))
    flags = frozenset({"running"}) if running else frozenset()
    return LiveResource(
        ResourceAddress(SKILL, name), str(skill_id), _tag(parts), body, parts, flags
    )


# -- DNC groups ----------------------------------------------------------------------------
def _group_resource(group: DncGroup) -> LiveResource:
    body = DncGroupBody(
        dncGroupDescription=group.dncGroupDescription or "", isActive=group.isActive
    )
    tag = "sha256:" + hashlib.sha256(body.model_dump_json().encode("utf-8")).hexdigest()
    return LiveResource(
        ResourceAddress(DNC_GROUP, group.dncGroupName), str(group.dncGroupId), tag, body
    )


async def _links(api: CxoneAdminClient, groups: Sequence[DncGroup]) -> dict[int, list[str]]:
    """Skill id -> the names of the DNC groups scrubbing it (one read per group)."""
    scrubbed = await aio.gather(*(api.scrubbed_skills(g.dncGroupId) for g in groups))
    out: dict[int, list[str]] = {}
    for group, skills in zip(groups, scrubbed, strict=True):
        for s in skills:
            out.setdefault(s.skillId, []).append(group.dncGroupName)
    return out


async def _find_group(api: CxoneAdminClient, name: str, resource_id: str | None) -> DncGroup | None:
    for group in await api.list_dnc_groups():
        if group.dncGroupName == name or str(group.dncGroupId) == resource_id:
            return group
    return None


@dataclass(frozen=True)
class DncGroupOps:
    async def read(
        self, api: CxoneAdminClient, name: str, resource_id: str | None
    ) -> LiveResource | None:
        group = await _find_group(api, name, resource_id)
        return _group_resource(group) if group is not None else None

    async def write(
        self, api: CxoneAdminClient, request: WriteRequest, deadline: float
    ) -> WriteResult:
        assert request.action != "delete", "the API has no DELETE for a DNC group"
        body = DncGroupBody.model_validate(request.body or {})
        if request.action == "create":
            created = await api.create_dnc_group(
                request.address.name, body.dncGroupDescription or ""
            )
            if body.isActive is not None and created.isActive != body.isActive:
                created = await api.update_dnc_group(
                    created.dncGroupId, is_active=body.isActive, expected=created
                )
            return WriteResult(str(created.dncGroupId), _group_resource(created).version_tag)
        assert request.resource_id is not None
        group = await _find_group(api, request.address.name, request.resource_id)
        if group is None:
            raise errors.NotFoundError(f"DNC group {request.address.name} is gone")
        if (
            request.version_tag is not None
            and _group_resource(group).version_tag != request.version_tag
        ):
            raise errors.PreconditionFailedError(
                f"DNC group {request.address.name} changed since it was read",
                hint="someone edited it: plan again, review, apply",
            )
        updated = await api.update_dnc_group(
            group.dncGroupId,
            description=body.dncGroupDescription,
            is_active=body.isActive,
            expected=group,  # after a lost answer: unchanged -> repeated once
        )
        return WriteResult(request.resource_id, _group_resource(updated).version_tag)


# -- outbound skills -----------------------------------------------------------------------
@dataclass(frozen=True)
class SkillOps:
    async def read(
        self, api: CxoneAdminClient, name: str, resource_id: str | None
    ) -> LiveResource | None:
        skill_id = int(resource_id) if resource_id is not None else None
        if skill_id is None:
            found = [s async for s in api.iter_skills() if s.skillName == name]
            if not found:
                return None
            skill_id = found[0].skillId
        try:
            skill, params, groups = await aio.gather(
                api.get_skill(skill_id), api.skill_parameters(skill_id), api.list_dnc_groups()
            )
        except errors.NotFoundError:
            return None
        links = (await _links(api, groups)).get(skill_id, [])
        return _skill_resource(
            skill_id, skill.skillName, params.blocks, links, bool(skill.isRunning)
        )

    async def write(
        self, api: CxoneAdminClient, request: WriteRequest, deadline: float
    ) -> WriteResult:
        if request.action != "update" or request.resource_id is None:
            raise errors.ValidationError(
                f"{request.address}: the admin API cannot {request.action} a skill here",
                hint="create or remove the skill in the CXone admin console",
                landed="no",
            )
        skill_id = int(request.resource_id)
        desired = skill_body(request.body or {})
        written = _Landed()
        try:
            await _write_blocks(api, skill_id, desired.blocks, request.parts, written)
            if desired.dncGroups is not None:
                await _write_links(api, skill_id, desired.dncGroups, written, exact=request.exact)
        except ReconcilerError as exc:
            if written.parts and exc.landed == "no":
                # This part was refused, but earlier parts of the same skill landed: the
                # skill has changed and must be restored with the rest.
                exc.landed = "yes"
            raise
        after = await self.read(api, request.address.name, request.resource_id)
        return WriteResult(request.resource_id, after.version_tag if after else None)


@dataclass
class _Landed:
    """How many parts (block PUTs, link writes) of one skill's write have landed."""

    parts: int = 0


async def _write_blocks(
    api: CxoneAdminClient,
    skill_id: int,
    desired: Mapping[str, Block],
    planned: Mapping[str, str],
    written: _Landed,
) -> None:
    """Each desired block in turn: re-read the skill's blocks just before its PUT, refuse if
    any block still to be written moved, PUT live merged with desired.

    A block must hold the digest the plan read (`planned`), until our own PUT of its partner
    block moves the fields the two share: then the digest that PUT leaves it.
    """
    names = [n for n in SPEC_BLOCKS if n in desired]
    expected = dict(planned)
    for i, name in enumerate(names):
        current = (await api.skill_parameters(skill_id)).blocks
        for later in names[i:]:
            _refuse_if_moved(skill_id, later, current, expected, first_read=i == 0)
        send = current[name].overlay(desired[name])
        if block_digest(send) != expected[name]:
            await api.put_block(skill_id, send, expected_digest=expected[name])
            written.parts += 1
        partner = SHARED_PARTNER.get(name)
        if partner is not None and partner in current:
            # One setting shown in two blocks: our write moved the partner's copy too.
            shared = {k: v for k, v in send.to_put_json().items() if k in SHARED_FIELDS}
            moved = current[partner].overlay(type(current[partner]).from_server(shared))
            expected[partner] = block_digest(moved)


def _refuse_if_moved(
    skill_id: int,
    name: BlockName,
    current: Mapping[BlockName, Block],
    expected: dict[str, str],
    *,
    first_read: bool,
) -> None:
    """Raise unless block `name` is there and holds its expected digest (a block the plan
    did not read is expected as the first read finds it)."""
    if name not in current:
        raise errors.ProtocolError(
            f"skill {skill_id}'s parameters show no {name}",
            hint="run `reconciler doctor` to see what this tenant's API version shows",
        )
    digest = block_digest(current[name])
    want = expected.setdefault(name, digest) if first_read else expected[name]
    if digest != want:
        since = "since the plan read it" if first_read else "while this apply ran"
        raise errors.BlockChangedError(
            f"skill {skill_id}'s {name} changed {since}",
            expected_digest=want,
            current_digest=digest,
            hint="someone edited the skill: plan again, review, apply",
        )


async def _write_links(
    api: CxoneAdminClient,
    skill_id: int,
    wanted: Sequence[str],
    written: _Landed,
    *,
    exact: bool,
) -> None:
    """Link the skill to every wanted DNC group; with `exact`, unlink the others."""
    groups = {g.dncGroupName: g for g in await api.list_dnc_groups()}
    missing = [name for name in wanted if name not in groups]
    if missing:
        raise errors.ValidationError(
            f"no DNC group named {', '.join(missing)} in the tenant",
            hint="declare it as a DncGroup document, or fix the name",
            landed="no",
        )
    links = (await _links(api, list(groups.values()))).get(skill_id, [])
    for name in sorted(set(wanted) - set(links)):
        await api.link_scrubbed_skill(groups[name].dncGroupId, skill_id)
        written.parts += 1
    if exact:
        for name in sorted(set(links) - set(wanted)):
            await api.unlink_scrubbed_skill(groups[name].dncGroupId, skill_id)
            written.parts += 1


# -- the API -------------------------------------------------------------------------------
async def observe(api: CxoneAdminClient) -> LiveState:
    """The business unit, every PC skill with its blocks (one aggregated read) and DNC links,
    every DNC group: all reads concurrently, never one read per block."""

    async def skills() -> list[Any]:
        return [s async for s in api.iter_skills()]

    async def groups_and_links() -> tuple[list[DncGroup], dict[int, list[str]]]:
        # The scrubbed-skills reads start as soon as the group list is in, beside the pages.
        groups = await api.list_dnc_groups()
        return groups, await _links(api, groups)

    unit, listed, params, (groups, links) = await aio.gather(
        api.business_unit(), skills(), api.all_parameters(), groups_and_links()
    )
    resources: list[LiveResource] = []
    for skill in listed:
        blocks = params[skill.skillId].blocks if skill.skillId in params else {}
        resources.append(
            _skill_resource(
                skill.skillId,
                skill.skillName,
                blocks,
                links.get(skill.skillId, []),
                bool(skill.isRunning),
            )
        )
    resources += [_group_resource(g) for g in groups]
    return LiveState(
        API_NAME,
        (DNC_GROUP, SKILL),
        {r.address: r for r in resources},
        facts={"business_unit": unit},
    )


def metrics_reader(
    source: MetricsSource,
) -> Callable[[CxoneAdminClient, str, Sequence[str]], Awaitable[list[MetricRow]]]:
    """The guard's reader of a skill's recent metrics from `source` (the Tenant's
    `metrics_source`; cxone_admin/metrics.py says what each source reports)."""

    async def read_metrics(
        api: CxoneAdminClient, resource_id: str, metrics: Sequence[str]
    ) -> list[MetricRow]:
        return await guard_rows(api, resource_id, metrics, source)

    return read_metrics


def business_unit_of(live: LiveState) -> BusinessUnit | None:
    """The business unit an observation read (None for another API)."""
    unit = live.facts.get("business_unit")
    return unit if isinstance(unit, BusinessUnit) else None


CXONE_ADMIN: ApiDescriptor[CxoneAdminClient] = ApiDescriptor(
    name=API_NAME,
    kinds=(
        KindDescriptor(
            name=DNC_GROUP,
            api=API_NAME,
            order=0,  # before the skills that link to them
            body_model=DncGroupBody,
            ops=DncGroupOps(),
            export=ExportLayout("dnc-groups", "dnc-group"),
            deletable=False,
            project=managed_fields,
        ),
        KindDescriptor(
            name=SKILL,
            api=API_NAME,
            order=1,
            body_model=SkillBody,
            ops=SkillOps(),
            export=ExportLayout("skills", "outbound-skill", spec=skill_spec),
            creatable=False,
            deletable=False,
            noun="skill",
            unordered_lists=(DNC_GROUPS, "timeZoneSettings"),
            predicted=True,
            parse=skill_body,
            dump=skill_json,
            project=project_skill,
        ),
    ),
    observe=observe,
    read_metrics=metrics_reader(DEFAULT_METRICS_SOURCE),
)


def cxone_admin_api(metrics_source: MetricsSource) -> ApiDescriptor[CxoneAdminClient]:
    """The API with the guard reading metrics from `metrics_source`."""
    return replace(CXONE_ADMIN, read_metrics=metrics_reader(metrics_source))
