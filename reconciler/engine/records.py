"""A run's local records (audit log, journal) when the disk may fail under them.

Once a write has gone out, the tenant matters more than the record of it: a record that
cannot be written (disk full, file too large, a read-only mount) must not stop the run
half-way, or the tenant is left half-changed. `Records.keep` runs a recording step and,
on a StateError, notes what could not be recorded and carries on; the run's outcome then
says plainly what the tenant holds and which records are missing.

What must hold BEFORE a write (the snapshot, the journal's intent) is not kept this way:
its failure stops the run before that write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.errors import StateError
from reconciler.state.audit import AuditLog


class Records:
    """Records of one run that writes; `unrecorded` lists what could not be written."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit
        self.unrecorded: list[str] = []

    def keep(self, what: str, record: Callable[[], object]) -> bool:
        """Run `record`; False (and noted) when the state directory refused it."""
        try:
            record()
        except StateError as exc:
            self.unrecorded.append(f"{what}: {exc.message}")
            return False
        return True

    def audit_entry(self, event: str, **fields: Any) -> bool:
        """Append to the audit log; a failure is noted, not raised."""
        return self.keep(f"audit entry {event!r}", lambda: self.audit.append(event, **fields))
