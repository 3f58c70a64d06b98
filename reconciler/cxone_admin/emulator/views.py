"""The shapes GETs answer, drawn from the stored PUT form (see `shapes.py` for why they
differ), and the skills listing with its top/skip paging."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from reconciler.cxone_admin import shapes
from reconciler.cxone_admin.blocks import BLOCK_MODELS
from reconciler.cxone_admin.emulator.answers import AdminProblem
from reconciler.cxone_admin.emulator.tenant import ZONES, SkillState, Tenant
from reconciler.dialer_v1.emulator.clock import iso, parse_iso

JsonDict = dict[str, Any]
DEFAULT_TOP = 50
# The aggregated GET spells these as the PUT does not.
_GET_SPELLING = {"xsScriptID": "xsScriptId", "xsCheckinScriptID": "xsCheckinScriptId"}
_EXCEPTION_GET_SPELLING = {"attempt_No": "attemptNo"}


def skill_json(state: SkillState) -> JsonDict:
    """A skill as GET /skills shows it."""
    return dict(state.record)


def single_block(tenant: Tenant, state: SkillState, name: str) -> Any:
    """A single-block GET: the flat block (time zones: in the shape a switch chooses)."""
    values = tenant.block_values(state, name)
    if name == ZONES:
        items = [shapes.zone_to_get(z, tenant.zone_description(z["standardName"])) for z in values]
        return {ZONES: items} if tenant.config.time_zones_get == "wrapped" else items
    return _get_spelling(name, values)


def parameters_json(tenant: Tenant, state: SkillState) -> JsonDict:
    """One skill in the aggregated shape of GET /skills/parameters."""
    data: JsonDict = {"skillName": state.name, "skillNo": state.id}
    for name in BLOCK_MODELS:
        values = tenant.block_values(state, name)
        if name == ZONES:
            data[name] = [
                shapes.zone_to_get(z, tenant.zone_description(z["standardName"])) for z in values
            ]
        elif name == "scheduleSettings":
            data[name] = shapes.schedule_to_get(values, tenant.config.schedule_day)
        else:
            data[name] = _get_spelling(name, values)
    data["callingLists"] = []
    return data


def _get_spelling(name: str, values: Mapping[str, Any]) -> JsonDict:
    renamed = {_GET_SPELLING.get(k, k): v for k, v in values.items()}
    if name == "cpaSettings" and isinstance(renamed.get("exceptions"), list):
        renamed["exceptions"] = [
            {_EXCEPTION_GET_SPELLING.get(k, k): v for k, v in item.items()}
            for item in renamed["exceptions"]
        ]
    return renamed


# --- listing ------------------------------------------------------------------------------


def _int_param(request: Request, name: str, default: int, low: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if value < low:
        raise AdminProblem(400, f"Invalid {name}")
    return value


def _matches(state: SkillState, request: Request) -> bool:
    query = request.query_params
    record = state.record
    checks: dict[str, Callable[[str], bool]] = {
        "isActive": lambda v: str(bool(record.get("isActive"))).lower() == v.lower(),
        "mediaTypeId": lambda v: str(record.get("mediaTypeId")) == v,
        "outboundStrategy": lambda v: (
            str(record.get("outboundStrategy") or "").lower() == v.lower()
        ),
        "searchString": lambda v: v.lower() in state.name.lower(),
        "updatedSince": lambda v: parse_iso(str(record["lastUpdateTime"])) >= _since(v),
    }
    return all(check(query[key]) for key, check in checks.items() if key in query)


def _since(text: str) -> float:
    try:
        return parse_iso(text)
    except ValueError as exc:
        raise AdminProblem(400, "Invalid updatedSince") from exc


def skills_page(tenant: Tenant, request: Request) -> JsonDict:
    """GET /skills: `{_links, businessUnitId, lastPollTime, totalRecords, skills}`."""
    config = tenant.config
    top = _int_param(request, "top", DEFAULT_TOP, 1)
    if config.top_cap is not None:
        top = min(top, config.top_cap)
    skip = _int_param(request, "skip", 0, 0)
    items = [s for _, s in sorted(tenant.skills.items()) if _matches(s, request)]
    if config.paging == "repeat":
        skip = 0  # a server that ignores skip: the same page forever
    page = items[skip : skip + top]
    more = config.paging == "repeat" or skip + top < len(items)
    links: JsonDict = {"self": _link(request, skip, top), "next": None, "previous": None}
    if more:
        links["next"] = _link(request, skip + top, top)
    if skip > 0:
        links["previous"] = _link(request, max(0, skip - top), top)
    data: JsonDict = {
        "_links": links,
        "businessUnitId": tenant.business_unit.get("businessUnitId"),
        "lastPollTime": iso(tenant.clock.now()),
        "skills": [skill_json(s) for s in page],
    }
    if config.total_records == "number":
        data["totalRecords"] = len(items)
    elif config.total_records == "string":
        data["totalRecords"] = str(len(items))
    return data


def _link(request: Request, skip: int, top: int) -> str:
    query = {k: v for k, v in request.query_params.items() if k not in ("skip", "top")}
    query |= {"top": str(top), "skip": str(skip)}
    return f"{request.url.scheme}://{request.url.netloc}{request.url.path}?{urlencode(query)}"
