"""The changed-environments matrix: from paths, from a git range, and as a workflow output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import changed_envs
import pytest


def make_env(root: Path, name: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "tenant.yaml").write_text("kind: Tenant\n")


def test_environments_are_directories_with_a_tenant_file(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    make_env(specs, "prod")
    make_env(specs, "dev")
    (specs / "example").mkdir()
    (specs / "README.md").write_text("x")
    assert changed_envs.environments(specs) == ["dev", "prod"]
    assert changed_envs.environments(tmp_path / "missing") == []


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["specs/prod/campaigns/a.yaml"], ["prod"]),
        (["specs/prod/tenant.yaml", "specs/dev/x.yml", "specs/prod/b.yaml"], ["dev", "prod"]),
        (["specs/README.md", "README.md", "reconciler/cli/main.py"], []),
        # A deleted environment (no tenant.yaml any more) has nothing to plan.
        (["specs/gone/tenant.yaml"], []),
        (["specs/example/campaigns/a.yaml"], []),
        (["other/specs/prod/a.yaml", "specsprod/a.yaml"], []),
        (["  specs/dev/a.yaml  "], ["dev"]),
    ],
)
def test_changed_environments_from_paths(paths: list[str], expected: list[str]) -> None:
    assert changed_envs.changed_environments(paths, "specs", ["dev", "prod"]) == expected


def test_a_nested_specs_root() -> None:
    got = changed_envs.changed_environments(["deploy/specs/prod/a.yaml"], "deploy/specs/", ["prod"])
    assert got == ["prod"]


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with three environments in its first commit."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for env in ("dev", "prod", "staging"):
        make_env(repo / "specs", env)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    monkeypatch.chdir(repo)
    return repo


def run_cli(*args: str, output: Path | None = None) -> list[str]:
    argv = ["--specs", "specs", *args]
    if output is not None:
        argv += ["--github-output", str(output)]
    assert changed_envs.main(argv) == 0
    return [] if output is None else output.read_text().splitlines()


def test_git_range_selects_what_changed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / "specs" / "prod" / "campaign.yaml").write_text("kind: Campaign\n")
    (repo / "README.md").write_text("docs\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "prod campaign")
    out = repo / "github-output"
    lines = run_cli("--base", base, "--head", "HEAD", output=out)
    assert json.loads(capsys.readouterr().out) == ["prod"]
    assert lines == ['envs=["prod"]', "count=1"]


def test_a_file_moved_between_environments_counts_for_both(repo: Path) -> None:
    (repo / "specs" / "dev" / "c.yaml").write_text("kind: Campaign\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "dev campaign")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "specs/dev/c.yaml", "specs/staging/c.yaml")
    git(repo, "commit", "-q", "-m", "move")
    assert changed_envs.diff_paths(base, "HEAD") == ["specs/dev/c.yaml", "specs/staging/c.yaml"]


@pytest.mark.parametrize("base", [changed_envs.NULL_SHA, "", "1234567890" * 4])
def test_an_unknown_base_selects_every_environment(repo: Path, base: str) -> None:
    lines = run_cli("--base", base, output=repo / "out")
    assert lines == ['envs=["dev", "prod", "staging"]', "count=3"]


def test_all_only_and_paths_from(repo: Path, tmp_path: Path) -> None:
    assert run_cli("--all", output=tmp_path / "a")[0] == 'envs=["dev", "prod", "staging"]'
    assert run_cli("--only", "dev", output=tmp_path / "b")[0] == 'envs=["dev"]'
    paths = tmp_path / "paths.txt"
    paths.write_text("specs/staging/a.yaml\nspecs/nope/b.yaml\n")
    assert run_cli("--paths-from", str(paths), output=tmp_path / "c") == [
        'envs=["staging"]',
        "count=1",
    ]
    with pytest.raises(SystemExit, match="no environment 'qa'"):
        changed_envs.main(["--specs", "specs", "--only", "qa"])


def test_nothing_changed_gives_an_empty_matrix(repo: Path) -> None:
    assert run_cli("--base", "HEAD", output=repo / "out") == ["envs=[]", "count=0"]
