"""Verified restore: bring resources back to a snapshot's content, whatever happened to them.

The seed's rollback re-used the versionTag it had read before the failed activation, which
that activation had already bumped, so every restore was refused with 412. Here each
resource is re-read first, written with its *current* tag, awaited, and re-read to verify;
a 412 (someone moved it again) or a 409 (a write still running) leads to a bounded
re-read-and-retry, never a blind repeat. What "read" and "write" mean for a kind is its
descriptor's business (reconciler/kinds.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from reconciler import aio, registry
from reconciler.dialer_v1.errors import (
    ApiError,
    OperationFailedError,
    OperationInProgressError,
    OperationTimeoutError,
    PreconditionFailedError,
)
from reconciler.engine.normalize import Normalizer
from reconciler.engine.outcome import RestoreResult
from reconciler.errors import ConfigError
from reconciler.kinds import Backend, LiveResource, ResourceAddress, WriteAction, WriteRequest

MAX_ATTEMPTS = 4


@dataclass(frozen=True)
class RestoreTarget:
    """What one resource must look like after the restore."""

    address: ResourceAddress
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
    def kind(self) -> str:
        return self.address.kind

    @property
    def name(self) -> str:
        return self.address.name


# (address, action, version_tag_before, version_tag_after, outcome) for journal/audit
WriteHook = Callable[[ResourceAddress, str, str | None, str | None, str], None]


def resolve_secret(
    env_name: str | None, secrets: Mapping[str, SecretStr], context: str, what: str
) -> SecretStr:
    """The write-only secret to send with a write, from the values the CLI read."""
    if env_name is None or env_name not in secrets:
        raise ConfigError(
            f"{context}: the {what} variable {env_name or '(unnamed)'} is not set",
            hint=f"export {env_name or 'the variable the spec names'} before applying",
        )
    return secrets[env_name]


def matches(
    address: ResourceAddress,
    current: LiveResource | None,
    present: bool,
    body: dict[str, Any] | None,
    normalizer: Normalizer,
    *,
    exact: bool = True,
) -> bool:
    """Whether a resource is in the wanted state (compared as normalised bodies; `exact`:
    set-like parts compared whole, as a restore must, not only what a spec manages)."""
    if not present:
        return current is None
    if current is None or body is None:
        return False
    kind, name = address.kind, address.name
    have, want = normalizer.compare(
        kind, name, current.body, registry.kind(kind).model(body), exact=exact
    )
    return have == want


async def _write_once(
    backend: Backend[Any],
    t: RestoreTarget,
    cur: LiveResource | None,
    secrets: Mapping[str, SecretStr],
    deadline: float,
) -> tuple[str, str | None, str | None, bool]:
    """One write towards the target: (action, resource id, tag after, secret re-sent)."""
    kind = registry.kind(t.kind)
    action: WriteAction
    if not t.present:
        action = "delete"
    elif cur is None and not kind.singleton:
        action = "create"
    else:
        action = "update"
    secret = None
    if kind.secret is not None and action != "delete":
        context = f"restoring {kind.secret.owner} {t.name}"
        secret = resolve_secret(t.secret_env, secrets, context, kind.secret.what)
    request = WriteRequest(
        t.address,
        action,
        cur.id if cur is not None else t.id,
        cur.version_tag if cur is not None else None,
        t.body if t.present else None,
        secret,
        cur.parts if cur is not None else {},
        exact=True,  # a snapshot holds the whole truth of what it recorded
    )
    result = await backend.write(request, deadline)
    return action, result.resource_id, result.version_tag_after, secret is not None


async def restore_one(
    backend: Backend[Any],
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
    # Only asynchronous kinds have writes that can still be taking effect.
    must_write = t.unsettled and registry.kind(t.kind).asynchronous
    for _ in range(MAX_ATTEMPTS):
        cur = await backend.read(t.address, rid)
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
        if matches(t.address, cur, t.present, t.body, normalizer) and not (
            must_write and cur is not None and t.present
        ):
            return RestoreResult(
                t.address, True, action, None, cur.version_tag if cur else None, resent
            )
        before = cur.version_tag if cur else None
        try:
            action, written_id, after, sent = await _write_once(backend, t, cur, secrets, deadline)
            must_write = False
            resent = resent or sent
            rid = written_id or rid
            if on_write:
                on_write(t.address, f"restore-{action}", before, after, "ok")
        except OperationInProgressError as exc:
            last_error = str(exc)
            await backend.wait_for_running(exc.operation_id, deadline)
            must_write = False  # the running write has ended: compare again
        except (PreconditionFailedError, OperationFailedError) as exc:
            last_error = str(exc)  # moved again or half-applied: re-read and try again
            if on_write:
                on_write(t.address, "restore-write", before, None, f"failed: {exc.message}")
        except OperationTimeoutError as exc:
            return RestoreResult(
                t.address, False, action, f"restore activation hung: {exc.message}"
            )
        except ApiError as exc:
            last_error = str(exc)
            if on_write:
                on_write(t.address, "restore-write", before, None, f"failed: {exc.message}")
    cur = await backend.read(t.address, rid)
    if matches(t.address, cur, t.present, t.body, normalizer):
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
    backend: Backend[Any],
    targets: list[RestoreTarget],
    *,
    secrets: Mapping[str, SecretStr],
    deadline: float,
    normalizer: Normalizer | None = None,
    on_write: WriteHook | None = None,
) -> list[RestoreResult]:
    """Restore every target, kind by kind in apply order, each verified; never raises
    ApiError."""
    norm = normalizer or Normalizer()
    results: list[RestoreResult] = []
    ranks = sorted({registry.kind(t.kind).order for t in targets})
    for rank in ranks:
        group = [t for t in targets if registry.kind(t.kind).order == rank]

        async def one(t: RestoreTarget) -> RestoreResult:
            try:
                return await restore_one(
                    backend,
                    t,
                    secrets=secrets,
                    deadline=deadline,
                    normalizer=norm,
                    on_write=on_write,
                )
            except ApiError as exc:
                return RestoreResult(t.address, False, "none", f"could not read or write: {exc}")
            except Exception as exc:  # a ConfigError (missing token) must not stop the others
                return RestoreResult(t.address, False, "none", str(exc))

        results += await aio.gather(*(one(t) for t in group))
    return results
