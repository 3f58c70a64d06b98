"""Request bodies: validated with the shared resource models, errors as contract `details`."""

from __future__ import annotations

import copy
from typing import Any

import pydantic

from reconciler.dialer_v1.bodies import (
    SERVER_MANAGED_FIELDS,
    Body,
    CampaignBody,
    SettingsBody,
    WebhookBody,
)

JsonDict = dict[str, Any]


class InvalidBody(ValueError):
    """A body broke the contract; `details` is the 400's list of {field, message}."""

    def __init__(self, details: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{d['field']}: {d['message']}" for d in details))
        self.details = details


def field_path(loc: tuple[int | str, ...]) -> str:
    """('dnc_lists', 0) -> 'dnc_lists[0]'; () -> 'body' (a rule about the whole body)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "body"


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "missing":
        return "required field is missing"
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ")


def details_of(exc: pydantic.ValidationError) -> list[dict[str, str]]:
    """Translate pydantic's errors into the contract's `details` entries."""
    return [{"field": field_path(tuple(e["loc"])), "message": _message(e)} for e in exc.errors()]


def strip_server_fields(data: JsonDict) -> JsonDict:
    """A write body without server-managed fields (the contract says they are ignored)."""
    return {k: v for k, v in data.items() if k not in SERVER_MANAGED_FIELDS}


def _validate(model: type[Body], data: Any) -> Body:
    if not isinstance(data, dict):
        raise InvalidBody([{"field": "body", "message": "the body must be a JSON object"}])
    try:
        return model.model_validate(strip_server_fields(data))
    except pydantic.ValidationError as exc:
        raise InvalidBody(details_of(exc)) from exc


def settings_body(data: Any) -> JsonDict:
    """The stored form of a settings write body (defaults filled in), or InvalidBody."""
    return _validate(SettingsBody, data).model_dump(mode="json", exclude_none=True)


def campaign_body(data: Any) -> JsonDict:
    """The stored form of a campaign write body, or InvalidBody."""
    return _validate(CampaignBody, data).model_dump(mode="json", exclude_none=True)


def webhook_body(data: Any) -> tuple[JsonDict, str | None]:
    """The stored form of a webhook body without its token, and the token if one was sent."""
    body = _validate(WebhookBody, data)
    assert isinstance(body, WebhookBody)
    token = body.auth.token.get_secret_value() if body.auth.token is not None else None
    stored = body.model_dump(mode="json", exclude_none=True)
    stored["auth"] = {"type": body.auth.type}
    return stored, token


def deep_merge(base: JsonDict, changes: JsonDict) -> JsonDict:
    """`base` with `changes` merged in: mappings recurse, None deletes, other values replace."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def leaves(data: JsonDict, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every leaf of a body by path; lists are leaves (a DNC list set changes as one)."""
    out: dict[tuple[str, ...], Any] = {}
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, dict):
            out.update(leaves(value, path))
        else:
            out[path] = value
    return out


def changed_paths(before: JsonDict, after: JsonDict) -> list[tuple[str, ...]]:
    """Leaf paths whose value differs between two bodies, sorted (deterministic)."""
    old, new = leaves(before), leaves(after)
    return sorted(p for p in set(old) | set(new) if old.get(p, _MISSING) != new.get(p, _MISSING))


_MISSING = object()


def with_leaf(body: JsonDict, path: tuple[str, ...], source: JsonDict) -> JsonDict:
    """`body` with the leaf at `path` taken from `source` (removed if `source` lacks it)."""
    result = copy.deepcopy(body)
    node_out: JsonDict = result
    node_in: Any = source
    for key in path[:-1]:
        node_out = node_out.setdefault(key, {})
        node_in = node_in.get(key, {}) if isinstance(node_in, dict) else {}
    last = path[-1]
    if isinstance(node_in, dict) and last in node_in:
        node_out[last] = copy.deepcopy(node_in[last])
    else:
        node_out.pop(last, None)
    return result
