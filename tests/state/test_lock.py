"""StateLock across real processes: held lock refused, stale lock taken over."""

from __future__ import annotations

import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.state.layout import StateDir
from reconciler.state.lock import StateLock, pid_alive

from .conftest import FakeClock

REPO = Path(__file__).resolve().parents[2]
# Takes the lock, says so, then holds it until its stdin closes.
HOLDER = """
import sys
from pathlib import Path
from reconciler.state.layout import StateDir
from reconciler.state.lock import StateLock
with StateLock(StateDir(Path(sys.argv[1]), "prod"), command="apply"):
    print("locked", flush=True)
    sys.stdin.readline()
"""
TIMEOUT = 30.0


@pytest.fixture
def holder(state: StateDir) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
        assert ready, "the holder process did not take the lock in time"
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=TIMEOUT)


def test_lock_held_by_another_process_is_refused(
    state: StateDir, holder: subprocess.Popen[str]
) -> None:
    with pytest.raises(StateError) as caught:
        StateLock(state, command="rollback").acquire()
    message = str(caught.value)
    assert f"locked by pid {holder.pid} (apply on " in message
    assert "since 20" in message
    assert "wait for it to finish" in message
    # Once the holder exits cleanly the lock is free and not stale.
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait(timeout=TIMEOUT) == 0
    with StateLock(state, command="rollback") as lock:
        assert lock.stale_holder is None


def test_stale_lock_from_a_killed_process_is_taken_over(
    state: StateDir, holder: subprocess.Popen[str], clock: FakeClock
) -> None:
    holder.kill()  # SIGKILL: no chance to release or empty the lock file
    holder.wait(timeout=TIMEOUT)
    assert not pid_alive(holder.pid)
    with StateLock(state, command="apply", clock=clock) as lock:
        stale = lock.stale_holder
        assert stale is not None
        assert (stale.pid, stale.command, stale.alive) == (holder.pid, "apply", False)
        assert stale.started_at is not None
        assert '"command":"apply"' in state.lock_path.read_text()
        assert '"started_at":"2026-11-24T05:15:00.000000Z"' in state.lock_path.read_text()
    assert state.lock_path.read_text() == ""


def test_lock_is_exclusive_within_one_process_and_released(state: StateDir) -> None:
    with StateLock(state, command="apply") as first:
        with pytest.raises(StateError, match="locked by pid"):
            StateLock(state, command="apply").acquire()
        with pytest.raises(StateError, match="already held by this run"):
            first.acquire()
    with StateLock(state, command="apply"):
        pass


def test_garbage_in_lock_file_is_reported_as_unknown_holder(state: StateDir) -> None:
    state.ensure()
    state.lock_path.write_text("garbage")
    with StateLock(state, command="apply") as lock:
        assert lock.stale_holder is not None
        assert lock.stale_holder.describe() == "an unknown process"
