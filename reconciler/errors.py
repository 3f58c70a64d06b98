"""The root of every error the tool raises on purpose.

ReconcilerError               anything the CLI reports as a clean message (exit 1 unless said)
├── SpecError                 the desired state is invalid (see spec/diagnostics.py)
├── ConfigError               missing environment variable, bad flag, refused base URL
├── StateError                the state directory is unusable (lock held, corrupt journal...)
├── PlanError                 a saved plan is stale, tampered with or unreadable
│   └── StalePlan             ... stale: the live tenant moved (each resource and field said)
├── GuardrailRefused          a change window or the blast-radius gate refused: nothing written
├── PolicyRejected            the API's own policy check refused the plan: nothing written
├── ApplyFailed               an apply failed; the live tenant was restored (exit 1)
├── RestoreFailed             an apply failed and the restore failed too (exit 3)
├── GuardReadError            the post-apply guard could not read a metric (after retries)
└── dialer_v1.errors.ApiError the API answered something we did not want (see that module)

Every error that can interrupt a write says whether the write reached the tenant
(`landed`: "no", "yes" or "unknown"), decided where it is raised: the class gives the
usual answer, a raise site that knows better passes `landed=`.

Lower-level errors are translated at module boundaries with `raise ... from exc`.
The CLI maps classes to exit codes in one table; nothing else exits or prints tracebacks.
"""

from __future__ import annotations

from typing import ClassVar, Literal

Landed = Literal["no", "yes", "unknown"]


class ReconcilerError(Exception):
    """Base class: carries a user-facing message and an optional hint."""

    exit_code = 1
    # Whether a write this error interrupted may have changed the tenant. "yes" is the
    # safe default: the restore re-reads and compares; "unknown" also means an activation
    # may still be running; "no" means the server certainly did not act on it.
    default_landed: ClassVar[Landed] = "yes"

    def __init__(self, message: str, *, hint: str | None = None, landed: Landed | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.landed: Landed = landed if landed is not None else self.default_landed

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class SpecError(ReconcilerError):
    """The desired state failed validation; `diagnostics` lists every problem."""


class ConfigError(ReconcilerError):
    """Configuration (environment, flags, Tenant spec) is missing or refused."""

    default_landed: ClassVar[Landed] = "no"  # found before anything is sent


class StateError(ReconcilerError):
    """The state directory cannot be used as asked."""


class PlanError(ReconcilerError):
    """A saved plan cannot be applied (stale, tampered with, unreadable)."""


class StalePlan(PlanError):
    """A saved plan whose live resources moved since it was made; the message says how."""


class GuardrailRefused(ReconcilerError):
    """A change window or the blast-radius gate refused the plan: nothing was written."""

    default_landed: ClassVar[Landed] = "no"  # decided before the first write


class PolicyRejected(ReconcilerError):
    """The API's policy validation failed: nothing was written."""


class ApplyFailed(ReconcilerError):
    """An apply failed and every touched resource was restored and verified."""

    exit_code = 1


class RestoreFailed(ReconcilerError):
    """An apply failed and restoring the snapshot failed too: a person must look."""

    exit_code = 3


class GuardReadError(ReconcilerError):
    """The guard could not read a watched metric (after retries for transient errors)."""
