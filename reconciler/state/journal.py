"""The write-ahead journal of one apply or rollback run.

Each record is on disk (fsynced) before the caller performs the write it describes, so a
process killed at any point leaves enough for the next run to finish restoring or
converging. The file is JSON Lines in `journal_dir/<run_id>.jsonl`; `finish` moves it to
`journal_dir/done/`. A journal still in `journal_dir` without a finish record is an
interrupted run.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.errors import StateError
from reconciler.state.atomic import append_durable, canonical_json, fsync_dir, write_atomic
from reconciler.state.clock import WallClock, format_timestamp, utc_now
from reconciler.state.layout import StateDir

FORMAT_VERSION = 1
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
NoteValue = str | int | None


@dataclass(frozen=True)
class JournalStep:
    """One write of a run: the intent, and its result if the run got that far."""

    step: int
    kind: str
    name: str
    action: str
    resource_id: str | None
    version_tag_before: str | None
    outcome: str | None
    version_tag_after: str | None
    operation_id: str | None
    error: str | None = None


@dataclass(frozen=True)
class JournalEvent:
    """A note the run left, e.g. 'restore-started'."""

    event: str
    at: str
    fields: dict[str, NoteValue] = field(default_factory=dict)


@dataclass(frozen=True)
class UnfinishedRun:
    """A journal without a finish record: the run was interrupted."""

    path: Path
    run_id: str
    command: str
    pid: int
    snapshot_id: str
    plan_digest: str | None
    started_at: str
    steps: tuple[JournalStep, ...]
    events: tuple[JournalEvent, ...]
    # The last line was cut short (the process died while writing it). An intent that
    # never reached the disk whole was never acted on, so the fragment is dropped.
    torn_tail: bool = False


class Journal:
    """Appends the records of one run; create it with `Journal.begin`."""

    def __init__(self, state: StateDir, path: Path, run_id: str, clock: WallClock) -> None:
        self._state = state
        self._path = path
        self._clock = clock
        self.run_id = run_id
        self._intents: set[int] = set()
        self._results: set[int] = set()
        self._finished = False

    @property
    def path(self) -> Path:
        """The journal file (in `done/` once finished)."""
        return self._path

    @classmethod
    def begin(
        cls,
        state: StateDir,
        *,
        run_id: str,
        command: str,
        plan_digest: str | None,
        snapshot_id: str,
        pid: int,
        clock: WallClock = utc_now,
    ) -> Journal:
        """Start the journal of a run; the begin record is durable when this returns."""
        if not _RUN_ID.match(run_id):
            raise ValueError(f"run id {run_id!r} cannot be used as a file name")
        state.ensure()
        path = state.journal_dir / f"{run_id}.jsonl"
        if path.exists() or (state.journal_done_dir / path.name).exists():
            raise StateError(f"a journal for run {run_id!r} already exists at {path}")
        record = {
            "type": "begin",
            "format_version": FORMAT_VERSION,
            "run_id": run_id,
            "command": command,
            "plan_digest": plan_digest,
            "snapshot_id": snapshot_id,
            "pid": pid,
            "at": format_timestamp(clock()),
        }
        # Written atomically, not appended: a journal file always starts with a whole
        # begin record, so an interrupted run can always be identified.
        write_atomic(path, canonical_json(record) + b"\n")
        return cls(state, path, run_id, clock)

    def _append(self, record: dict[str, Any]) -> None:
        if self._finished:
            raise ValueError(f"journal of run {self.run_id!r} is already finished")
        record["at"] = format_timestamp(self._clock())
        append_durable(self._path, canonical_json(record))

    def intent(
        self,
        step: int,
        *,
        kind: str,
        name: str,
        action: str,
        resource_id: str | None,
        version_tag_before: str | None,
    ) -> None:
        """Record (durably) the write about to be performed as `step`."""
        if step in self._intents:
            raise ValueError(f"step {step} already has an intent record")
        self._append(
            {
                "type": "intent",
                "step": step,
                "kind": kind,
                "name": name,
                "action": action,
                "resource_id": resource_id,
                "version_tag_before": version_tag_before,
            }
        )
        self._intents.add(step)

    def result(
        self,
        step: int,
        *,
        outcome: str,
        version_tag_after: str | None = None,
        operation_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome of `step` (after the write, before the next intent)."""
        if step not in self._intents:
            raise ValueError(f"step {step} has no intent record")
        if step in self._results:
            raise ValueError(f"step {step} already has a result record")
        self._append(
            {
                "type": "result",
                "step": step,
                "outcome": outcome,
                "version_tag_after": version_tag_after,
                "operation_id": operation_id,
                "error": error,
            }
        )
        self._results.add(step)

    def note(self, event: str, **fields: NoteValue) -> None:
        """Record an event of the run, e.g. 'restore-started'."""
        self._append({"type": "note", "event": event, "fields": dict(fields)})

    def finish(self, final: str) -> None:
        """Record the final result and move the journal to `done/`.

        A journal left among the running ones would be replayed by the next run (its
        snapshot restored over this run's result), so when the finish record cannot be
        written (a full disk) the file is still moved to `done/` (a rename needs no space)
        and the StateError that follows says the record is missing.
        """
        try:
            self._append({"type": "finish", "final": final})
        except StateError as exc:
            self._finished = True
            self._path = _move_to_done(self._state, self._path)
            raise StateError(
                f"{exc.message}; the journal was closed without its finish record ({final})"
            ) from exc
        self._finished = True
        self._path = _move_to_done(self._state, self._path)


