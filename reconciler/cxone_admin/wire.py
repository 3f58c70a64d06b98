"""JSON <-> records for the CXone admin API, and how its errors read.

Answers become the models of `blocks.py` and `records.py` here and nowhere else. An answer
that is not JSON, or a known field of the wrong type, is a `ProtocolError` naming the
field (never its value). Error bodies come in two forms (which one a tenant uses is not documented):
`{"error": ..., "errorDescription": ...}` or a bare code such as `InvalidParameter`;
`CxoneDialect` reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError as PydanticValidationError

from reconciler.cxone_admin import shapes
from reconciler.cxone_admin.blocks import BLOCK_MODELS, Block, BlockName, block_model
from reconciler.cxone_admin.records import Record, SkillParameters
from reconciler.dialer_v1 import answers, errors
from reconciler.dialer_v1.retry import Call, CallKind

NOT_RENDERABLE = "No known way to render data"  # the API's answer to a request without Accept
_NOT_JSON_HINT = (
    "a proxy, gateway or login page may have answered instead of the CXone API: check"
    " CXONE_ISSUER_URL / CXONE_API_URL (or the Tenant's issuer_url / api_url), then run again"
)
_MAX_ECHO = 300

R = TypeVar("R", bound=Record)
JsonObject = dict[str, Any]


def decode(response: httpx.Response, method: str, path: str) -> Any:
    """The answer's JSON, or ProtocolError saying what came instead (never echoing a token
    answer or anything that looks like a credential)."""
    hint = _NOT_JSON_HINT
    if response.content.strip() == NOT_RENDERABLE.encode():
        hint = "the request lost its `Accept: application/json` header (a proxy?)"
    where = answers.Where(method, path, response.status_code)
    return answers.decode_json(response, where, not_json_hint=hint)


def decode_object(response: httpx.Response, method: str, path: str) -> JsonObject:
    """The answer's JSON object, or ProtocolError."""
    data = decode(response, method, path)
    if not isinstance(data, dict):
        raise errors.ProtocolError(
            "the answer is not a JSON object", method=method, path=path, status=response.status_code
        )
    return data


def _problems(exc: PydanticValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}"
        for e in exc.errors(include_input=False)
    )


def parse_block(name: BlockName, data: Any, where: str = "") -> Block:
    """One block in any GET shape -> its model, or ProtocolError naming the fields."""
    try:
        return block_model(name).from_server(data)
    except PydanticValidationError as exc:
        raise errors.ProtocolError(
            f"the server's {name}{where} cannot be read: {_problems(exc)}"
        ) from exc


def parse_record(model: type[R], data: Any, what: str) -> R:
    """A record -> its model, or ProtocolError naming the fields."""
    if not isinstance(data, Mapping):
        raise errors.ProtocolError(f"the server's {what} is not a JSON object")
    try:
        return model.from_server(data)
    except PydanticValidationError as exc:
        raise errors.ProtocolError(f"the server's {what} cannot be read: {_problems(exc)}") from exc


def items(data: Any, *keys: str) -> list[Any]:
    """The list under the first of `keys` present (any letter case), nested via `resultSet`."""
    if isinstance(data, Mapping):
        result = shapes.find_key(data, "resultSet")
        for key in keys:
            found = shapes.find_key(data, key)
            if found is not None:
                value = data[found]
                if not isinstance(value, list):
                    raise errors.ProtocolError(f"{key} is not a list")
                return value
        if result is not None:
            return items(data[result], *keys)
    raise errors.ProtocolError(f"the answer has no list under {' or '.join(keys)}")


def total_records(data: Mapping[str, Any]) -> int | None:
    """`totalRecords` as a number, whether sent as one or as a string (seen both ways)."""
    key = shapes.find_key(data, "totalRecords")
    raw = data.get(key) if key is not None else None
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise errors.ProtocolError("totalRecords is not a number")
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise errors.ProtocolError("totalRecords is not a number") from exc
    if value < 0:
        raise errors.ProtocolError("totalRecords is negative")
    return value


def next_link(data: Mapping[str, Any]) -> str | None:
    """`_links.next`, None on the last page."""
    key = shapes.find_key(data, "_links")
    links = data.get(key) if key is not None else None
    if not isinstance(links, Mapping):
        return None
    found = shapes.find_key(links, "next")
    value = links.get(found) if found is not None else None
    return value if isinstance(value, str) and value else None


