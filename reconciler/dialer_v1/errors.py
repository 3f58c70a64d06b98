"""Every way a conversation with the dialer API can go wrong, as one small tree.

ApiError                       base: what was asked (method, path) and what came back
├── TransportError             no usable answer: connection refused/dropped, timeout
├── DeadlineExceeded           retries ran out of the total deadline
├── ProtocolError              the answer did not follow the contract (bad JSON, missing field)
├── AuthError                  401 invalid_client, or 401 invalid_token again after a refresh
├── ScopeError                 403 insufficient_scope: names the scope and the command
├── NotFoundError              404
├── ValidationError            400 invalid_request, with the server's field details
├── OperationInProgressError   409 operation_in_progress, with the blocking operation id
├── NameConflictError          409 name_conflict
├── PreconditionFailedError    412: our versionTag is stale; re-read before writing again
│   └── BlockChangedError      cxone-admin: a block's digest moved since the plan read it
├── PreconditionRequiredError  428: a write went out without If-Match (a bug of ours)
├── RateLimitedError           429 after every retry, with Retry-After when given
├── ServerError                5xx after every retry
├── SkillStateError            cxone-admin 409 "Invalid state": the skill is running (or not)
├── OperationFailedError       an activation ended FAILED (maybe partially applied)
├── OperationTimeoutError      activations still IN_PROGRESS at the waiter's deadline
├── AnswerLost                 a write went out and its answer was lost (the client re-checks)
└── WriteOutcomeUnknown        (a 412) a lost answer, and the resource has changed since

`landed` (see reconciler/errors.py): a refusal before handling (400, 409, 412, 428) is
"no"; a lost answer or an activation past its deadline "unknown"; everything else "yes".

Messages never contain the Authorization header, the client secret or webhook tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from reconciler.errors import Landed, ReconcilerError


@dataclass(frozen=True)
class FieldProblem:
    """One entry of a 400's `details`."""

    field: str
    message: str


class ApiError(ReconcilerError):
    """The API did not do what was asked."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        hint: str | None = None,
        landed: Landed | None = None,
    ) -> None:
        where = f"{method} {path}".strip()
        full = f"{message} ({where}{f' -> {status}' if status else ''})" if where else message
        super().__init__(full, hint=hint, landed=landed)
        self.method = method
        self.path = path
        self.status = status


class TransportError(ApiError):
    """No usable HTTP answer (connection refused or dropped, read timeout)."""


class DeadlineExceeded(ApiError):
    """The request's total deadline passed while retrying."""


class ProtocolError(ApiError):
    """The server's answer does not follow the contract; `resource` and `field` say where."""

    def __init__(self, message: str, *, resource: str = "", field: str = "", **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.detail = message  # without "(METHOD path -> status)"
        self.resource = resource  # e.g. "campaign 'Collections_East'", "campaigns[3] on page 2"
        self.field = field  # e.g. "versionTag", "concurrency.max_agents"; "" for the whole answer


class AuthError(ApiError):
    """Credentials refused, or a fresh token refused again."""


class ScopeError(ApiError):
    """The token lacks a scope the call needs."""

    def __init__(self, message: str, *, required_scope: str, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.required_scope = required_scope


class NotFoundError(ApiError):
    """The resource (or operation) does not exist."""


class ValidationError(ApiError):
    """400 invalid_request; `details` says which fields and why."""

    default_landed: ClassVar[Landed] = "no"

    def __init__(self, message: str, *, details: tuple[FieldProblem, ...] = (), **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.details = details


class OperationInProgressError(ApiError):
    """409: another activation on the same resource is still running."""

    default_landed: ClassVar[Landed] = "no"

    def __init__(self, message: str, *, operation_id: str | None = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.operation_id = operation_id


class NameConflictError(ApiError):
    """409 name_conflict: a resource with that name already exists."""

    default_landed: ClassVar[Landed] = "no"


class PreconditionFailedError(ApiError):
    """412: the resource changed since we read its versionTag."""

    default_landed: ClassVar[Landed] = "no"


class BlockChangedError(PreconditionFailedError):
    """cxone-admin: a parameter block changed since the plan read it (its digest moved).

    The API has no versionTag; the client re-reads a block just before writing it and
    refuses, as a 412 would, when the block's digest is not the one the plan recorded.
    """

    def __init__(
        self, message: str, *, expected_digest: str, current_digest: str, **kw: object
    ) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.expected_digest = expected_digest
        self.current_digest = current_digest


class SkillStateError(ApiError):
    """cxone-admin 409 "Invalid state": a running skill's core fields cannot change, or a
    start/stop does not fit the skill's run state."""


class PreconditionRequiredError(ApiError):
    """428: a write was sent without If-Match."""

    default_landed: ClassVar[Landed] = "no"


class RateLimitedError(ApiError):
    """429 that outlasted our retries."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx that outlasted our retries."""


class OperationFailedError(ApiError):
    """An asynchronous activation ended FAILED."""

    def __init__(
        self,
        message: str,
        *,
        operation_id: str,
        code: str = "",
        partially_applied: bool = False,
        **kw: object,
    ) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.operation_id = operation_id
        self.code = code
        self.partially_applied = partially_applied


class OperationTimeoutError(ApiError):
    """Activations still running when the waiter's deadline passed."""

    default_landed: ClassVar[Landed] = "unknown"

    def __init__(self, message: str, *, operation_ids: tuple[str, ...] = (), **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.operation_ids = operation_ids


class AnswerLost(ApiError):
    """A write went out and its answer was lost: it may or may not have landed.

    The client catches it and decides (re-read, look up, or repeat: see guarded.py); it
    reaches the engine only if a write path forgot to, and then nobody knows.
    """

    default_landed: ClassVar[Landed] = "unknown"

    def __init__(self, method: str, path: str, reason: str) -> None:
        super().__init__(f"the answer was lost: {reason}", method=method, path=path)
        self.reason = reason


class WriteOutcomeUnknown(PreconditionFailedError):
    """A write's answer was lost and the resource has since changed: re-read it.

    A 412 subclass, because the caller's remedy is the same: re-read, then decide.
    """

    default_landed: ClassVar[Landed] = "unknown"

    def __init__(
        self,
        message: str,
        *,
        operation_id: str | None = None,
        resource_id: str | None = None,
        **kw: object,
    ) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.operation_id = operation_id
        self.resource_id = resource_id