def journal_factory(
    state: StateDir, command: str, plan_digest: str | None = None
) -> Callable[[str], Journal]:
    """Opens one run's journal once its snapshot id is known (a fresh run id per factory)."""
    run_id = uuid.uuid4().hex[:12]

    def begin(snapshot_id: str) -> Journal:
        return Journal.begin(
            state,
            run_id=run_id,
            command=command,
            plan_digest=plan_digest,
            snapshot_id=snapshot_id,
            pid=os.getpid(),
        )

    return begin


def _move_to_done(state: StateDir, path: Path) -> Path:
    target = state.journal_done_dir / path.name
    try:
        state.journal_done_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(path, target)
        fsync_dir(state.journal_done_dir)
        fsync_dir(path.parent)
    except OSError as exc:
        raise StateError(f"cannot move journal {path} to {target}: {exc.strerror}") from exc
    return target


def _read_records(path: Path) -> tuple[list[dict[str, Any]], bool, int]:
    """The records of a journal, whether the last line was torn, and the intact length."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StateError(f"cannot read journal {path}: {exc.strerror}") from exc
    lines = data.split(b"\n")
    # A complete file ends with a newline, so the final element is empty.
    tail = lines.pop()
    records: list[dict[str, Any]] = []
    intact = 0
    torn = bool(tail)
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line.decode("utf-8"))
            if not isinstance(record, dict) or "type" not in record:
                raise ValueError("not a journal record")
        except ValueError as exc:
            is_last = number == len(lines) and not tail
            if is_last:
                # The last line is whole but garbled: the same crash, flushed differently.
                torn = True
                break
            raise StateError(
                f"journal {path} is corrupt at line {number}: {exc}",
                hint="inspect the file; a person must decide what the run did",
            ) from exc
        records.append(record)
        intact += len(line) + 1
    return records, torn, intact


def _parse_run(path: Path) -> UnfinishedRun | None:
    records, torn, _ = _read_records(path)
    if not records or records[0].get("type") != "begin":
        raise StateError(f"journal {path} is corrupt: it does not start with a begin record")
    if records[-1].get("type") == "finish":
        return None
    try:
        begin = records[0]
        intents: dict[int, dict[str, Any]] = {}
        results: dict[int, dict[str, Any]] = {}
        events: list[JournalEvent] = []
        for record in records[1:]:
            kind = record["type"]
            if kind == "intent":
                intents[int(record["step"])] = record
            elif kind == "result":
                results[int(record["step"])] = record
            elif kind == "note":
                events.append(JournalEvent(record["event"], record["at"], record["fields"]))
        steps = tuple(
            JournalStep(
                step=number,
                kind=intent["kind"],
                name=intent["name"],
                action=intent["action"],
                resource_id=intent["resource_id"],
                version_tag_before=intent["version_tag_before"],
                outcome=results.get(number, {}).get("outcome"),
                version_tag_after=results.get(number, {}).get("version_tag_after"),
                operation_id=results.get(number, {}).get("operation_id"),
                error=results.get(number, {}).get("error"),
            )
            for number, intent in sorted(intents.items())
        )
        return UnfinishedRun(
            path=path,
            run_id=begin["run_id"],
            command=begin["command"],
            pid=int(begin["pid"]),
            snapshot_id=begin["snapshot_id"],
            plan_digest=begin["plan_digest"],
            started_at=begin["at"],
            steps=steps,
            events=tuple(events),
            torn_tail=torn,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"journal {path} is corrupt: missing or bad field {exc}") from exc


def list_unfinished(state: StateDir) -> list[UnfinishedRun]:
    """Every interrupted run of this environment, oldest first."""
    directory = state.journal_dir
    if not directory.is_dir():
        return []
    runs: list[UnfinishedRun] = []
    for path in directory.glob("*.jsonl"):
        run = None if path.name.startswith(".") else _parse_run(path)
        if run is not None:
            runs.append(run)
    return sorted(runs, key=lambda run: (run.started_at, run.run_id))


def find_unfinished(state: StateDir) -> UnfinishedRun | None:
    """The oldest interrupted run (its snapshot is the state to restore), or None."""
    runs = list_unfinished(state)
    return runs[0] if runs else None


def close_unfinished(
    state: StateDir, run: UnfinishedRun, final: str, *, clock: WallClock = utc_now
) -> None:
    """Mark an interrupted run as handled (`final` says how) and move it to `done/`."""
    path = run.path
    _, torn, intact = _read_records(path)
    try:
        if torn:
            # Cut the fragment so the records appended below stay on lines of their own.
            size = path.stat().st_size
            os.truncate(path, intact)
            fragment = size - intact
        else:
            fragment = 0
    except OSError as exc:
        raise StateError(f"cannot repair journal {path}: {exc.strerror}") from exc
    now = format_timestamp(clock())
    if torn:
        note = {"fields": {"bytes": fragment}, "event": "torn-line-dropped", "type": "note"}
        append_durable(path, canonical_json({**note, "at": now}))
    append_durable(path, canonical_json({"type": "finish", "final": final, "at": now}))
    _move_to_done(state, path)
