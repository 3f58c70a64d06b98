"""`reconciler ci` from the command line: the embedded emulator, the report, the exit status."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from reconciler.cli.main import main
from tests.workflows.test_player import REPO_ROOT, add_environment


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(REPO_ROOT / ".github", repo / ".github")
    add_environment(repo, "prod")
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.email=p@example.invalid", "-c", "user.name=p", "commit", "-qm", "specs"],
    ):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return repo


def test_drift_against_the_embedded_emulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, out = _repo(tmp_path), tmp_path / "ci"
    code = main(["ci", "drift", "--repo", str(repo), "--out", str(out), "--emulator"])
    assert code == 0  # drift found is a result: the run is green
    printed = capsys.readouterr().out
    assert "Embedded emulator on http://127.0.0.1:" in printed
    assert "drift: run " in printed and "[ok] drift prod: success" in printed
    assert (out / "prod" / "exit-code").read_text() == "2\n"
    assert (out / "prod" / "issue.json").is_file()


def test_an_unknown_ref_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    argv = ["ci", "plan", "--repo", str(repo), "--out", str(tmp_path / "ci"), "--base", "nope"]
    assert main(argv) == 1
    assert "error: git rev-parse" in capsys.readouterr().err


def test_help_lists_the_three_workflows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ci", "--help"]) == 0
    text = capsys.readouterr().out
    for word in ("plan", "apply", "drift", "comment.md", "issue.json", "exit-code"):
        assert word in text
