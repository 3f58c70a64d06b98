"""The local audit trail: append-only, hash-chained JSON Lines.

Each entry carries the digest of the previous one, so editing, deleting or reordering a
line breaks the chain. A small head file (`<log>.head`) remembers the last entry, so
cutting lines off the end is detected too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import StateError
from reconciler.secrets import is_secret_key
from reconciler.state.atomic import append_durable, canonical_json, sha256_digest, write_atomic
from reconciler.state.clock import WallClock, format_timestamp, utc_now

GENESIS = "sha256:" + "0" * 64
REDACTED = "(redacted)"
RESERVED = frozenset({"seq", "timestamp", "event", "prev", "digest"})
_TAIL_CHUNK = 64 * 1024
# A credential pasted as a value ("Bearer eyJ..."), whatever the field is called.
_BEARER = re.compile(r"^\s*bearer\s+\S+\s*$", re.IGNORECASE)
_COMMIT = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def scrub(value: Any) -> Any:
    """`value` with every secret-named field, at any depth, replaced by '(redacted)'."""
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if is_secret_key(str(key)) else scrub(inner)
            for key, inner in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [scrub(inner) for inner in value]
    if isinstance(value, str) and _BEARER.match(value):
        return REDACTED
    return value


def entry_digest(entry: Mapping[str, Any]) -> str:
    """The digest of an entry: sha256 over its canonical JSON without 'digest'."""
    return sha256_digest(canonical_json({k: v for k, v in entry.items() if k != "digest"}))


@dataclass(frozen=True)
class AuditVerification:
    """The result of checking the chain: ok, or the first problem and its line."""

    ok: bool
    entries: int
    problem: str | None = None
    line: int | None = None


class AuditLog:
    """The hash-chained audit log at `path`."""

    def __init__(self, path: Path, *, clock: WallClock = utc_now) -> None:
        self.path = path
        self._clock = clock

    @property
    def head_path(self) -> Path:
        """The file remembering the last entry's seq and digest."""
        return self.path.with_name(self.path.name + ".head")

    def _last_entry(self) -> dict[str, Any] | None:
        """The last entry, checked; StateError if the log ends in a torn or altered line."""
        try:
            with open(self.path, "rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                if size == 0:
                    return None
                start = max(0, size - _TAIL_CHUNK)
                while True:
                    handle.seek(start)
                    chunk = handle.read(size - start)
                    cut = chunk.rfind(b"\n", 0, len(chunk) - 1)
                    if cut >= 0 or start == 0:
                        break
                    start = max(0, start - _TAIL_CHUNK)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"cannot read audit log {self.path}: {exc.strerror}") from exc
        last = chunk[cut + 1 :]
        problem = None
        entry: Any = None
        if not last.endswith(b"\n"):
            problem = "its last line is incomplete (a write was cut short)"
        else:
            try:
                entry = json.loads(last.decode("utf-8"))
            except ValueError:
                problem = "its last line is not valid JSON"
            if entry is not None and (
                not isinstance(entry, dict) or entry.get("digest") != entry_digest(entry)
            ):
                problem = "its last entry does not match its digest"
        if problem or not isinstance(entry, dict):
            raise StateError(
                f"audit log {self.path} cannot be extended: {problem}",
                hint="run `reconciler audit verify`; keep the file for investigation and "
                "move it aside to start a new log",
            )
        return entry

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one entry (secrets redacted) durably and return it."""
        clash = RESERVED.intersection(fields)
        if clash:
            raise ValueError(f"audit fields may not be named {sorted(clash)}")
        last = self._last_entry()
        entry: dict[str, Any] = {
            "seq": 1 if last is None else int(last["seq"]) + 1,
            "timestamp": format_timestamp(self._clock()),
            "event": event,
            **scrub(fields),
            "prev": GENESIS if last is None else last["digest"],
        }
        entry["digest"] = entry_digest(entry)
        append_durable(self.path, canonical_json(entry))
        head = {"seq": entry["seq"], "digest": entry["digest"]}
        write_atomic(self.head_path, canonical_json(head) + b"\n")
        return entry

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every entry, oldest first; StateError on a line that is not an entry."""
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - a generator holds it open
        except FileNotFoundError:
            return
        with handle:
            for number, line in enumerate(handle, start=1):
                try:
                    entry = json.loads(line.decode("utf-8"))
                except ValueError as exc:
                    raise StateError(
                        f"audit log {self.path} line {number} is not valid JSON"
                    ) from exc
                if not isinstance(entry, dict):
                    raise StateError(f"audit log {self.path} line {number} is not an entry")
                yield entry

    def _read_head(self) -> dict[str, Any] | None:
        try:
            head = json.loads(self.head_path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}
        return head if isinstance(head, dict) else {}

    def verify(self) -> AuditVerification:
        """Check every link of the chain; report the first broken one."""
        prev = GENESIS
        count = 0
        digests: dict[int, str] = {}
        try:
            with open(self.path, "rb") as handle:
                lines = handle.read().split(b"\n")
        except FileNotFoundError:
            lines = [b""]
        except OSError as exc:
            return AuditVerification(False, 0, f"cannot read the log: {exc.strerror}", None)
        if lines[-1]:
            return AuditVerification(
                False, 0, "the last line is incomplete (a write was cut short)", len(lines)
            )
        for number, raw in enumerate(lines[:-1], start=1):
            problem = _check_line(raw, expected_seq=count + 1, prev=prev)
            if problem:
                return AuditVerification(False, count, problem, number)
            entry = json.loads(raw.decode("utf-8"))
            prev = entry["digest"]
            count += 1
            digests[count] = prev
        head = self._read_head()
        if head is None:
            # A crash right after the very first append leaves no head yet.
            if count > 1:
                return AuditVerification(False, count, "the head file is missing", None)
            return AuditVerification(True, count)
        head_seq = head.get("seq")
        if not isinstance(head_seq, int) or head.get("digest") is None:
            return AuditVerification(False, count, "the head file is corrupt", None)
        if head_seq > count:
            return AuditVerification(
                False,
                count,
                f"entries after seq {count} are missing (the head names seq {head_seq})",
                count + 1,
            )
        if digests.get(head_seq) != head["digest"]:
            return AuditVerification(
                False, count, f"entry {head_seq} differs from the one the head recorded", head_seq
            )
        if count - head_seq > 1:
            # Only one entry can be newer than the head: the crash window between the
            # append and the head update.
            return AuditVerification(
                False, count, f"entries after seq {head_seq + 1} were not written by append", None
            )
        return AuditVerification(True, count)


