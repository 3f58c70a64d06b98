"""Webhook deliveries on operation completion (contract §7), with the webhook's retryPolicy.

Attempts are scheduled on the emulator's clock, not slept: a failed attempt is retried once
the clock has passed its backoff and the queue is pumped again (after any request, by the
server's background loop, or by `await emu.flush_deliveries()` in tests).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

from reconciler.dialer_v1.emulator.clock import EmulatorClock, iso
from reconciler.dialer_v1.emulator.records import Delivery, Resource
from reconciler.net import is_loopback_url

JsonDict = dict[str, Any]


@dataclass
class _Attempt:
    hook_id: str
    hook_name: str
    url: str
    token: str | None = field(repr=False)
    event: str
    payload: JsonDict
    number: int
    due: float
    max_retries: int
    multiplier: float
    timeout: float


def backoff_seconds(retry: int, multiplier: float) -> float:
    """Delay before retry number `retry` (1-based): 1 s, then times the multiplier each time."""
    return float(multiplier ** (retry - 1))


class DeliveryQueue:
    """Scheduled delivery attempts and the record of every attempt made."""

    def __init__(
        self,
        clock: EmulatorClock,
        *,
        deliver_http: bool,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self._clock = clock
        self._deliver_http = deliver_http
        self._transport = transport
        self._pending: list[_Attempt] = []
        self._lock = threading.Lock()
        self.deliveries: list[Delivery] = []

    def enqueue(self, hook: Resource, event: str, payload: JsonDict) -> None:
        """Schedule the first attempt of one delivery (recorded at once if not sent)."""
        policy = hook.body.get("retryPolicy", {})
        attempt = _Attempt(
            hook.id,
            hook.name,
            str(hook.body["url"]),
            hook.token,
            event,
            payload,
            1,
            self._clock.now(),
            int(policy.get("maxRetries", 3)),
            float(policy.get("backoffMultiplier", 2)),
            float(policy.get("timeoutSec", 10)),
        )
        if not self._deliver_http:
            self._record(attempt, "not_sent", None, "deliver_http is off", None)
        elif not is_loopback_url(attempt.url):
            self._record(attempt, "refused", None, "the emulator only POSTs to loopback", None)
        else:
            with self._lock:
                self._pending.append(attempt)

    def has_due(self) -> bool:
        """Whether an attempt is waiting and its time has come."""
        now = self._clock.now()
        with self._lock:
            return any(a.due <= now for a in self._pending)

    async def pump(self) -> None:
        """Make every attempt that is due now."""
        now = self._clock.now()
        with self._lock:
            due = [a for a in self._pending if a.due <= now]
            self._pending = [a for a in self._pending if a.due > now]
        for attempt in due:
            await self._attempt(attempt)

    async def _attempt(self, attempt: _Attempt) -> None:
        headers = {"Authorization": f"Bearer {attempt.token}"} if attempt.token else {}
        status: int | None = None
        error: str | None = None
        try:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=attempt.timeout
            ) as client:
                answer = await client.post(attempt.url, json=attempt.payload, headers=headers)
            status = answer.status_code
            if not 200 <= status < 300:
                error = f"answered {status}"
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        if error is None:
            self._record(attempt, "delivered", status, None, None)
            return
        retry_in: float | None = None
        if attempt.number <= attempt.max_retries:
            retry_in = backoff_seconds(attempt.number, attempt.multiplier)
            nxt = _Attempt(
                **{
                    **attempt.__dict__,
                    "number": attempt.number + 1,
                    "due": self._clock.now() + retry_in,
                }
            )
            with self._lock:
                self._pending.append(nxt)
        self._record(attempt, "failed", status, error, retry_in)

    def _record(
        self,
        attempt: _Attempt,
        outcome: Any,
        status: int | None,
        error: str | None,
        retry_in: float | None,
    ) -> None:
        with self._lock:
            self.deliveries.append(
                Delivery(
                    webhook_id=attempt.hook_id,
                    webhook_name=attempt.hook_name,
                    event=attempt.event,
                    url=attempt.url,
                    attempt=attempt.number,
                    outcome=outcome,
                    status=status,
                    error=error,
                    at=self._clock.now(),
                    next_retry_in=retry_in,
                    payload=attempt.payload,
                )
            )


def event_payload(
    event: str, resource_id: str, version_tag: str, data: JsonDict, at: float
) -> JsonDict:
    """The body POSTed to a webhook for one event."""
    return {
        "event": event,
        "occurredAt": iso(at),
        "resourceId": resource_id,
        "versionTag": version_tag,
        "data": data,
    }
