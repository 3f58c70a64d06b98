"""What every run that writes works with: the state directory, the secrets, the operator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from pydantic import SecretStr

from reconciler.engine.outcome import ProgressHook
from reconciler.kinds import ResourceAddress
from reconciler.state.audit import AuditLog
from reconciler.state.journal import Journal, journal_factory
from reconciler.state.layout import StateDir
from reconciler.state.snapshots import SnapshotStore

# (question, verb): returns when a person (or --auto-approve) approved; raises otherwise.
Confirm = Callable[[str, str], None]


@dataclass(frozen=True)
class Workspace:
    """What every run that writes works with: the state directory, secrets, the operator."""

    state: StateDir
    audit: AuditLog
    secrets: Mapping[str, SecretStr]
    secret_envs: Mapping[ResourceAddress, str]
    actor: str
    operation_deadline: float
    say: ProgressHook
    confirm: Confirm

    @property
    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(self.state)

    def journal(self, command: str, plan_digest: str | None = None) -> Callable[[str], Journal]:
        """The journal factory of one run of `command`."""
        return journal_factory(self.state, command, plan_digest)

    def asking(self, suffix: str, verb: str) -> Workspace:
        """The same workspace, whose confirmations add `suffix` and are worded for `verb`."""

        def confirm(question: str, _verb: str) -> None:
            self.confirm(f"{question} {suffix}", verb)

        return replace(self, confirm=confirm)
