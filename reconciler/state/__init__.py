"""The state directory: snapshots, the apply journal, the audit log and the lock.

Everything here is local files, written atomically and durably; nothing touches the API.
"""

from reconciler.state.atomic import append_durable, canonical_json, sha256_digest, write_atomic
from reconciler.state.audit import (
    AuditLog,
    AuditVerification,
    detect_actor,
    detect_git_commit,
)
from reconciler.state.journal import (
    Journal,
    JournalEvent,
    JournalStep,
    UnfinishedRun,
    close_unfinished,
    find_unfinished,
    list_unfinished,
)
from reconciler.state.layout import StateDir
from reconciler.state.lock import LockHolder, StateLock
from reconciler.state.snapshots import Snapshot, SnapshotResource, SnapshotStore

__all__ = [
    "AuditLog",
    "AuditVerification",
    "Journal",
    "JournalEvent",
    "JournalStep",
    "LockHolder",
    "Snapshot",
    "SnapshotResource",
    "SnapshotStore",
    "StateDir",
    "StateLock",
    "UnfinishedRun",
    "append_durable",
    "canonical_json",
    "close_unfinished",
    "detect_actor",
    "detect_git_commit",
    "find_unfinished",
    "list_unfinished",
    "sha256_digest",
    "write_atomic",
]
