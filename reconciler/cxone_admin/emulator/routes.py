"""The admin API's endpoints under `/inContactAPI/services/v{NN}.0/` as Starlette routes.

Every API call goes through `_api`: version (404), bearer token (401), rate limit (429),
then the handler; a 2xx answer to a request without `Accept: application/json` is
replaced by the text the real API sends (the request was still handled, as content
negotiation happens after the action runs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from reconciler.cxone_admin.blocks import BLOCK_MODELS
from reconciler.cxone_admin.emulator import metrics, views
from reconciler.cxone_admin.emulator.answers import (
    AdminProblem,
    accepts_json,
    no_content,
    not_renderable,
    ok,
    problem_response,
)
from reconciler.cxone_admin.emulator.tenant import WRITE_ONLY, SkillState
from reconciler.cxone_admin.records import VOICE_MEDIA_TYPE

if TYPE_CHECKING:
    from reconciler.cxone_admin.emulator.core import AdminEmulator

JsonDict = dict[str, Any]
PREFIX = "/inContactAPI/services/{version}"
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})
_VERSION = re.compile(r"^v(\d+)\.0$")
_SEGMENTS = {model.PATH: name for name, model in BLOCK_MODELS.items()}


@dataclass(frozen=True)
class Call:
    """One authorised API request."""

    request: Request
    emu: AdminEmulator

    def param(self, name: str) -> str:
        """A path parameter."""
        return str(self.request.path_params[name])

    def query(self, name: str) -> str | None:
        """A query parameter (None when absent)."""
        return self.request.query_params.get(name)

    async def json(self) -> Any:
        """The body as JSON (None when empty), or 400."""
        raw = await self.request.body()
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise AdminProblem(400, "Invalid parameter, the body is not JSON") from exc


Handler = Callable[[Call], Awaitable[Response]]


def _api(emu: AdminEmulator, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        headers: dict[str, str] = {}
        try:
            match = _VERSION.match(str(request.path_params.get("version", "")))
            if match is None or int(match.group(1)) not in emu.config.versions:
                raise AdminProblem(404, "Not Found")
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not emu.issuer.check(token.strip()):
                raise AdminProblem(401, "Invalid or expired token")
            emu.take_rate(request.method in WRITE_METHODS, headers)
            emu.tenant.tick()
            response = await handler(Call(request, emu))
        except AdminProblem as problem:
            response = problem_response(problem, emu.config.error_body)
        renders = 200 <= response.status_code < 300 and response.status_code != 204
        if renders and not accepts_json(request):
            response = not_renderable()
        response.headers.update(headers)
        return response

    return endpoint


# --- general ------------------------------------------------------------------------------


async def api_versions(call: Call) -> Response:
    """GET /apiversion."""
    newest = f"{max(call.emu.config.versions)}.0"
    listed = [{"uri": path, "version": newest, "verb": verb} for path, _, verb in ROUTE_TABLE]
    return ok({"apiInfo": listed})


async def business_unit(call: Call) -> Response:
    """GET /business-unit."""
    with call.emu.tenant.lock:
        return ok({"businessUnits": [dict(call.emu.tenant.business_unit)]})


# --- skills -------------------------------------------------------------------------------


async def list_skills(call: Call) -> Response:
    """GET /skills?top=&skip=&... (paged)."""
    with call.emu.tenant.lock:
        return ok(views.skills_page(call.emu.tenant, call.request))


async def get_skill(call: Call) -> Response:
    """GET /skills/{id}: flat, or wrapped in `{"skills": [...]}` (a switch)."""
    with call.emu.tenant.lock:
        skill = views.skill_json(call.emu.tenant.skill(call.param("skill_id")))
    return ok({"skills": [skill]} if call.emu.config.skill_get == "wrapped" else skill)


async def put_skill(call: Call) -> Response:
    """PUT /skills/{id} `{"skill": {...}}`: 409 while running."""
    body = await call.json()
    with call.emu.tenant.lock:
        return ok(call.emu.tenant.update_skill(call.param("skill_id"), body))


async def start_skill(call: Call) -> Response:
    """POST /skills/{id}/start -> 202."""
    with call.emu.tenant.lock:
        call.emu.tenant.start(call.param("skill_id"))
    return Response(status_code=202)


async def stop_skill(call: Call) -> Response:
    """POST /skills/{id}/stop?force= -> 202."""
    with call.emu.tenant.lock:
        call.emu.tenant.stop(call.param("skill_id"), call.query("force"))
    return Response(status_code=202)


# --- parameters ---------------------------------------------------------------------------


async def all_parameters(call: Call) -> Response:
    """GET /skills/parameters: every PC skill's blocks, aggregated shape."""
    tenant = call.emu.tenant
    with tenant.lock:
        skills = [
            views.parameters_json(tenant, s) for _, s in sorted(tenant.skills.items()) if s.is_pc
        ]
    return ok({"skills": skills})


