"""`reconciler.aio.gather`: a failure cancels the others, and nothing outlives the call."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest

from reconciler import aio

T = TypeVar("T")
BOUND_SECONDS = 5.0


class Boom(Exception):
    pass


async def bounded(awaitable: Awaitable[T]) -> T:
    """A broken `gather` must fail the test, not hang it."""
    return await asyncio.wait_for(awaitable, BOUND_SECONDS)


async def test_results_come_back_in_argument_order() -> None:
    async def after(steps: int, value: str) -> str:
        for _ in range(steps):
            await asyncio.sleep(0)
        return value

    assert await aio.gather(after(3, "a"), after(0, "b"), after(1, "c")) == ("a", "b", "c")
    assert await aio.gather() == ()


async def test_a_failure_cancels_the_others_and_waits_for_them_before_raising() -> None:
    started = asyncio.Event()
    cleaned_up: list[str] = []

    async def slow(name: str) -> None:
        try:
            started.set()
            await asyncio.Event().wait()  # would never end on its own
        finally:
            await asyncio.sleep(0)  # clean-up that itself awaits, like closing a response
            cleaned_up.append(name)

    async def fails() -> None:
        await started.wait()
        raise Boom("the settings answer is HTML")

    with pytest.raises(Boom, match="HTML"):
        await bounded(aio.gather(slow("campaigns"), fails(), slow("webhooks")))
    # Both were cancelled and had finished their clean-up when the error arrived.
    assert sorted(cleaned_up) == ["campaigns", "webhooks"]
    assert _other_tasks() == []


async def test_the_first_error_in_time_is_raised_and_a_second_one_is_retrieved() -> None:
    unretrieved: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: unretrieved.append(context))
    second_may_fail = asyncio.Event()

    async def first() -> None:
        await asyncio.sleep(0)
        second_may_fail.set()
        raise Boom("first")

    async def second() -> None:
        await second_may_fail.wait()
        raise Boom("second")

    async def ignores_cancellation_once() -> None:
        # A task whose clean-up raises must not leave "exception was never retrieved".
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise Boom("raised while being cancelled") from None

    try:
        with pytest.raises(Boom, match=r"^first$"):
            await bounded(aio.gather(second(), first(), ignores_cancellation_once()))
        gc.collect()
        await asyncio.sleep(0)
        assert unretrieved == []
    finally:
        loop.set_exception_handler(None)


async def test_cancelling_the_caller_cancels_every_task_and_waits_for_them() -> None:
    finished: list[str] = []
    running = asyncio.Event()

    async def forever(name: str) -> None:
        try:
            running.set()
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)
            finished.append(name)

    outer = asyncio.ensure_future(aio.gather(forever("a"), forever("b")))
    await running.wait()
    outer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await bounded(outer)
    assert sorted(finished) == ["a", "b"]
    assert _other_tasks() == []


async def test_a_task_cancelled_on_its_own_cancels_the_call() -> None:
    async def cancelled() -> None:
        raise asyncio.CancelledError

    async def fine() -> str:
        return "ok"

    with pytest.raises(asyncio.CancelledError):
        await aio.gather(fine(), cancelled())


def _other_tasks() -> list[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done()]
