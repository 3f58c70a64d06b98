"""state_artifact.py against a fake GitHub: the state directory survives between runs."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import state_artifact
from github_api import GitHub

from tests.workflows.conftest import FakeGitHub

NAME = "reconciler-state-prod"


def archive(files: dict[str, str]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return base64.b64encode(buffer.getvalue()).decode()


def artifact(ident: int, created: str, branch: str = "main", **extra: Any) -> dict[str, Any]:
    run = {"id": ident * 10, "head_branch": branch}
    return {"id": ident, "name": NAME, "created_at": created, "expired": False,
            "workflow_run": run, **extra}  # fmt: skip


def restore(fake: FakeGitHub, dest: Path, allow_fresh: bool = False) -> str:
    gh = GitHub("acme/dialers", str(fake.executable))
    return state_artifact.restore(gh, NAME, "main", dest, allow_fresh)


def test_the_newest_artifact_of_main_is_restored(fake_gh: FakeGitHub, tmp_path: Path) -> None:
    fake_gh.seed(
        artifacts=[
            artifact(1, "2026-01-01T00:00:00Z"),
            artifact(3, "2026-03-01T00:00:00Z"),
            # Newer, but from a branch: a branch's workflow must not plant a state.
            artifact(4, "2026-04-01T00:00:00Z", branch="evil"),
            artifact(2, "2026-02-01T00:00:00Z"),
        ],
        zips={
            "1": archive({"old.json": "1"}),
            "3": archive({"snapshots/s-3.json": "{}", "last-known-good": "s-3", "audit.log": "x"}),
            "4": archive({"last-known-good": "planted"}),
        },
    )
    dest = tmp_path / ".reconciler" / "prod"
    message = restore(fake_gh, dest)
    assert message.startswith("restored 3 files") and "artifact 3" in message
    assert (dest / "last-known-good").read_text() == "s-3"
    assert (dest / "snapshots" / "s-3.json").read_text() == "{}"
    assert not (dest / "old.json").exists()


def test_a_first_run_starts_empty(fake_gh: FakeGitHub, tmp_path: Path) -> None:
    dest = tmp_path / "state"
    assert "starting with an empty state directory" in restore(fake_gh, dest)
    assert dest.is_dir() and not any(dest.iterdir())


def test_an_expired_state_is_refused_unless_allowed(fake_gh: FakeGitHub, tmp_path: Path) -> None:
    fake_gh.seed(artifacts=[artifact(5, "2026-01-01T00:00:00Z", expired=True)])
    with pytest.raises(state_artifact.StateError, match="has expired"):
        restore(fake_gh, tmp_path / "state")
    assert not (tmp_path / "state").exists()
    assert "starting fresh" in restore(fake_gh, tmp_path / "state", allow_fresh=True)


def test_entries_escaping_the_directory_are_refused(fake_gh: FakeGitHub, tmp_path: Path) -> None:
    fake_gh.seed(
        artifacts=[artifact(1, "2026-01-01T00:00:00Z")], zips={"1": archive({"../x": "1"})}
    )
    with pytest.raises(state_artifact.StateError, match="escapes"):
        restore(fake_gh, tmp_path / "state")
    assert not (tmp_path / "x").exists()


def test_cli_reports_a_refusal_as_an_annotation(
    fake_gh: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_gh.seed(artifacts=[artifact(5, "2026-01-01T00:00:00Z", expired=True)])
    argv = ["--repo", "acme/dialers", "--name", NAME, "--dest", str(tmp_path / "s")]
    argv += ["--gh", str(fake_gh.executable)]
    assert state_artifact.main(argv) == 1
    assert capsys.readouterr().err.startswith("::error title=State not restored::")
    assert state_artifact.main([*argv, "--allow-fresh"]) == 0
