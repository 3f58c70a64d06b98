"""Ctrl-C or SIGTERM while the guard watches: the change is live and verified, the audit
log says the watch was interrupted, and the exit code says which signal (130 / 143)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine.conftest import Cli, events

REPO = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60.0


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_the_watch_ends_it_cleanly(
    cli: Cli, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    cli.emu.set_metric("Collections_East", "abandonmentRate", 0.01)
    err = tmp_path / "apply.err"
    argv = [sys.executable, "-m", "reconciler", "apply", str(cli.spec), "--auto-approve"]
    with err.open("wb") as sink:
        proc = subprocess.Popen(
            [*argv, "--verify-watch-seconds", "120"],
            cwd=REPO,
            env=dict(os.environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while b"guard: watching" not in err.read_bytes():
                assert proc.poll() is None, err.read_text()
                assert time.monotonic() < deadline, "the guard never started watching"
                time.sleep(0.05)
            proc.send_signal(sig)
            assert proc.wait(timeout=WAIT_SECONDS) == code, err.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=WAIT_SECONDS)
    text = err.read_text()
    assert "Guard interrupted after" in text
    assert "the apply is complete and VERIFIED, its changes are live" in text
    assert "Traceback" not in text and "\ninterrupted\n" not in text
    entries = cli.audit()
    assert events(entries)[-3:] == ["apply-finished", "guard-started", "guard-interrupted"]
    assert entries[-1]["changes"] == "live and verified; not restored"
    assert cli.view().bodies == cli.desired().bodies
