"""Scripted faults: injected HTTP errors, dropped connections, latency, rewritten answers
(a body replaced, a page token repeated), failing operations.

Request faults know nothing of this emulator's routes or tokens (method, path prefix, query,
status and body only), so another emulator can mount the same middleware.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs

FaultKind = Literal["http_error", "drop_connection", "latency", "replace_body", "page_token"]
TokenMode = Literal["repeat", "restart"]
_ANSWER_REPLACED = ("http_error", "drop_connection")
_REWRITES = ("replace_body", "page_token")


@dataclass
class RequestFault:
    """A rule matched against each request; `remaining` None means until cleared."""

    kind: FaultKind
    method: str | None
    path: str | None
    remaining: int | None
    status: int = 0
    retry_after: int | None = None
    after_handling: bool = False
    seconds: float = 0.0
    body: bytes = field(default=b"", repr=False)
    content_type: str = ""
    token_mode: TokenMode = "repeat"
    token_field: str = "nextPageToken"
    token_param: str = "pageToken"
    first_token: str | None = None  # "restart": the token the listing's first page handed out

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to `method path` (path is a prefix match)."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or path.startswith(self.path)

    def rewrite(self, query: str, status: int, content_type: str, body: bytes) -> Answer:
        """The answer after this rule: a replaced body, or a page token repeated."""
        if self.kind == "replace_body":
            return Answer(self.status or status, self.content_type, self.body)
        return Answer(status, content_type, self._page_token(query, body))

    def _page_token(self, query: str, body: bytes) -> bytes:
        """The page answer with its next-page token pointing back at a page already served.

        "repeat": the token this request was made with (page n+1 is page n again, forever);
        "restart": on the last page, the token the first page handed out (a cycle).
        """
        try:
            data: Any = json.loads(body)
        except ValueError:
            return body
        if not isinstance(data, dict):
            return body
        asked = parse_qs(query).get(self.token_param, [None])[0]
        served = data.get(self.token_field)
        if self.first_token is None and asked is None and isinstance(served, str):
            self.first_token = served
        if self.token_mode == "repeat" and asked is not None:
            data[self.token_field] = asked
        elif self.token_mode == "restart" and served is None and asked is not None:
            data[self.token_field] = self.first_token or asked
        else:
            return body
        return json.dumps(data).encode()


@dataclass(frozen=True)
class Answer:
    """An answer's status, content type and body, as a rewrite rule leaves them."""

    status: int
    content_type: str
    body: bytes


@dataclass
class OperationFault:
    """A rule matched against each new activation."""

    fate: Literal["fail", "fail_partial", "hang"]
    name: str | None
    resource_type: str | None
    remaining: int


@dataclass(frozen=True)
class RequestFaults:
    """What to do to one request: delay it, answer an error, drop it, or rewrite its answer."""

    delay: float = 0.0
    error: RequestFault | None = None
    drop: RequestFault | None = None
    rewrite: RequestFault | None = None


