"""Waiting for asynchronous activations (contract §3) without hammering the read limit.

All pending operations are polled together in rounds: the first round after
`initial_seconds` (activations often finish in well under a second), then each pause grows
by `factor` up to `cap_seconds`, so a slow activation costs a poll every few seconds, not
four a second. One deadline covers the whole wait. FAILED operations are returned like
COMPLETED ones: whether a failure is fatal (and whether a partial one needs a restore) is
the caller's decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from reconciler import aio
from reconciler.dialer_v1.api import Operation
from reconciler.dialer_v1.errors import OperationTimeoutError

# Polls in flight at once: a hundred activations must not spend the read budget in one burst.
MAX_CONCURRENT_POLLS = 16


@dataclass(frozen=True)
class PollSchedule:
    initial_seconds: float = 0.25
    cap_seconds: float = 5.0
    factor: float = 1.5


async def wait_operations(
    operations: Sequence[Operation],
    *,
    get_operation: Callable[[str], Awaitable[Operation]],
    deadline_seconds: float,
    schedule: PollSchedule,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
    on_poll: Callable[[int], None] | None = None,
) -> list[Operation]:
    """Poll until every operation is done; the results keep the input order."""
    results = list(operations)
    deadline = clock() + deadline_seconds
    pause = schedule.initial_seconds
    gate = asyncio.Semaphore(MAX_CONCURRENT_POLLS)

    async def poll(operation_id: str) -> Operation:
        async with gate:
            return await get_operation(operation_id)

    while True:
        pending = [i for i, op in enumerate(results) if not op.done]
        if not pending:
            return results
        remaining = deadline - clock()
        if remaining <= 0:
            ids = tuple(results[i].operation_id for i in pending)
            raise OperationTimeoutError(
                f"{len(ids)} activation(s) still in progress after {deadline_seconds:.0f} s: "
                + ", ".join(ids),
                operation_ids=ids,
                hint="they may still complete: re-read the resources before acting again",
            )
        await sleep(min(pause, remaining))
        pause = min(schedule.cap_seconds, pause * schedule.factor)
        if on_poll is not None:
            on_poll(len(pending))
        answers = await aio.gather(*(poll(results[i].operation_id) for i in pending))
        for i, answer in zip(pending, answers, strict=True):
            results[i] = answer