async def skill_parameters(call: Call) -> Response:
    """GET /skills/{id}/parameters: one PC skill's blocks, aggregated shape.

    A read of every block of the skill: edits waiting for our next read of one fire after it
    (the reads a write path makes; the tenant-wide listing a plan reads does not count)."""
    tenant = call.emu.tenant
    with tenant.lock:
        state = tenant.pc_skill(call.param("skill_id"))
        answer = views.parameters_json(tenant, state)
        for name in BLOCK_MODELS:
            tenant.fire(state, name, "read")
    return ok(answer)


def _block_target(call: Call) -> tuple[SkillState, str]:
    segment = call.param("segment")
    if segment not in _SEGMENTS and segment not in WRITE_ONLY:
        raise AdminProblem(404, "Not Found")
    return call.emu.tenant.pc_skill(call.param("skill_id"), segment=segment), segment


async def get_block(call: Call) -> Response:
    """GET /skills/{id}/parameters/{block}: the flat block."""
    tenant = call.emu.tenant
    with tenant.lock:
        state, segment = _block_target(call)
        if segment in WRITE_ONLY:
            raise AdminProblem(405, "The requested resource does not support http method 'GET'.")
        name = _SEGMENTS[segment]
        answer = views.single_block(tenant, state, name)
        tenant.fire(state, name, "read")
    return ok(answer)


async def put_block(call: Call) -> Response:
    """PUT /skills/{id}/parameters/{block} `{"<block>": ...}`: 200, in effect at once."""
    body = await call.json()
    tenant = call.emu.tenant
    with tenant.lock:
        state, segment = _block_target(call)
        if segment in WRITE_ONLY:
            tenant.put_write_only(state, segment, body)
        else:
            tenant.put_block(state, _SEGMENTS[segment], body)
            tenant.fire(state, _SEGMENTS[segment], "write")
    if call.emu.config.put_answer == "object":
        return ok({})
    return Response(status_code=200)


# --- DNC groups ---------------------------------------------------------------------------


def _field(call: Call, body: Any, name: str) -> Any:
    """A DNC field from the query string (the documented form) or a JSON body (newer)."""
    value = call.query(name)
    if value is None and isinstance(body, dict):
        value = body.get(name)
    return value


async def list_groups(call: Call) -> Response:
    """GET /dnc-groups: 204 when there are none."""
    with call.emu.tenant.lock:
        groups = call.emu.tenant.dnc.listing()
    if not groups:
        return no_content()
    return ok({"resultSet": {"totalGroups": len(groups), "dncGroups": groups}})


async def get_group(call: Call) -> Response:
    """GET /dnc-groups/{id}."""
    with call.emu.tenant.lock:
        group = dict(call.emu.tenant.dnc.group(call.param("group_id")))
    return ok({"resultSet": {"dncGroups": [group]}})


async def create_group(call: Call) -> Response:
    """POST /dnc-groups?dncGroupName=&dncGroupDescription= (or a JSON body)."""
    body = await call.json()
    with call.emu.tenant.lock:
        group = call.emu.tenant.dnc.create(
            _field(call, body, "dncGroupName"), _field(call, body, "dncGroupDescription")
        )
    return ok({"dncGroups": [group]})


async def update_group(call: Call) -> Response:
    """PUT /dnc-groups/{id}?dncGroupName=&dncGroupDescription=&isActive=."""
    body = await call.json()
    with call.emu.tenant.lock:
        group = call.emu.tenant.dnc.update(
            call.param("group_id"),
            _field(call, body, "dncGroupName"),
            _field(call, body, "dncGroupDescription"),
            _field(call, body, "isActive"),
        )
    return ok({"dncGroups": [group]})


async def scrubbed_skills(call: Call) -> Response:
    """GET /dnc-groups/{id}/scrubbed-skills: 204 when there are none."""
    with call.emu.tenant.lock:
        skills = call.emu.tenant.dnc.scrubbed(call.param("group_id"))
    if not skills:
        return no_content()
    return ok(
        {
            "totalRecords": len(skills),
            "_links": {"self": str(call.request.url)},
            "scrubbedSkills": skills,
        }
    )