def parse_parameters(data: Any) -> SkillParameters:
    """One skill of the aggregated `GET .../parameters` -> its blocks."""
    if not isinstance(data, Mapping):
        raise errors.ProtocolError("a skill's parameters are not a JSON object")
    number_key = shapes.find_key(data, "skillNo") or shapes.find_key(data, "skillId")
    name_key = shapes.find_key(data, "skillName")
    number = data.get(number_key) if number_key else None
    if not isinstance(number, int) or isinstance(number, bool):
        raise errors.ProtocolError("a skill's parameters have no skillNo")
    name = data.get(name_key) if name_key else None
    found: dict[BlockName, Block] = {}
    for block_name in BLOCK_MODELS:
        key = shapes.find_key(data, block_name)
        if key is not None and data[key] is not None:
            found[block_name] = parse_block(block_name, data[key], f" of skill {number}")
    return SkillParameters(number, name if isinstance(name, str) else "", found)


def unwrap_parameters(data: Any) -> Any:
    """GET /skills/{id}/parameters: the skill's object, or the one inside `{"skills": [...]}`."""
    if isinstance(data, Mapping) and shapes.find_key(data, "skillNo") is None:
        listed = items(data, "skills")
        if len(listed) != 1:
            raise errors.ProtocolError(f"expected one skill, the answer holds {len(listed)}")
        return listed[0]
    return data


def unwrap_skill(data: Any) -> Any:
    """GET /skills/{id}: the flat skill, or the one inside `{"skills": [...]}`."""
    if isinstance(data, Mapping) and shapes.find_key(data, "skillId") is None:
        listed = items(data, "skills")
        if len(listed) != 1:
            raise errors.ProtocolError(f"expected one skill, the answer holds {len(listed)}")
        return listed[0]
    return data


# --- errors -------------------------------------------------------------------------------


def error_text(response: httpx.Response) -> tuple[str, str]:
    """(code, description) of an error answer, whichever form its body takes."""
    try:
        data = response.json()
    except RecursionError:
        return "", ""
    except (ValueError, UnicodeDecodeError):
        bare = response.text.strip() if response.content else ""
        return answers.clip(bare, 80), ""
    if isinstance(data, str):
        return "", data[:_MAX_ECHO]
    if not isinstance(data, Mapping):
        return "", ""
    code = next((data[k] for k in data if k.casefold() == "error"), "")
    description = ""
    for name in ("errorDescription", "error_description", "message"):
        key = shapes.find_key(data, name)
        if key is not None and isinstance(data[key], str):
            description = data[key]
            break
    return (code if isinstance(code, str) else ""), description[:_MAX_ECHO]


class CxoneDialect:
    """How the CXone admin API words errors (see the module doc)."""

    def token_refused(self, response: httpx.Response) -> bool:
        """Any 401 to an API call: the token expired or was revoked; mint a new one once."""
        return True

    def error(
        self, response: httpx.Response, method: str, path: str, *, command: str
    ) -> errors.ApiError:
        """The typed error for a 4xx answer."""
        code, description = error_text(response)
        status = response.status_code
        said = description or code or str(status)
        where: dict[str, Any] = {"method": method, "path": path, "status": status}
        if status == 400 and "already exists" in said.casefold():
            return errors.NameConflictError(f"the server refused: {said}", **where)
        if status == 400:
            return errors.ValidationError(f"the server refused the request: {said}", **where)
        if status == 401:
            return errors.AuthError(f"the API refused the token: {said}", **where)
        if status == 403:
            return errors.ScopeError(
                f"the access key's user may not do this: {said}",
                required_scope="a security-profile permission",
                hint="grant the permission in the CXone security profile of the access key's user",
                **where,
            )
        if status == 404:
            return errors.NotFoundError(f"not found: {said}", **where)
        if status == 409:
            return errors.SkillStateError(
                f"the skill's run state refuses this: {said}",
                hint="stop the skill (or wait for it to stop) and try again",
                **where,
            )
        return errors.ProtocolError(f"unexpected answer: {said}", **where)

    def auth_error(self, call: Call, response: httpx.Response, refreshed: bool) -> errors.AuthError:
        """Credentials refused at the issuer, or a freshly minted token refused by the API."""
        code, _ = error_text(response)
        where: dict[str, Any] = {
            "method": call.method,
            "path": call.path,
            "status": response.status_code,
        }
        hint: str | None
        if call.kind is not CallKind.TOKEN:
            message = (
                "the API refused a freshly minted token"
                if refreshed
                else "the API refused the token"
            )
            hint = "the access key's user may lack API access to this business unit"
        else:
            message, hint = _ISSUER_REFUSALS.get(
                code,
                (f"the issuer refused the token request ({code or response.status_code})", None),
            )
        return errors.AuthError(message, hint=hint, **where)


# What the issuer's OAuth error codes mean here: (message, hint).
_ISSUER_REFUSALS: dict[str, tuple[str, str | None]] = {
    "invalid_client": (
        "the issuer refused the app's client id or secret (invalid_client)",
        "check the registered app's client id and secret the Tenant names",
    ),
    "invalid_grant": (
        "the issuer refused the access key (invalid_grant)",
        "check the access key id and secret the Tenant names, and that it is active",
    ),
}
