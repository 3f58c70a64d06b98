"""Running awaitables together so that one failure stops them all.

`asyncio.gather` raises the first error and leaves the other tasks running. When the
caller then closes the HTTP client those tasks carry on against a closed client, fail, and
`asyncio.run` prints their tracebacks at shutdown before the one clean error line. `gather`
here does what Python 3.11's `TaskGroup` does: on the first failure it cancels the others,
waits until every one has finished, then raises that first error, so nothing is left
running once it returns or raises.

Written on asyncio rather than anyio's task groups: anyio 4 raises an `ExceptionGroup`
(a backport on 3.10) that every caller would have to unwrap to keep its typed error, and it
is only installed as an httpx dependency; this is fifty lines. No imports from the package.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar, overload

T1 = TypeVar("T1")
T2 = TypeVar("T2")
T3 = TypeVar("T3")
T4 = TypeVar("T4")
T = TypeVar("T")


@overload
async def gather(a1: Awaitable[T1], a2: Awaitable[T2], /) -> tuple[T1, T2]: ...


@overload
async def gather(
    a1: Awaitable[T1], a2: Awaitable[T2], a3: Awaitable[T3], /
) -> tuple[T1, T2, T3]: ...


@overload
async def gather(
    a1: Awaitable[T1], a2: Awaitable[T2], a3: Awaitable[T3], a4: Awaitable[T4], /
) -> tuple[T1, T2, T3, T4]: ...


@overload
async def gather(*awaitables: Awaitable[T]) -> tuple[T, ...]: ...


async def gather(*awaitables: Awaitable[Any]) -> tuple[Any, ...]:
    """The results in argument order; on the first failure, every other one is cancelled
    and awaited before that failure is raised."""
    tasks: list[asyncio.Future[Any]] = []
    finished: list[asyncio.Future[Any]] = []  # in the order they ended
    try:
        for awaitable in awaitables:
            task = asyncio.ensure_future(awaitable)
            task.add_done_callback(finished.append)
            tasks.append(task)
        if tasks:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:
        # We were cancelled (or could not start one): nothing may outlive this call.
        await _cancel_and_wait(tasks)
        raise
    failed = _first_failure(finished)
    if failed is not None:
        await _cancel_and_wait(tasks)
        raise failed
    return tuple(task.result() for task in tasks)


def _first_failure(finished: list[asyncio.Future[Any]]) -> BaseException | None:
    """The error of the task that failed first (None if none failed)."""
    for task in finished:
        if not task.cancelled() and task.exception() is not None:
            return task.exception()
    return None


async def _cancel_and_wait(tasks: list[asyncio.Future[Any]]) -> None:
    """Cancel every unfinished task and wait for all of them, even if we are cancelled."""
    for task in tasks:
        task.cancel()
    cancelled_meanwhile = False
    pending = [t for t in tasks if not t.done()]
    while pending:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError:
            cancelled_meanwhile = True
        pending = [t for t in pending if not t.done()]
    for task in tasks:
        # Retrieve every outcome so none is reported as "exception was never retrieved".
        if not task.cancelled():
            task.exception()
    if cancelled_meanwhile:
        raise asyncio.CancelledError