async def link_skill(call: Call) -> Response:
    """POST /dnc-groups/{id}/scrubbed-skills/{skillId}."""
    with call.emu.tenant.lock:
        call.emu.tenant.dnc.link(call.param("group_id"), call.param("skill_id"))
    return Response(status_code=200)


async def unlink_skill(call: Call) -> Response:
    """DELETE /dnc-groups/{id}/scrubbed-skills/{skillId}."""
    with call.emu.tenant.lock:
        call.emu.tenant.dnc.unlink(call.param("group_id"), call.param("skill_id"))
    return Response(status_code=200)


# --- metrics ------------------------------------------------------------------------------


async def skill_summary(call: Call) -> Response:
    """GET /skills/{id}/summary?startDate=&endDate= (at most 30 days)."""
    query = call.request.query_params
    start, end = metrics.time_range(query, metrics.MAX_SUMMARY_DAYS)
    tenant = call.emu.tenant
    with tenant.lock:
        state = tenant.skill(call.param("skill_id"))
        row = metrics.skill_summary(
            state.record,
            start,
            end,
            seed=call.emu.config.seed,
            unit=tenant.business_unit,
            overrides=tenant.metric_overrides.get(state.id, {}),
        )
    return ok({"skillSummaries": [row]})


async def dialer_contacts(call: Call) -> Response:
    """GET /wfm-data/skills/dialer-contacts?startDate=&endDate=&mediaTypeId=."""
    query = call.request.query_params
    start, end = metrics.time_range(query, metrics.MAX_WFM_DAYS)
    media = query.get("mediaTypeId")
    if media is None or not media.isdigit():
        raise AdminProblem(400, "Invalid mediaTypeId")
    tenant = call.emu.tenant
    with tenant.lock:
        skills = [
            (s.id, s.name)
            for _, s in sorted(tenant.skills.items())
            if s.is_pc and int(media) == VOICE_MEDIA_TYPE
        ]
        rows = metrics.dialer_contact_rows(
            skills,
            start,
            end,
            seed=call.emu.config.seed,
            unit=tenant.business_unit,
            overrides=tenant.metric_overrides,
        )
    return ok({"wfM_OB_StatsV9": rows})


ROUTE_TABLE: tuple[tuple[str, Handler, str], ...] = (
    ("/apiversion", api_versions, "GET"),
    ("/business-unit", business_unit, "GET"),
    ("/skills", list_skills, "GET"),
    ("/skills/parameters", all_parameters, "GET"),
    ("/skills/{skill_id}", get_skill, "GET"),
    ("/skills/{skill_id}", put_skill, "PUT"),
    ("/skills/{skill_id}/parameters", skill_parameters, "GET"),
    ("/skills/{skill_id}/parameters/{segment}", get_block, "GET"),
    ("/skills/{skill_id}/parameters/{segment}", put_block, "PUT"),
    ("/skills/{skill_id}/start", start_skill, "POST"),
    ("/skills/{skill_id}/stop", stop_skill, "POST"),
    ("/skills/{skill_id}/summary", skill_summary, "GET"),
    ("/dnc-groups", list_groups, "GET"),
    ("/dnc-groups", create_group, "POST"),
    ("/dnc-groups/{group_id}", get_group, "GET"),
    ("/dnc-groups/{group_id}", update_group, "PUT"),
    ("/dnc-groups/{group_id}/scrubbed-skills", scrubbed_skills, "GET"),
    ("/dnc-groups/{group_id}/scrubbed-skills/{skill_id}", link_skill, "POST"),
    ("/dnc-groups/{group_id}/scrubbed-skills/{skill_id}", unlink_skill, "DELETE"),
    ("/wfm-data/skills/dialer-contacts", dialer_contacts, "GET"),
)


def api_routes(emu: AdminEmulator) -> list[BaseRoute]:
    """Every API route, bound to one emulator."""
    by_path: dict[str, dict[str, Handler]] = {}
    for path, handler, method in ROUTE_TABLE:
        by_path.setdefault(path, {})[method] = handler
    return [
        Route(PREFIX + path, _api(emu, _dispatch(handlers)), methods=list(handlers))
        for path, handlers in by_path.items()
    ]


def _dispatch(handlers: dict[str, Handler]) -> Handler:
    async def handle(call: Call) -> Response:
        return await handlers[call.request.method](call)

    return handle
