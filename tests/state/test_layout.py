"""StateDir paths and directory creation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.state.layout import StateDir


def test_paths(tmp_path: Path) -> None:
    state = StateDir(tmp_path, "prod")
    assert state.env_dir == tmp_path / "prod"
    assert state.snapshots_dir == tmp_path / "prod" / "snapshots"
    assert state.journal_dir == tmp_path / "prod" / "journal"
    assert state.audit_path == tmp_path / "prod" / "audit.jsonl"
    assert state.lock_path.parent == state.env_dir
    assert state.last_known_good_path.parent == state.env_dir


def test_ensure_creates_private_directories(tmp_path: Path) -> None:
    state = StateDir(tmp_path / "root", "staging")
    state.ensure()
    state.ensure()  # idempotent
    for directory in (state.env_dir, state.snapshots_dir, state.journal_dir):
        assert directory.is_dir()
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


@pytest.mark.parametrize("name", ["", "..", "../prod", "a/b", ".hidden", "a..b"])
def test_environment_names_that_escape_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(StateError, match="cannot be used as a directory name"):
        StateDir(tmp_path, name)


def test_unwritable_root_is_a_state_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StateError, match="cannot create state directory"):
        StateDir(blocker, "prod").ensure()
