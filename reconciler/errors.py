"""The root of every error the tool raises on purpose.

ReconcilerError               anything the CLI reports as a clean message (exit 1 unless said)
├── SpecError                 the desired state is invalid (see spec/diagnostics.py)
├── ConfigError               missing environment variable, bad flag, refused base URL
├── StateError                the state directory is unusable (lock held, corrupt journal...)
├── PlanError                 a saved plan is stale, tampered with or unreadable
├── ApplyFailed               an apply failed; the live tenant was restored (exit 1)
├── RestoreFailed             an apply failed and the restore failed too (exit 3)
└── cxone.errors.ApiError     the API answered something we did not want (see cxone/errors.py)

Lower-level errors are translated at module boundaries with `raise ... from exc`.
The CLI maps classes to exit codes in one table; nothing else exits or prints tracebacks.
"""

from __future__ import annotations


class ReconcilerError(Exception):
    """Base class: carries a user-facing message and an optional hint."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class SpecError(ReconcilerError):
    """The desired state failed validation; `diagnostics` lists every problem."""


class ConfigError(ReconcilerError):
    """Configuration (environment, flags, Tenant spec) is missing or refused."""


class StateError(ReconcilerError):
    """The state directory cannot be used as asked."""


class PlanError(ReconcilerError):
    """A saved plan cannot be applied (stale, tampered with, unreadable)."""


class ApplyFailed(ReconcilerError):
    """An apply failed and every touched resource was restored and verified."""

    exit_code = 1


class RestoreFailed(ReconcilerError):
    """An apply failed and restoring the snapshot failed too: a person must look."""

    exit_code = 3
