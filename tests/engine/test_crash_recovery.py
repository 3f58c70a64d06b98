"""A real `python -m reconciler apply` SIGKILLed mid-apply; the next run must notice and recover.

The emulator runs in a thread of the test process (real socket, slow activations), the apply
in a child process. Every wait is bounded; the child is always killed and reaped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.engine.conftest import (
    DRIFTED_TOUCHED,
    Cli,
    CliFactory,
    assert_tenant_equals,
    assert_touched_are_desired_or_before,
    drifted_seed,
)

REPO = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30.0
OPERATION_SECONDS = 1.0


@pytest.fixture
def slow(cli_factory: CliFactory) -> Cli:
    """The drifted tenant with activations slow enough to kill an apply in the middle."""
    return cli_factory(drifted_seed(), operation_seconds=OPERATION_SECONDS)


def journal_intents(cli: Cli) -> int:
    """Intent records in journals of runs still in progress."""
    count = 0
    directory = cli.state.journal_dir
    for path in directory.glob("*.jsonl") if directory.is_dir() else ():
        for line in path.read_bytes().splitlines():
            try:
                count += json.loads(line).get("type") == "intent"
            except ValueError:
                continue  # a line being written right now
    return count


@contextmanager
def child_apply(cli: Cli, tmp: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m reconciler apply` in a child process with the test's environment."""
    out = (tmp / "child.out").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", str(cli.spec), "--auto-approve"],
        cwd=REPO,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=WAIT_SECONDS)
        out.close()


def wait_for(condition: object, what: str, proc: subprocess.Popen[bytes], out: Path) -> None:
    """Bounded polling until `condition()` holds (the child runs on its own clock)."""
    assert callable(condition)
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the child exited ({proc.returncode}) before {what}: {out.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}: {out.read_text()}")
        time.sleep(0.02)


def kill_mid_apply(cli: Cli, tmp: Path, *, while_running: object = None) -> None:
    """Start an apply in a child, SIGKILL it once its journal holds a write intent."""
    with child_apply(cli, tmp) as proc:
        wait_for(lambda: journal_intents(cli) >= 1, "a journal intent", proc, tmp / "child.out")
        if callable(while_running):
            while_running()
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=WAIT_SECONDS) == -signal.SIGKILL
    assert cli.unfinished() == 1


def test_killed_apply_is_recovered_by_the_next_apply_which_then_converges(
    slow: Cli, tmp_path: Path
) -> None:
    before = slow.view()
    concurrent: list[int] = []

    def second_apply_while_the_first_runs() -> None:
        run = slow.apply()
        concurrent.append(run.code)
        assert "locked by" in run.err and "apply" in run.err

    kill_mid_apply(slow, tmp_path, while_running=second_apply_while_the_first_runs)
    assert concurrent == [1]
    # The dead run may have left the settings half-way: desired or before, nothing else.
    assert_touched_are_desired_or_before(slow.view(), before, slow.desired(), DRIFTED_TOUCHED)

    run = slow.apply()

    assert run.code == 0, run.text
    assert "recovery: an earlier `apply`" in run.err and "interrupted" in run.err
    assert "restored to snapshot" in run.err and "verified" in run.err
    assert "died holding the state lock" in run.err  # the dead child's lock was taken over
    assert_tenant_equals(slow.view(), slow.desired())
    events = [e["event"] for e in slow.audit()]
    assert events.count("apply-started") == 2
    assert "recovery-started" in events and "recovery-finished" in events
    recovery = next(e for e in slow.audit() if e["event"] == "recovery-finished")
    assert recovery["result"] == "restored"
    assert slow.unfinished() == 0
    assert slow.run("audit", "verify", str(slow.spec)).code == 0


def test_killed_apply_is_recovered_by_rollback_to_the_pre_apply_content(
    slow: Cli, tmp_path: Path
) -> None:
    before = slow.view()
    kill_mid_apply(slow, tmp_path)

    # No last-known-good exists yet: rollback still finishes the interrupted run first.
    run = slow.run("rollback", str(slow.spec), "--auto-approve")

    assert "recovery: an earlier `apply`" in run.err
    assert slow.unfinished() == 0
    assert_tenant_equals(slow.view(), before, tokens=False)
    assert run.code == 1 and "no last-known-good" in run.err
