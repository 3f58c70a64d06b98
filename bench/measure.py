"""What every benchmark shares: the CLI and the emulator as processes, one line per figure.

A figure is what a user gets: `python -m reconciler ...` started as a process (interpreter
start and imports included) against `reconciler emulator` started as another process, over
a loopback socket. Figures of an in-process API (the client library, the capacity model)
are printed only labelled as such, beside the CLI figure.

Every figure prints as `name: figure unit (bound B unit, ratio R x)`; ratio is figure/bound,
so below 1.00x meets the bound.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STARTUP_TIMEOUT_SECONDS = 30.0
CREDENTIALS = {"CXONE_CLIENT_ID": "bench", "CXONE_CLIENT_SECRET": "bench-secret"}


def figure(name: str, value: float, unit: str, bound: float, *, digits: int = 2) -> float:
    """Print one figure against its bound; returns the ratio (a zero bound met counts 0)."""
    unmet = 0.0 if value == 0 else float("inf")
    ratio = value / bound if bound else unmet
    unit_text = f" {unit}" if unit else ""
    print(
        f"{name}: {value:.{digits}f}{unit_text} (bound {bound:.{digits}f}{unit_text}, "
        f"ratio {ratio:.2f}x)",
        flush=True,
    )
    return ratio


def note(text: str) -> None:
    """A line of context under the figures (what was measured, how a bound was derived)."""
    print(f"  {text}", flush=True)


@dataclass(frozen=True)
class CliRun:
    """One `reconciler` process: exit code, output, wall time, its own CPU and peak memory."""

    code: int
    out: str
    err: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def cli_env(base_url: str, state_dir: Path, **extra: str) -> dict[str, str]:
    """The environment a user sets to point the CLI at a tenant."""
    return {
        **os.environ,
        **CREDENTIALS,
        "CXONE_BASE_URL": base_url,
        "RECONCILER_STATE_DIR": str(state_dir),
        "NO_COLOR": "1",
        **extra,
    }


def run_cli(
    argv: Sequence[str], env: dict[str, str] | None = None, *, check: bool = True
) -> CliRun:
    """`python -m reconciler ARGV...` as a separate process, timed from start to exit."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *argv],
            env=env if env is not None else dict(os.environ),
            stdout=out,
            stderr=err,
            text=True,
        )
        # wait4: this process's own usage, not that of every child the benchmark started.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        run = CliRun(
            proc.returncode,
            out.read(),
            err.read(),
            seconds,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,  # KiB on Linux
        )
    if check and run.code not in (0, 2):
        raise SystemExit(f"`reconciler {' '.join(argv)}` exited {run.code}:\n{run.err[-3000:]}")
    return run


class EmulatorProcess:
    """`reconciler emulator` in its own process, seeded from a document; its control API."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self._proc = proc
        self.url = url

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """GET (no body) or POST a `/_emulator/...` control endpoint; the decoded answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/_emulator/{path}",
            data=data,
            headers={"Content-Type": "application/json"},
            method="GET" if body is None else "POST",
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())

    def requests(self) -> list[dict[str, Any]]:
        """Every API request the emulator answered (method, path, query, status)."""
        return list(self.control("requests"))

    def tenant(self) -> dict[str, Any]:
        """The live tenant as the emulator holds it."""
        return dict(self.control("tenant"))


@contextlib.contextmanager
def emulator_process(seed: dict[str, Any], *options: str) -> Iterator[EmulatorProcess]:
    """Start `reconciler emulator --port 0 --seed FILE OPTIONS...`; stop it (SIGTERM) after."""
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        seed_file = Path(tmp) / "seed.json"
        seed_file.write_text(json.dumps(seed), encoding="utf-8")
        argv = ["emulator", "--port", "0", "--seed", str(seed_file), *options]
        proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            url = _listening_url(proc)
            yield EmulatorProcess(proc, url)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=STARTUP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _listening_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    line = ""
    while time.monotonic() < deadline and proc.poll() is None:
        line = proc.stdout.readline()
        if line.startswith("emulator listening on "):
            return line.removeprefix("emulator listening on ").strip()
    raise SystemExit(f"the emulator did not start (last line {line!r})")


def export_specs(base_url: str, out: Path, state_dir: Path) -> Path:
    """`reconciler export` of the live tenant into `out` (a spec directory); returns `out`."""
    run_cli(["export", "--out", str(out), "--environment", out.name], cli_env(base_url, state_dir))
    return out


def count_by_status(requests: list[dict[str, Any]], status: int) -> int:
    """How many of the recorded requests were answered `status`."""
    return sum(1 for r in requests if r["status"] == status)
