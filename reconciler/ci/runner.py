"""A runner for one job: a fresh clone of the repository, the runner's files and tools.

Each job of a GitHub workflow starts on a clean machine with its own checkout; here each
job gets its own `git clone --shared` at the commit under test, a `RUNNER_TEMP`, and a
`bin/` directory put first on PATH with `gh` (the local GitHub), `python`/`python3` (the
player's interpreter) and `reconciler` (the tool the player belongs to).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reconciler.ci.fake_github import STATE_VARIABLE
from reconciler.errors import ConfigError

MASK = "***"


@dataclass(frozen=True)
class Runner:
    """The directories and environment of one job's machine."""

    workspace: Path
    temp: Path
    bin_dir: Path

    def step_files(self, index: int) -> dict[str, Path]:
        """Fresh GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_ENV files for a step."""
        files = {
            "GITHUB_OUTPUT": self.temp / f"step-{index}.output",
            "GITHUB_STEP_SUMMARY": self.temp / f"step-{index}.summary",
            "GITHUB_ENV": self.temp / f"step-{index}.env",
        }
        for path in files.values():
            path.write_text("", encoding="utf-8")
        return files


def git(repo: Path, *args: str) -> str:
    """Run git in `repo`; its output, stripped."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ConfigError(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout.strip()


def resolve(repo: Path, ref: str) -> str:
    """The full commit id of `ref` in `repo`."""
    return git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}")


def _shim(path: Path, command: str) -> None:
    path.write_text(f'#!/bin/sh\nexec {command} "$@"\n', encoding="utf-8")
    path.chmod(0o755)


def make_runner(source: Path, commit: str, root: Path) -> Runner:
    """A job's machine under `root`: a clone of `source` at `commit` and the tools."""
    workspace, temp, bin_dir = root / "workspace", root / "temp", root / "bin"
    for directory in (temp, bin_dir):
        directory.mkdir(parents=True)
    # --shared borrows the source's objects: a full history (fetch-depth: 0) for free.
    git(source, "clone", "--quiet", "--shared", "--no-checkout", str(source), str(workspace))
    git(workspace, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit)
    python = shlex.quote(sys.executable)
    _shim(bin_dir / "python", python)
    _shim(bin_dir / "python3", python)
    _shim(bin_dir / "reconciler", f"{python} -m reconciler")
    _shim(bin_dir / "gh", f"{python} -m reconciler.ci.fake_github")
    return Runner(workspace, temp, bin_dir)


def base_environment(
    runner: Runner, host: Mapping[str, str], github_state: Path, github_env: Mapping[str, str]
) -> dict[str, str]:
    """What every step sees before the workflow's own `env:`: a runner, not the user's shell."""
    env = {
        name: host[name]
        for name in ("HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "SYSTEMROOT")
        if name in host
    }
    env["PATH"] = os.pathsep.join([str(runner.bin_dir), host.get("PATH", os.defpath)])
    env.update(github_env)
    env.update(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(runner.workspace),
            "RUNNER_TEMP": str(runner.temp),
            "RUNNER_OS": "Linux",
            STATE_VARIABLE: str(github_state),
        }
    )
    return env


def run_script(
    runner: Runner, script: str, shell: str, env: Mapping[str, str], cwd: Path
) -> tuple[int, str]:
    """Run a `run:` step as GitHub does (`bash --noprofile --norc -eo pipefail`); code, log."""
    path = runner.temp / "step.sh"
    path.write_text(script if script.endswith("\n") else script + "\n", encoding="utf-8")
    commands = {
        "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)],
        "sh": ["sh", "-e", str(path)],
        "python": [sys.executable, str(path)],
    }
    if shell not in commands:
        raise ConfigError(f"the player cannot run steps with `shell: {shell}`")
    done = subprocess.run(
        commands[shell],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return done.returncode, done.stdout.decode("utf-8", errors="replace")


def read_key_values(path: Path) -> dict[str, str]:
    """A GITHUB_OUTPUT / GITHUB_ENV file: `key=value` lines and `key<<DELIM` blocks."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            block: list[str] = []
            while index < len(lines) and lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            index += 1
            values[key] = "\n".join(block)
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def mask(text: str, secrets: Mapping[str, str]) -> str:
    """Secret values replaced by *** as in a GitHub log (longest first)."""
    for value in sorted((v for v in secrets.values() if v), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
