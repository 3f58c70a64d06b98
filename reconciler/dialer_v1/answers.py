"""Every answer is input: decode it safely and locate every breach of the contract.

A 200 is not yet an answer. A proxy or login portal answers HTML, a real CXone tenant
answers the text "No known way to render data" to a request without `Accept`, a dropped
connection behind a gateway leaves JSON cut short, a buggy server sends `null`. Each of
those becomes a `ProtocolError` that names what was asked (method, path, status), the
resource (kind and name, else id, else its place on the page), the field and what was wrong,
with a hint.

What is echoed: names and ids of resources (they identify, they are not secret), cut short.
Never a JSON body or a field's value (a webhook answer may carry a token, a token answer
always does); of a non-JSON body only a short first line or HTML title, and only when it
does not look like it carries a credential and did not come from the token endpoint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import httpx

from reconciler.dialer_v1 import errors

JsonObject = dict[str, Any]

CONTRACT_HINT = (
    "the API answered outside its contract, so the answer was not used; run the command"
    " again, and if it persists report the answer to whoever runs the API"
)
_NOT_JSON_HINT = (
    "a proxy, gateway or login page may have answered instead of the dialer API: check the"
    " base URL (CXONE_BASE_URL or the Tenant's base_url), then run the command again"
)
_CUT_SHORT_HINT = (
    "the answer was cut short on its way (a proxy or a dropped connection); run the command again"
)
ECHO_LIMIT = 60  # characters of a name, id, token or text shown in a message
_SECRET_WORDS = re.compile(r"token|secret|passw|bearer|auth|key|cookie|session", re.IGNORECASE)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_NO_ECHO_PATHS = ("/oauth/token", "/auth/token")  # dialer-v1's and the CXone admin issuer's


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text` on one line, without control characters, at most `limit` characters."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def json_type(value: object) -> str:
    """How a JSON value is named in messages ('null', 'a number', 'a list'...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


class Where(NamedTuple):
    """Where a JSON value came from: the request, and which resource on which page.

    A NamedTuple rather than a frozen dataclass: one is made for every listed item, and a
    NamedTuple is about four times cheaper to make than `dataclasses.replace` (timeit).
    """

    method: str
    path: str
    status: int | None = None
    kind: str = "answer"  # "campaign", "webhook", "dialer settings", "operation"...
    listing: str = ""  # the page's key ("campaigns") for an item of a list
    page: int | None = None  # 1-based, for an item of a list
    position: int | None = None  # 0-based index in the page's list
    id_key: str = "id"

    def of(self, kind: str, *, id_key: str = "id") -> Where:
        """The same request, about a resource of `kind`."""
        if kind == self.kind and id_key == self.id_key:
            return self
        return self._replace(kind=kind, id_key=id_key)

    def item(self, position: int) -> Where:
        """Item `position` of this page."""
        return Where(
            self.method,
            self.path,
            self.status,
            self.kind,
            self.listing,
            self.page,
            position,
            self.id_key,
        )

    def resource(self, data: object = None) -> str:
        """The resource named as well as the data allows: name, else id, else position."""
        name = _label(data, "name")
        ident = _label(data, self.id_key)
        if name is not None:
            return f"{self.kind} {name}" + (f" ({self.id_key} {ident})" if ident else "")
        if ident is not None:
            return f"{self.kind} {self.id_key} {ident}"
        if self.position is not None:
            return f"{self.listing}[{self.position}] on page {self.page}"
        if self.page is not None:
            return f"page {self.page} of the {self.listing} list"
        return f"the {self.kind}"

    def error(
        self,
        problem: str,
        *,
        data: object = None,
        field: str = "",
        hint: str = CONTRACT_HINT,
    ) -> errors.ProtocolError:
        """A ProtocolError naming the request, the resource, the field and the problem."""
        resource = self.resource(data)
        # "the answer is text, not JSON"; "campaign 'X': versionTag is missing"
        joined = f"{resource} {problem}" if problem.startswith("is ") else f"{resource}: {problem}"
        return errors.ProtocolError(
            joined,
            resource=resource,
            field=field,
            hint=hint,
            method=self.method,
            path=self.path,
            status=self.status,
        )


def _label(data: object, key: str) -> str | None:
    if not isinstance(data, Mapping):
        return None
    value = data.get(key)
    if isinstance(value, str) and value.strip():
        return repr(clip(value))
    return None


def required_str(data: Mapping[str, Any], key: str, where: Where) -> str:
    """`data[key]` as a non-empty string, or a located ProtocolError."""
    value = data.get(key)
    if isinstance(value, str) and value:
        return value
    if key not in data:
        problem = f"{key} is missing"
    else:
        problem = f"{key} is {json_type(value)}" + ("" if value == "" else ", not a string")
    raise where.error(problem, data=data, field=key)


# --- decoding -----------------------------------------------------------------------------


def decode_object(response: httpx.Response, method: str, path: str) -> JsonObject:
    """The answer's JSON object, or a ProtocolError saying what came instead."""
    where = Where(method, path, response.status_code)
    data = decode_json(response, where)
    if not isinstance(data, dict):
        raise where.error(f"is {json_type(data)}, not a JSON object")
    return data


def decode_json(
    response: httpx.Response, where: Where, *, not_json_hint: str = _NOT_JSON_HINT
) -> object:
    """The answer's JSON value, or a ProtocolError describing the body without echoing it;
    `not_json_hint` says what to check when something else answered."""
    content = response.content
    if not content.strip():
        raise where.error("is empty, not JSON", hint=not_json_hint)
    try:
        return json.loads(content)
    except RecursionError as exc:
        raise where.error("is JSON nested too deeply to read") from exc
    except UnicodeDecodeError as exc:
        raise where.error(f"is not UTF-8 text ({_shape(response)})", hint=not_json_hint) from exc
    except json.JSONDecodeError as exc:
        raise _not_json(response, where, exc, not_json_hint) from exc


def _not_json(
    response: httpx.Response, where: Where, exc: json.JSONDecodeError, hint: str
) -> errors.ProtocolError:
    content = response.content
    stripped = content.lstrip()
    if stripped[:1] in (b"{", b"["):
        # JSON that does not parse: cut short, or broken. Never echoed (it may hold a token).
        if exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated string"):
            problem = f"is JSON cut short ({_shape(response)})"
            return where.error(problem, hint=_CUT_SHORT_HINT)
        problem = f"is malformed JSON (at character {exc.pos}; {_shape(response)})"
        return where.error(problem)
    ctype = response.headers.get("content-type", "").lower()
    is_html = "html" in ctype or stripped[:1] == b"<"
    what = "an HTML page" if is_html else "text"
    shown = _echo(response, where, is_html)
    return where.error(f"is {what} ({_shape(response)}), not JSON{shown}", hint=hint)


def _shape(response: httpx.Response) -> str:
    ctype = clip(response.headers.get("content-type", "") or "no content type", 40)
    return f"{ctype}, {len(response.content)} bytes"


def _echo(response: httpx.Response, where: Where, is_html: bool) -> str:
    """': "first line"' of a text answer (an HTML page's title), when it is safe to show."""
    if where.path.startswith(_NO_ECHO_PATHS):
        return ""
    content = response.content
    if is_html:
        found = _TITLE.search(content[:65536])
        raw = found.group(1) if found else b""
    else:
        raw = content.strip()[:1024].splitlines()[0] if content.strip() else b""
    text = clip(raw.decode("utf-8", "replace"))
    if not text or _SECRET_WORDS.search(text):
        return ""
    return f": {text!r}"
