"""The write-ahead journal: records, finish, interrupted runs, torn lines."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.state.journal import Journal, close_unfinished, find_unfinished, list_unfinished
from reconciler.state.layout import StateDir

from .conftest import FakeClock


def begin(state: StateDir, clock: FakeClock, run_id: str = "run-1") -> Journal:
    return Journal.begin(
        state,
        run_id=run_id,
        command="apply",
        plan_digest="sha256:plan",
        snapshot_id="20261124T051500Z-abcdef",
        pid=4242,
        clock=clock,
    )


def two_steps(journal: Journal) -> None:
    journal.intent(
        1, kind="Campaign", name="A", action="update", resource_id="c-1", version_tag_before="v1"
    )
    journal.result(1, outcome="succeeded", version_tag_after="v2", operation_id="op-1")
    journal.intent(
        2, kind="Campaign", name="B", action="create", resource_id=None, version_tag_before=None
    )


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_finished_run_moves_to_done(state: StateDir, clock: FakeClock) -> None:
    journal = begin(state, clock)
    two_steps(journal)
    journal.result(2, outcome="failed", error="operation FAILED")
    journal.note("restore-started", resources=2)
    journal.finish("restored")
    assert journal.path == state.journal_done_dir / "run-1.jsonl"
    assert not (state.journal_dir / "run-1.jsonl").exists()
    assert find_unfinished(state) is None
    types = [r["type"] for r in records(journal.path)]
    assert types == ["begin", "intent", "result", "intent", "result", "note", "finish"]
    with pytest.raises(ValueError, match="already finished"):
        journal.note("late")


def test_unfinished_run_is_found_with_its_steps(state: StateDir, clock: FakeClock) -> None:
    journal = begin(state, clock)
    two_steps(journal)
    journal.note("restore-started", resources=1, reason=None)
    run = find_unfinished(state)
    assert run is not None
    assert (run.run_id, run.command, run.pid) == ("run-1", "apply", 4242)
    assert run.snapshot_id == "20261124T051500Z-abcdef"
    assert run.plan_digest == "sha256:plan"
    assert run.started_at == "2026-11-24T05:15:00.000000Z"
    assert not run.torn_tail
    first, second = run.steps
    assert (first.step, first.action, first.outcome, first.version_tag_after) == (
        1,
        "update",
        "succeeded",
        "v2",
    )
    assert first.version_tag_before == "v1" and first.operation_id == "op-1"
    assert (second.name, second.action, second.outcome) == ("B", "create", None)
    assert [(e.event, e.fields) for e in run.events] == [
        ("restore-started", {"resources": 1, "reason": None})
    ]


def test_torn_last_line_is_tolerated_and_reported(state: StateDir, clock: FakeClock) -> None:
    journal = begin(state, clock)
    two_steps(journal)
    path = journal.path
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 25])  # cut into the intent of step 2
    run = find_unfinished(state)
    assert run is not None
    assert run.torn_tail
    # The half-written intent never reached the disk whole, so step 2 never happened.
    assert [s.step for s in run.steps] == [1]
    close_unfinished(state, run, "restored", clock=clock)
    assert find_unfinished(state) is None
    closed = records(state.journal_done_dir / "run-1.jsonl")  # every line parses again
    assert [r["type"] for r in closed][-2:] == ["note", "finish"]
    assert closed[-2]["event"] == "torn-line-dropped"
    assert closed[-1]["final"] == "restored"


def test_garbled_whole_last_line_counts_as_torn(state: StateDir, clock: FakeClock) -> None:
    journal = begin(state, clock)
    two_steps(journal)
    with journal.path.open("ab") as handle:
        handle.write(b'{"type":"res\x00\x00\n')
    run = find_unfinished(state)
    assert run is not None and run.torn_tail and len(run.steps) == 2


def test_corrupt_middle_line_is_an_error(state: StateDir, clock: FakeClock) -> None:
    journal = begin(state, clock)
    two_steps(journal)
    lines = journal.path.read_bytes().split(b"\n")
    lines[1] = b"garbage"
    journal.path.write_bytes(b"\n".join(lines))
    with pytest.raises(StateError, match=r"journal .*run-1.jsonl is corrupt at line 2"):
        find_unfinished(state)


def test_close_unfinished_without_torn_tail(state: StateDir, clock: FakeClock) -> None:
    two_steps(begin(state, clock))
    run = find_unfinished(state)
    assert run is not None
    close_unfinished(state, run, "converged", clock=clock)
    assert list_unfinished(state) == []
    closed = records(state.journal_done_dir / "run-1.jsonl")
    assert closed[-1]["type"] == "finish" and closed[-1]["final"] == "converged"
    assert [r["type"] for r in closed].count("note") == 0


def test_oldest_unfinished_run_comes_first(state: StateDir, clock: FakeClock) -> None:
    begin(state, clock, "run-b")
    begin(state, clock, "run-a")
    runs = list_unfinished(state)
    assert [r.run_id for r in runs] == ["run-b", "run-a"]
    found = find_unfinished(state)
    assert found is not None and found.run_id == "run-b"


def test_finish_record_without_move_is_not_unfinished(state: StateDir, clock: FakeClock) -> None:
    # A crash between writing the finish record and moving the file.
    journal = begin(state, clock)
    journal.finish("applied")
    journal.path.rename(state.journal_dir / "run-1.jsonl")
    assert find_unfinished(state) is None


def test_misuse_is_refused(state: StateDir, clock: FakeClock) -> None:
    journal = begin(state, clock)
    with pytest.raises(ValueError, match="no intent"):
        journal.result(1, outcome="succeeded")
    two_steps(journal)
    with pytest.raises(ValueError, match="already has an intent"):
        journal.intent(
            1, kind="Campaign", name="A", action="update", resource_id="c", version_tag_before="v"
        )
    with pytest.raises(ValueError, match="already has a result"):
        journal.result(1, outcome="succeeded")
    with pytest.raises(StateError, match="already exists"):
        begin(state, clock)
    with pytest.raises(ValueError, match="file name"):
        begin(state, clock, "../escape")


def test_journal_without_begin_is_corrupt(state: StateDir) -> None:
    state.ensure()
    (state.journal_dir / "x.jsonl").write_text('{"type":"intent","step":1}\n')
    with pytest.raises(StateError, match="does not start with a begin record"):
        find_unfinished(state)


KILLED_RUN = """
import os, sys
from pathlib import Path
from reconciler.state.journal import Journal
from reconciler.state.layout import StateDir
journal = Journal.begin(StateDir(Path(sys.argv[1]), "prod"), run_id="killed", command="apply",
                        plan_digest=None, snapshot_id="snap", pid=os.getpid())
journal.intent(1, kind="Campaign", name="A", action="update", resource_id="c-1",
               version_tag_before="v1")
journal.result(1, outcome="succeeded", version_tag_after="v2")
journal.intent(2, kind="Webhook", name="W", action="delete", resource_id="w-1",
               version_tag_before="v7")
print("writing step 2", flush=True)
sys.stdin.readline()
"""


def test_run_killed_mid_apply_is_found(state: StateDir) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(state.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30.0)
        assert ready and proc.stdout.readline().strip() == "writing step 2"
    finally:
        proc.kill()  # SIGKILL: nothing gets to finish the journal
        proc.wait(timeout=30.0)
    run = find_unfinished(state)
    assert run is not None
    assert (run.run_id, run.pid, run.snapshot_id, run.torn_tail) == (
        "killed",
        proc.pid,
        "snap",
        False,
    )
    assert [(s.step, s.action, s.outcome) for s in run.steps] == [
        (1, "update", "succeeded"),
        (2, "delete", None),
    ]
    assert run.steps[1].version_tag_before == "v7"
