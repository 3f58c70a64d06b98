"""Writes that may be lost in transit: never applied twice, never blindly repeated.

See retry.py for which answers mean "certainly not handled". Here, after a lost answer, an
update or delete re-reads its resource (versionTag moved: it may have landed, so
`WriteOutcomeUnknown`; unchanged: safe to repeat with the same If-Match), and a create
looks its name up before repeating (the server refuses a second one by name anyway). An
answer that arrives but cannot be read (HTML, JSON cut short) is lost all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.answers import Where, decode_object
from reconciler.dialer_v1.api import LiveCampaign, LiveSettings, LiveWebhook
from reconciler.dialer_v1.errors import AnswerLost, WriteOutcomeUnknown
from reconciler.dialer_v1.retry import Budget, Call, ClientEvent, Requester

log = logging.getLogger("reconciler.dialer_v1")
T = TypeVar("T")
Reader = Callable[[], Awaitable[LiveSettings | LiveCampaign | LiveWebhook]]


async def guarded_write(
    requester: Requester,
    call: Call,
    read: Reader,
) -> httpx.Response | None:
    """Send a PUT/DELETE with If-Match; None when a lost DELETE turns out to have landed."""
    sent_tag = (call.headers or {})["If-Match"]
    budget = requester.budget()
    repeated = False
    while True:
        try:
            return await requester.send(call, budget)
        except AnswerLost as lost:
            tag = await _current_tag(requester, call, lost, read)
            if tag is None:
                return None
            if tag != sent_tag:
                raise WriteOutcomeUnknown(
                    f"the answer was lost ({lost.reason}) and the resource changed since:"
                    " the write may have landed",
                    method=call.method,
                    path=call.path,
                    hint="re-read the resource before writing again",
                ) from lost
            give_up_if_spent(call, budget, lost)
            repeated = True
        except (errors.PreconditionFailedError, errors.OperationInProgressError) as exc:
            # Sent more than once (a lost answer, or a 503 the requester repeated): the
            # earlier attempt may be what moved the tag or started the activation.
            if not repeated and not budget.repeated_after_503:
                raise
            raise WriteOutcomeUnknown(
                "a repeated write met a newer versionTag or a running activation:"
                " the first attempt probably landed",
                operation_id=getattr(exc, "operation_id", None),
                method=call.method,
                path=call.path,
                hint="re-read the resource (and wait for its activation) before deciding",
            ) from exc
        except errors.NotFoundError:
            if repeated and call.method == "DELETE":
                return None
            raise


async def _current_tag(
    requester: Requester,
    call: Call,
    lost: AnswerLost,
    read: Reader,
) -> str | None:
    """The resource's versionTag now, None if it is gone."""
    requester.emit(ClientEvent("write_checked", call.method, call.path, reason=lost.reason))
    log.debug("answer to %s %s lost (%s): re-reading", call.method, call.path, lost.reason)
    try:
        return (await read()).version_tag
    except errors.NotFoundError:
        return None


def give_up_if_spent(call: Call, budget: Budget, lost: AnswerLost, *, spent: bool = False) -> None:
    """After a lost answer that did not land: stop (a `ServerError` that did not land) when
    the budget is spent, or `spent` says this write may not be repeated again."""
    if spent or budget.exhausted or budget.remaining() <= 0:
        raise errors.ServerError(
            f"gave up after {budget.attempts} attempt(s): {lost.reason}; the write did not"
            " land (its resource is unchanged)",
            method=call.method,
            path=call.path,
            landed="no",
        ) from lost


async def guarded_create(
    requester: Requester, call: Call, find: Callable[[], Awaitable[T | None]]
) -> httpx.Response | T:
    """POST a create; after a lost answer, look the name up before repeating."""
    budget = requester.budget()
    repeated = False
    while True:
        try:
            return await requester.send(call, budget)
        except AnswerLost as lost:
            requester.emit(ClientEvent("write_checked", call.method, call.path, reason=lost.reason))
            found = await find()
            if found is not None:
                return found
            give_up_if_spent(call, budget, lost)
            repeated = True
        except errors.NameConflictError as exc:
            if not repeated and not budget.repeated_after_503:
                raise
            # The pending first attempt holds the name (the server reserves it).
            raise WriteOutcomeUnknown(
                "a repeated create met its own name: the first attempt probably landed",
                method=call.method,
                path=call.path,
                hint="re-read the campaigns (and wait for activations) before deciding",
            ) from exc


def landed(call: Call, what: str, resource_id: str) -> WriteOutcomeUnknown:
    return WriteOutcomeUnknown(
        f"the answer was lost and {what}",
        resource_id=resource_id,
        method=call.method,
        path=call.path,
        hint="re-read before deciding",
    )


def accepted(
    response: httpx.Response, call: Call, parse: Callable[[dict[str, Any], Where], T]
) -> T:
    """The parsed answer of an accepted write; an unusable one leaves its outcome unknown.

    The server took the write (2xx) but its answer cannot be read, so the activation (or
    the stored webhook) is unknown: reported as `WriteOutcomeUnknown`, so that a restore
    waits for whatever is still running instead of trusting a read taken before it lands.
    """
    try:
        return parse(
            decode_object(response, call.method, call.path),
            Where(call.method, call.path, response.status_code),
        )
    except errors.ProtocolError as exc:
        raise WriteOutcomeUnknown(
            f"{exc.detail}; the write was accepted but its outcome is unknown",
            method=call.method,
            path=call.path,
            status=response.status_code,
            hint="re-read the resource (and wait for its activation) before writing again",
        ) from exc
