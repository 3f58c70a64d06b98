"""Snapshots: the full content of every resource an apply touches, taken before it writes.

A snapshot is one canonical JSON file, written atomically, carrying its own digest so a
damaged or edited file is refused rather than restored. Snapshots never hold secrets.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler import registry
from reconciler.errors import StateError
from reconciler.secrets import find_secret_key
from reconciler.state.atomic import canonical_json, sha256_digest, write_atomic
from reconciler.state.clock import WallClock, as_utc, format_timestamp, utc_now
from reconciler.state.layout import StateDir

FORMAT_VERSION = 1


@dataclass(frozen=True)
class SnapshotResource:
    """One resource as it was when the snapshot was taken."""

    kind: str
    name: str
    id: str | None
    present: bool
    version_tag: str | None
    body: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        """The JSON form stored in the snapshot file."""
        return {
            "kind": self.kind,
            "name": self.name,
            "id": self.id,
            "present": self.present,
            "version_tag": self.version_tag,
            "body": self.body,
        }


@dataclass(frozen=True)
class Snapshot:
    """The state of every resource a run touches, at one moment."""

    id: str
    environment: str
    created_at: str
    reason: str
    plan_digest: str | None
    git_commit: str | None
    resources: tuple[SnapshotResource, ...]

    def resource(self, kind: str, name: str) -> SnapshotResource | None:
        """The resource of `kind` named `name`, or None if the snapshot does not hold it."""
        for item in self.resources:
            if item.kind == kind and item.name == name:
                return item
        return None


def _check_resources(resources: Iterable[SnapshotResource]) -> tuple[SnapshotResource, ...]:
    ordered = tuple(sorted(resources, key=lambda item: (item.kind, item.name)))
    seen: set[tuple[str, str]] = set()
    for item in ordered:
        label = f"{item.kind} {item.name!r}"
        if item.kind not in registry.KINDS:
            raise StateError(f"snapshot refused: unknown kind {item.kind!r} ({label})")
        if (item.kind, item.name) in seen:
            raise StateError(f"snapshot refused: {label} is listed twice")
        seen.add((item.kind, item.name))
        if item.present != (item.body is not None):
            raise StateError(
                f"snapshot refused: {label} has present={item.present} "
                f"but {'no' if item.body is None else 'a'} body"
            )
        secret = find_secret_key(item.body)
        if secret:
            # Defence in depth: the caller strips secrets; a snapshot file must never hold one.
            raise StateError(
                f"snapshot refused: {label} carries a secret field at {secret!r}",
                hint="strip write-only secrets from bodies before snapshotting",
            )
    return ordered


def _content(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "environment": snapshot.environment,
        "created_at": snapshot.created_at,
        "reason": snapshot.reason,
        "plan_digest": snapshot.plan_digest,
        "git_commit": snapshot.git_commit,
        "resources": [item.to_json() for item in snapshot.resources],
    }


def _parse(data: bytes, path: Path) -> Snapshot:
    """Decode and check one snapshot file; StateError naming the file if anything is off."""
    try:
        raw = json.loads(data.decode("utf-8"))
        stored_digest = raw.pop("digest")
        stored_id = raw.pop("id")
        if raw.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported format_version {raw.get('format_version')!r}")
        resources = tuple(
            SnapshotResource(
                kind=str(item["kind"]),
                name=str(item["name"]),
                id=item["id"],
                present=bool(item["present"]),
                version_tag=item["version_tag"],
                body=item["body"],
            )
            for item in raw["resources"]
        )
        snapshot = Snapshot(
            id=str(stored_id),
            environment=str(raw["environment"]),
            created_at=str(raw["created_at"]),
            reason=str(raw["reason"]),
            plan_digest=raw["plan_digest"],
            git_commit=raw["git_commit"],
            resources=resources,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StateError(
            f"snapshot file {path} is corrupt: {exc}",
            hint="restore it from a backup or roll back to another snapshot",
        ) from exc
    if sha256_digest(canonical_json(_content(snapshot))) != stored_digest:
        raise StateError(
            f"snapshot file {path} is corrupt: its content does not match its digest",
            hint="the file was edited or damaged; roll back to another snapshot",
        )
    if path.stem != snapshot.id:
        raise StateError(f"snapshot file {path} is corrupt: it holds snapshot {snapshot.id}")
    return snapshot


class SnapshotStore:
    """Snapshots of one environment, as files in `state.snapshots_dir`."""

    def __init__(self, state: StateDir, *, clock: WallClock = utc_now) -> None:
        self._state = state
        self._clock = clock

    def _path(self, snapshot_id: str) -> Path:
        if not snapshot_id or "/" in snapshot_id or snapshot_id.startswith("."):
            raise StateError(f"no snapshot {snapshot_id!r} in {self._state.snapshots_dir}")
        return self._state.snapshots_dir / f"{snapshot_id}.json"

    def save(
        self,
        environment: str,
        reason: str,
        resources: Iterable[SnapshotResource],
        *,
        plan_digest: str | None = None,
        git_commit: str | None = None,
    ) -> Snapshot:
        """Write a new snapshot durably and return it; refuses bodies holding secrets."""
        if environment != self._state.environment:
            raise StateError(
                f"snapshot for environment {environment!r} refused by the state directory "
                f"of {self._state.environment!r}"
            )
        moment = self._clock()
        draft = Snapshot(
            id="",
            environment=environment,
            created_at=format_timestamp(moment),
            reason=reason,
            plan_digest=plan_digest,
            git_commit=git_commit,
            resources=_check_resources(resources),
        )
        content = _content(draft)
        digest = sha256_digest(canonical_json(content))
        prefix = as_utc(moment).strftime("%Y%m%dT%H%M%SZ")
        hexdigest = digest.removeprefix("sha256:")
        self._state.ensure()
        # Six hex digits keep ids short; on the (rare) clash with a different snapshot in
        # the same second, lengthen the suffix rather than overwrite.
        for length in (6, 12, 64):
            snapshot_id = f"{prefix}-{hexdigest[:length]}"
            path = self._path(snapshot_id)
            if not path.exists() or _content(self._load_path(path)) == content:
                break
        data = canonical_json({**content, "id": snapshot_id, "digest": digest})
        write_atomic(path, data + b"\n")
        return dataclasses.replace(draft, id=snapshot_id)

    def _load_path(self, path: Path) -> Snapshot:
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise StateError(
                f"no snapshot {path.stem!r} in {self._state.snapshots_dir}",
                hint="`reconciler snapshots` lists the snapshots there are",
            ) from exc
        except OSError as exc:
            raise StateError(f"cannot read snapshot file {path}: {exc.strerror}") from exc
        snapshot = _parse(data, path)
        if snapshot.environment != self._state.environment:
            raise StateError(
                f"snapshot file {path} belongs to environment {snapshot.environment!r}, "
                f"not {self._state.environment!r}"
            )
        return snapshot

    def load(self, snapshot_id: str) -> Snapshot:
        """The snapshot named `snapshot_id`; StateError if unknown or corrupt."""
        return self._load_path(self._path(snapshot_id))

    def list(self) -> list[Snapshot]:
        """Every snapshot, oldest first; StateError naming the first corrupt file."""
        directory = self._state.snapshots_dir
        if not directory.is_dir():
            return []
        paths = [p for p in directory.glob("*.json") if not p.name.startswith(".")]
        snapshots = [self._load_path(path) for path in paths]
        return sorted(snapshots, key=lambda snap: (snap.created_at, snap.id))

    def last_known_good(self) -> Snapshot | None:
        """The snapshot the last verified apply left, or None if there is none yet."""
        pointer = self._state.last_known_good_path
        try:
            raw = json.loads(pointer.read_bytes().decode("utf-8"))
            snapshot_id = raw["snapshot_id"]
            if not isinstance(snapshot_id, str):
                raise TypeError("snapshot_id is not a string")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StateError(
                f"last-known-good pointer {pointer} is corrupt: {exc}",
                hint="name a snapshot explicitly with `reconciler rollback --to ID`",
            ) from exc
        return self.load(snapshot_id)

    def mark_last_known_good(self, snapshot_id: str) -> None:
        """Point last-known-good at `snapshot_id` (atomically; the snapshot must load)."""
        self.load(snapshot_id)
        self._state.ensure()
        pointer = canonical_json({"snapshot_id": snapshot_id}) + b"\n"
        write_atomic(self._state.last_known_good_path, pointer)