def _check_line(raw: bytes, *, expected_seq: int, prev: str) -> str | None:
    try:
        entry = json.loads(raw.decode("utf-8"))
    except ValueError:
        return "the line is not valid JSON"
    if not isinstance(entry, dict):
        return "the line is not an entry"
    if entry.get("digest") != entry_digest(entry):
        return "the entry was modified (its digest does not match its content)"
    if entry.get("seq") != expected_seq:
        return f"expected seq {expected_seq}, found {entry.get('seq')!r} (deleted or reordered)"
    if entry.get("prev") != prev:
        return "the chain is broken (prev does not match the previous entry)"
    return None


def detect_actor(env: Mapping[str, str]) -> str:
    """Who runs the tool: the CI user if a CI system says so, else the login name."""
    github = env.get("GITHUB_ACTOR", "").strip()
    if github:
        return f"github:{github}"
    for name in ("GITLAB_USER_LOGIN", "BUILD_REQUESTEDFOR", "USER", "USERNAME"):
        value = env.get(name, "").strip()
        if value:
            return value
    return "unknown"


def detect_git_commit(path: Path) -> str | None:
    """`git rev-parse HEAD` in `path`; None if not a repository or git is missing."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    commit = completed.stdout.decode("ascii", "replace").strip()
    if completed.returncode != 0 or not _COMMIT.match(commit):
        return None
    return commit