class Faults:
    """The fault-injection API (`emu.faults`); thread-safe, used by tests and control routes."""

    def __init__(self, on_expire_tokens: Callable[[], None], on_clear: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._request_rules: list[RequestFault] = []
        self._operation_rules: list[OperationFault] = []
        self._on_expire_tokens = on_expire_tokens
        self._on_clear = on_clear

    def http_error(
        self,
        status: int,
        *,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """The next `count` matching requests answer `status` without being handled."""
        if not 400 <= status <= 599:
            raise ValueError("an injected error status is 4xx or 5xx")
        _positive(count)
        rule = RequestFault("http_error", method, path, count, status, retry_after)
        with self._lock:
            self._request_rules.append(rule)

    def drop_connection(
        self,
        *,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
        after_handling: bool = False,
    ) -> None:
        """The next `count` matching requests get no answer (after being handled if asked)."""
        _positive(count)
        rule = RequestFault("drop_connection", method, path, count, after_handling=after_handling)
        with self._lock:
            self._request_rules.append(rule)

    def latency(
        self, seconds: float, *, method: str | None = None, path: str | None = None
    ) -> None:
        """Every matching request is delayed by `seconds` (real time) until cleared."""
        if seconds < 0:
            raise ValueError("latency must be >= 0 seconds")
        with self._lock:
            self._request_rules.append(RequestFault("latency", method, path, None, seconds=seconds))

    def replace_body(
        self,
        body: str | bytes = b"",
        *,
        content_type: str = "application/json",
        status: int | None = None,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
        body_base64: str | None = None,
    ) -> None:
        """The next `count` matching requests are handled, and their answer's body replaced.

        `body` (text is sent as UTF-8; or raw bytes as `body_base64`) with `content_type`,
        and `status` if given (else the real one): an HTML page, "No known way to render
        data", JSON cut short, `null`, a page whose items lack fields...
        """
        if status is not None and not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status (100-599)")
        if not content_type.isascii() or not content_type.isprintable():
            raise ValueError("content_type must be printable ASCII")
        _positive(count)
        raw = _raw_body(body, body_base64)
        rule = RequestFault(
            "replace_body", method, path, count, status or 0, body=raw, content_type=content_type
        )
        with self._lock:
            self._request_rules.append(rule)

    def page_token(
        self,
        *,
        mode: TokenMode = "repeat",
        count: int | None = None,
        method: str | None = "GET",
        path: str | None = None,
        token_field: str = "nextPageToken",
        token_param: str = "pageToken",
    ) -> None:
        """Matching list answers get a next-page token that leads back to a page served.

        `repeat`: a page fetched with token T answers T again (the listing never ends);
        `restart`: the last page answers the first page's token (pages cycle). Until cleared
        unless `count` is given; `token_field`/`token_param` name the answer's key and the
        query parameter of other APIs.
        """
        if mode not in ("repeat", "restart"):
            raise ValueError("mode is 'repeat' or 'restart'")
        if count is not None:
            _positive(count)
        rule = RequestFault(
            "page_token",
            method,
            path,
            count,
            token_mode=mode,
            token_field=token_field,
            token_param=token_param,
        )
        with self._lock:
            self._request_rules.append(rule)

    def fail_operation(
        self,
        *,
        name: str | None = None,
        resource_type: str | None = None,
        partially_applied: bool = False,
        count: int = 1,
    ) -> None:
        """The next `count` matching activations end FAILED (partially applied if asked)."""
        _positive(count)
        _check_type(resource_type)
        fate: Literal["fail", "fail_partial"] = "fail_partial" if partially_applied else "fail"
        with self._lock:
            self._operation_rules.append(OperationFault(fate, name, resource_type, count))

    def hang_operation(
        self, *, name: str | None = None, resource_type: str | None = None, count: int = 1
    ) -> None:
        """The next `count` matching activations stay IN_PROGRESS until `clear()`."""
        _positive(count)
        _check_type(resource_type)
        with self._lock:
            self._operation_rules.append(OperationFault("hang", name, resource_type, count))

    def expire_tokens(self) -> None:
        """Every token issued so far answers 401 invalid_token from now on."""
        self._on_expire_tokens()

    def clear(self) -> None:
        """Remove every fault; hung operations resume and complete."""
        with self._lock:
            self._request_rules.clear()
            self._operation_rules.clear()
        self._on_clear()

    def for_request(self, method: str, path: str) -> RequestFaults:
        """Consume the faults that apply to one request."""
        with self._lock:
            matching = [r for r in self._request_rules if r.matches(method, path)]
            delay = sum(r.seconds for r in matching if r.kind == "latency")
            # Only the oldest matching error-or-drop rule fires; if none does, the oldest
            # matching rewrite rule does (an answer never sent is not rewritten).
            fires = next((r for r in matching if r.kind in _ANSWER_REPLACED), None)
            rewrite = None if fires else next((r for r in matching if r.kind in _REWRITES), None)
            for rule in (fires, rewrite):
                if rule is not None and rule.remaining is not None:
                    rule.remaining -= 1
            self._request_rules = [r for r in self._request_rules if r.remaining != 0]
        error = fires if fires is not None and fires.kind == "http_error" else None
        drop = fires if fires is not None and fires.kind == "drop_connection" else None
        return RequestFaults(delay, error, drop, rewrite)

    def for_operation(self, resource_type: str, name: str) -> str:
        """Consume the rule for a new activation: 'complete', 'fail', 'fail_partial', 'hang'."""
        with self._lock:
            for rule in self._operation_rules:
                if rule.name not in (None, name):
                    continue
                if rule.resource_type not in (None, resource_type):
                    continue
                rule.remaining -= 1
                self._operation_rules = [r for r in self._operation_rules if r.remaining > 0]
                return rule.fate
        return "complete"


def _positive(count: int) -> None:
    if count < 1:
        raise ValueError("count must be >= 1")


def _raw_body(body: str | bytes, body_base64: str | None) -> bytes:
    if body_base64 is not None:
        try:
            return base64.b64decode(body_base64, validate=True)
        except binascii.Error as exc:
            raise ValueError("body_base64 is not base64") from exc
    return body.encode() if isinstance(body, str) else bytes(body)


def _check_type(resource_type: str | None) -> None:
    if resource_type not in (None, "settings", "campaign"):
        raise ValueError("resource_type is 'settings' or 'campaign'")
