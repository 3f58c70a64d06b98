"""Verified restore: bring resources back to a snapshot's content, whatever happened to them.

The seed's rollback re-used the versionTag it had read before the failed activation, which
that activation had already bumped, so every restore was refused with 412. Here each
resource is re-read first, written with its *current* versionTag, awaited, and re-read to
verify; a 412 (someone moved it again) or a 409 (an activation still running) leads to a
bounded re-read-and-retry, never a blind repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from reconciler import aio
from reconciler.dialer_v1.api import DialerApi
from reconciler.dialer_v1.bodies import Body, CampaignBody, SettingsBody, WebhookBody
from reconciler.dialer_v1.errors import (
    ApiError,
    NotFoundError,
    OperationFailedError,
    OperationInProgressError,
    OperationTimeoutError,
    PreconditionFailedError,
)
from reconciler.engine import executor
from reconciler.engine.normalize import Normalizer

MAX_ATTEMPTS = 4


@dataclass(frozen=True)
class Current:
    """A resource as it is now."""

    id: str | None
    version_tag: str
    body: Body


@dataclass(frozen=True)
class RestoreTarget:
    """What one resource must look like after the restore."""

    kind: str
    name: str
    id: str | None
    present: bool
    body: dict[str, Any] | None  # snapshot JSON, no secrets
    secret_env: str | None = None
    # Our write's fate is unknown (activation past its deadline, lost answer, killed
    # process): an activation may still be running and land later, so a resource that
    # matches now is not yet verified. It is written once anyway: a 409 names the running
    # activation, which is awaited before comparing again.
    unsettled: bool = False

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.name}"


@dataclass(frozen=True)
class RestoreResult:
    address: str
    ok: bool
    action: str  # "none" | "update" | "create" | "delete"
    reason: str | None = None
    version_tag_after: str | None = None
    secret_resent: bool = False


# (kind, name, action, version_tag_before, version_tag_after, outcome) for journal/audit
WriteHook = Callable[[str, str, str, str | None, str | None, str], None]


async def read_current(api: DialerApi, kind: str, name: str, rid: str | None) -> Current | None:
    """Re-read one resource by id (or by name when the id is unknown); None if absent."""
    try:
        if kind == "DialerSettings":
            s = await api.get_settings()
            return Current(None, s.version_tag, s.body)
        if kind == "Campaign":
            if rid is not None:
                c = await api.get_campaign(rid)
                return Current(c.id, c.version_tag, c.body)
            async for c in api.iter_campaigns():
                if c.body.name == name:
                    return Current(c.id, c.version_tag, c.body)
            return None
        if rid is not None:
            w = await api.get_webhook(rid)
            return Current(w.id, w.version_tag, w.body)
        async for w in api.iter_webhooks():
            if w.body.name == name:
                return Current(w.id, w.version_tag, w.body)
        return None
    except NotFoundError:
        return None


def _model(kind: str, body: dict[str, Any]) -> Body:
    if kind == "DialerSettings":
        return SettingsBody.model_validate(body)
    if kind == "Campaign":
        return CampaignBody.model_validate(body)
    return WebhookBody.model_validate({**body, "auth": {"type": body["auth"]["type"]}})


def matches(
    kind: str,
    name: str,
    current: Current | None,
    present: bool,
    body: dict[str, Any] | None,
    normalizer: Normalizer,
) -> bool:
    """Whether a resource is in the wanted state (compared as normalised full bodies)."""
    if not present:
        return current is None
    if current is None or body is None:
        return False
    want = normalizer.comparable(kind, name, _model(kind, body))
    return normalizer.comparable(kind, name, current.body) == want


async def _wait_for_running(api: DialerApi, op_id: str | None, deadline: float) -> None:
    if op_id is None:
        return
    op = await api.get_operation(op_id)
    if not op.done:
        await api.wait_operations([op], deadline_seconds=deadline)


async def _write_once(
    api: DialerApi,
    t: RestoreTarget,
    cur: Current | None,
    secrets: Mapping[str, SecretStr],
    deadline: float,
) -> tuple[str, executor.WriteResult, bool]:
    """One write towards the target; returns (action, result, token re-sent)."""
    if not t.present:
        assert cur is not None and cur.id is not None
        if t.kind == "Campaign":
            return (
                "delete",
                await executor.delete_campaign(api, cur.id, cur.version_tag, deadline),
                False,
            )
        return "delete", await executor.delete_webhook(api, cur.id, cur.version_tag), False
    assert t.body is not None
    if t.kind == "DialerSettings":
        assert cur is not None
        return (
            "update",
            await executor.write_settings(api, t.body, cur.version_tag, deadline),
            False,
        )
    if t.kind == "Campaign":
        if cur is None:
            return "create", await executor.create_campaign(api, t.body, deadline), False
        assert cur.id is not None
        res = await executor.update_campaign(api, cur.id, t.body, cur.version_tag, deadline)
        return "update", res, False
    token = executor.resolve_secret(t.secret_env, secrets, f"restoring webhook {t.name}")
    if cur is None:
        return "create", await executor.create_webhook(api, t.body, token), True
    assert cur.id is not None
    return (
        "update",
        await executor.update_webhook(api, cur.id, t.body, token, cur.version_tag),
        True,
    )


async def restore_one(
    api: DialerApi,
    t: RestoreTarget,
    *,
    secrets: Mapping[str, SecretStr],
    deadline: float,
    normalizer: Normalizer,
    on_write: WriteHook | None = None,
) -> RestoreResult:
    """Bring one resource to the target, verifying by re-reading."""
    action, resent, last_error = "none", False, None
    rid = t.id
    # Only asynchronous kinds have activations that can still be running.
    must_write = t.unsettled and t.kind in ("DialerSettings", "Campaign")
    for _ in range(MAX_ATTEMPTS):
        cur = await read_current(api, t.kind, t.name, rid)
        if must_write and not t.present and cur is None:
            # Our create's answer was lost and its repeat met its own name: it is still
            # activating, invisible to reads, and will appear later. Absence cannot be
            # verified, so a person must check (and delete it once it shows up).
            return RestoreResult(
                t.address,
                False,
                action,
                "a create whose answer was lost is still activating: it cannot be deleted "
                f"yet; delete {t.name} once it appears",
            )
        if matches(t.kind, t.name, cur, t.present, t.body, normalizer) and not (
            must_write and cur is not None and t.present
        ):
            return RestoreResult(
                t.address, True, action, None, cur.version_tag if cur else None, resent
            )
        before = cur.version_tag if cur else None
        try:
            action, res, sent = await _write_once(api, t, cur, secrets, deadline)
            must_write = False
            resent = resent or sent
            rid = res.resource_id or rid
            if on_write:
                on_write(t.kind, t.name, f"restore-{action}", before, res.version_tag_after, "ok")
        except OperationInProgressError as exc:
            last_error = str(exc)
            await _wait_for_running(api, exc.operation_id, deadline)
            must_write = False  # the running activation has ended: compare again
        except (PreconditionFailedError, OperationFailedError) as exc:
            last_error = str(exc)  # moved again or half-applied: re-read and try again
            if on_write:
                on_write(t.kind, t.name, "restore-write", before, None, f"failed: {exc.message}")
        except OperationTimeoutError as exc:
            return RestoreResult(
                t.address, False, action, f"restore activation hung: {exc.message}"
            )
        except ApiError as exc:
            last_error = str(exc)
            if on_write:
                on_write(t.kind, t.name, "restore-write", before, None, f"failed: {exc.message}")
    cur = await read_current(api, t.kind, t.name, rid)
    if matches(t.kind, t.name, cur, t.present, t.body, normalizer):
        return RestoreResult(
            t.address, True, action, None, cur.version_tag if cur else None, resent
        )
    return RestoreResult(
        t.address,
        False,
        action,
        f"still differs after {MAX_ATTEMPTS} attempts: {last_error or 'unknown'}",
    )


async def restore(
    api: DialerApi,
    targets: list[RestoreTarget],
    *,
    secrets: Mapping[str, SecretStr],
    deadline: float,
    normalizer: Normalizer | None = None,
    on_write: WriteHook | None = None,
) -> list[RestoreResult]:
    """Restore every target (settings first), each verified; never raises ApiError."""
    norm = normalizer or Normalizer()
    order = {"DialerSettings": 0, "Campaign": 1, "Webhook": 2}
    results: list[RestoreResult] = []
    for rank in sorted({order.get(t.kind, 9) for t in targets}):
        group = [t for t in targets if order.get(t.kind, 9) == rank]

        async def one(t: RestoreTarget) -> RestoreResult:
            try:
                return await restore_one(
                    api, t, secrets=secrets, deadline=deadline, normalizer=norm, on_write=on_write
                )
            except ApiError as exc:
                return RestoreResult(t.address, False, "none", f"could not read or write: {exc}")
            except Exception as exc:  # a ConfigError (missing token) must not stop the others
                return RestoreResult(t.address, False, "none", str(exc))

        results += await aio.gather(*(one(t) for t in group))
    return results
