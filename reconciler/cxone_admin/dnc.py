"""DNC-group writes and how each looks after a lost answer (see guarded.py).

- create: the name is unique, so a group of that name with our description is ours
  (landed); no such group: repeat once; a group of that name that is not ours: unknown.
  A repeated create answered "already exists" (or, in the bare error dialect, any 400)
  is looked at the same way; a first attempt answered so is a plain name conflict.
- update: the group shows every field we sent -> landed; it still equals what the caller
  last read -> repeat once; else unknown.
- link / unlink: the skill is (not) scrubbed by the group -> done; else repeat once. Both
  are idempotent on the server, but a lost answer is still looked at, never assumed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from reconciler.cxone_admin import wire
from reconciler.cxone_admin.guarded import Look, write_checked
from reconciler.cxone_admin.records import DncGroup
from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.retry import Call, Requester

GroupLister = Callable[[], Awaitable[list[DncGroup]]]
GroupReader = Callable[[], Awaitable[DncGroup]]


def _named(groups: list[DncGroup], name: str) -> DncGroup | None:
    return next((g for g in groups if g.dncGroupName.casefold() == name.casefold()), None)


def _group_of(response: httpx.Response | Look[DncGroup], call: Call) -> DncGroup:
    if isinstance(response, Look):
        assert response.found is not None
        return response.found
    listed = wire.items(wire.decode(response, call.method, call.path), "dncGroups")
    if len(listed) != 1:
        raise errors.ProtocolError(
            f"expected the DNC group in the answer, found {len(listed)}",
            method=call.method,
            path=call.path,
        )
    return wire.parse_record(DncGroup, listed[0], "DNC group")


async def create_group(
    requester: Requester, call: Call, groups: GroupLister, name: str, description: str
) -> DncGroup:
    """POST /dnc-groups; see the module doc for lost answers."""

    async def look() -> Look[DncGroup]:
        found = _named(await groups(), name)
        if found is None:
            return Look("unchanged")
        if (found.dncGroupDescription or "") == description:
            return Look("landed", found)
        return Look("moved")

    conflicts = (errors.NameConflictError, errors.ValidationError)
    answer = await write_checked(requester, call, look, repeat_conflicts=conflicts)
    return _group_of(answer, call)


async def update_group(
    requester: Requester,
    call: Call,
    read: GroupReader,
    sent: Mapping[str, Any],
    expected: DncGroup | None,
) -> DncGroup:
    """PUT /dnc-groups/{id}; see the module doc for lost answers."""

    def shows(group: DncGroup, fields: Mapping[str, Any]) -> bool:
        return all(getattr(group, key) == value for key, value in fields.items())

    async def look() -> Look[DncGroup]:
        now = await read()
        if shows(now, sent):
            return Look("landed", now)
        if expected is not None and shows(now, {k: getattr(expected, k) for k in sent}):
            return Look("unchanged")
        return Look("moved")

    return _group_of(await write_checked(requester, call, look), call)


async def set_link(
    requester: Requester, call: Call, linked: Callable[[], Awaitable[bool]], want: bool
) -> None:
    """POST (want=True) or DELETE (False) .../scrubbed-skills/{skillId}."""

    async def look() -> Look[bool]:
        return Look("landed", True) if await linked() == want else Look("unchanged")

    try:
        await write_checked(requester, call, look)
    except errors.NotFoundError:
        # An unlink repeated after a lost answer meets its own success.
        if want or await linked():
            raise
