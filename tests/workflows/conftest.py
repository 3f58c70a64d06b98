"""Fixtures for the workflow tests: the helper scripts on sys.path and a fake `gh`."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.ci.fake_github import STATE_VARIABLE

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = REPO_ROOT / ".github" / "scripts"
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
ACTION = REPO_ROOT / ".github" / "actions" / "reconciler" / "action.yml"

# The scripts import each other as top-level modules, as they do when a workflow runs them.
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))


class FakeGitHub:
    """The state behind the player's local GitHub (`reconciler.ci.fake_github`), as JSON."""

    def __init__(self, directory: Path) -> None:
        self.state_file = directory / "gh-state.json"
        self.executable = directory / "gh"
        self.executable.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" -m reconciler.ci.fake_github "$@"\n'
        )
        self.executable.chmod(self.executable.stat().st_mode | stat.S_IXUSR)

    def seed(self, **parts: Any) -> None:
        """Replace parts of the state (comments, issues, labels, artifacts, zips)."""
        state = self.state()
        state.update(parts)
        self.state_file.write_text(json.dumps(state))

    def state(self) -> dict[str, Any]:
        """The current state."""
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def calls(self) -> list[tuple[str, str]]:
        """Every (method, path) asked so far."""
        return [(m, p) for m, p in self.state().get("log", [])]


@pytest.fixture
def fake_gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    """A fake GitHub behind a `gh` executable; the scripts get its path via `--gh`."""
    directory = tmp_path / "fake-gh"
    directory.mkdir()
    fake = FakeGitHub(directory)
    monkeypatch.setenv(STATE_VARIABLE, str(fake.state_file))
    return fake
