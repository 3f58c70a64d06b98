"""Scripted faults: injected HTTP errors, dropped connections, latency, failing operations."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["http_error", "drop_connection", "latency"]


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

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to `method path` (path is a prefix match)."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or path.startswith(self.path)


@dataclass
class OperationFault:
    """A rule matched against each new activation."""

    fate: Literal["fail", "fail_partial", "hang"]
    name: str | None
    resource_type: str | None
    remaining: int


@dataclass(frozen=True)
class RequestFaults:
    """What to do to one request: delay it, answer an error, and/or drop it."""

    delay: float = 0.0
    error: RequestFault | None = None
    drop: RequestFault | None = None


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
        delay = 0.0
        error: RequestFault | None = None
        drop: RequestFault | None = None
        with self._lock:
            for rule in self._request_rules:
                if not rule.matches(method, path):
                    continue
                if rule.kind == "latency":
                    delay += rule.seconds
                elif error is None and drop is None:
                    # Only the oldest matching error-or-drop rule fires per request.
                    if rule.kind == "http_error":
                        error = rule
                    else:
                        drop = rule
                    assert rule.remaining is not None
                    rule.remaining -= 1
            self._request_rules = [r for r in self._request_rules if r.remaining != 0]
        return RequestFaults(delay, error, drop)

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


def _check_type(resource_type: str | None) -> None:
    if resource_type not in (None, "settings", "campaign"):
        raise ValueError("resource_type is 'settings' or 'campaign'")
