"""Writes to an API without versionTags: look before writing, look again after a lost answer.

The admin API has no ETag, If-Match or version field, and last writer wins. So:
- before a block is written, the client re-reads it and refuses (`BlockChangedError`, a
  412 in spirit) when its digest is not the one the plan recorded;
- after a lost answer (a dropped connection, a timeout, 500/502/504: see dialer_v1's
  retry.py for which answers count as lost) the client looks at the resource again:
  it shows what we sent -> the write landed, nothing to repeat; it is still as it was
  before the write -> it did not land, repeat once; anything else -> `WriteOutcomeUnknown`
  (someone else's edit or ours, no way to tell). No write is repeated blindly.
What remains is the window between the pre-read and the write, which no client can close
without server support: another admin's edit in that window is overwritten (the README's
known limitations say so).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import httpx

from reconciler.cxone_admin.blocks import Block, TimeZoneSettings, canonical_bytes
from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.errors import AnswerLost, WriteOutcomeUnknown
from reconciler.dialer_v1.guarded import give_up_if_spent
from reconciler.dialer_v1.retry import Call, ClientEvent, Requester

log = logging.getLogger("reconciler.cxone_admin")
T = TypeVar("T")
Verdict = Literal["landed", "unchanged", "moved"]


@dataclass(frozen=True)
class Look(Generic[T]):
    """What a re-read after a lost answer showed (and the resource, when it landed)."""

    verdict: Verdict
    found: T | None = None


async def write_checked(
    requester: Requester,
    call: Call,
    look: Callable[[], Awaitable[Look[T]]],
    *,
    repeat_conflicts: tuple[type[errors.ApiError], ...] = (),
) -> httpx.Response | Look[T]:
    """Send a write; after a lost answer decide by `look` (see the module doc).

    Returns the answer, or the `Look` of a write that turned out to have landed. A write
    sent more than once (after a lost answer, or a 503 the requester repeated) that meets
    one of `repeat_conflicts` (a create meeting its own name) is looked at the same way.
    """
    budget = requester.budget()
    repeated = False
    while True:
        try:
            return await requester.send(call, budget)
        except repeat_conflicts as conflict:
            if not (repeated or budget.repeated_after_503):
                raise
            seen = await look()
            if seen.verdict == "landed":
                return seen
            raise WriteOutcomeUnknown(
                "a repeated write met a conflict, and the resource does not show what was sent",
                method=call.method,
                path=call.path,
                hint="re-read it and plan again",
            ) from conflict
        except AnswerLost as lost:
            requester.emit(ClientEvent("write_checked", call.method, call.path, reason=lost.reason))
            log.debug("answer to %s %s lost (%s): looking", call.method, call.path, lost.reason)
            seen = await look()
            if seen.verdict == "landed":
                return seen
            if seen.verdict == "moved":
                raise WriteOutcomeUnknown(
                    f"the answer was lost ({lost.reason}) and the resource now shows neither"
                    " what was sent nor what was there before",
                    method=call.method,
                    path=call.path,
                    hint="someone else changed it, or our write landed and was changed since:"
                    " re-read it and plan again",
                ) from lost
            give_up_if_spent(call, budget, lost, spent=repeated)
            repeated = True


def _same(a: Any, b: Any) -> bool:
    return canonical_bytes(a) == canonical_bytes(b)


def block_shows(sent: Block, now: Block) -> bool:
    """Whether `now` holds every field of `sent` (for zones: those not sent are not called)."""
    if isinstance(sent, TimeZoneSettings) and isinstance(now, TimeZoneSettings):
        live = {_zone_key(z): z for z in now.to_put_json()}
        wanted = {_zone_key(z): z for z in sent.to_put_json()}
        for key, zone in wanted.items():
            current = live.get(key)
            if current is None or any(not _same(current.get(k), v) for k, v in zone.items()):
                return False
        return all(not z.get("timeZoneActiveToCall") for k, z in live.items() if k not in wanted)
    current = now.to_put_json()
    return all(_same(current.get(key), value) for key, value in sent.to_put_json().items())


def _zone_key(zone: Any) -> str:
    return str(zone.get("standardName") or "").casefold()
