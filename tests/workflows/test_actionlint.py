"""Every workflow passes actionlint (its WebAssembly build, pinned in tools/actionlint)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.conftest import REPO_ROOT, WORKFLOWS

TOOL_DIR = REPO_ROOT / "tools" / "actionlint"
LINT_SCRIPT = TOOL_DIR / "lint.cjs"
PACKAGE = TOOL_DIR / "node_modules" / "@tktco" / "node-actionlint" / "main.wasm"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))


def lint(files: list[Path]) -> list[dict[str, Any]]:
    """actionlint's findings for `files`."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: actionlint's WebAssembly build needs it")
    if not PACKAGE.is_file():
        pytest.fail(
            "the pinned actionlint is not installed: run `npm ci --prefix tools/actionlint`",
            pytrace=False,
        )
    proc = subprocess.run(
        [node, str(LINT_SCRIPT), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    findings: list[dict[str, Any]] = json.loads(proc.stdout)
    return findings


@pytest.fixture(scope="module")
def findings() -> list[dict[str, Any]]:
    """One linter run over every workflow (the wasm takes a moment to start)."""
    return lint(WORKFLOW_FILES)


def test_the_five_workflows_exist() -> None:
    assert [f.name for f in WORKFLOW_FILES] == [
        "apply.yml",
        "ci.yml",
        "deps-latest.yml",
        "drift.yml",
        "plan.yml",
    ]


@pytest.mark.parametrize("workflow", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_has_no_findings(workflow: Path, findings: list[dict[str, Any]]) -> None:
    mine = [
        f"{f['line']}:{f['column']}: {f['message']} [{f['kind']}]"
        for f in findings
        if Path(f["file"]) == workflow
    ]
    assert mine == []


def test_the_linter_does_find_problems(tmp_path: Path) -> None:
    """A check that can fail: a workflow with two known mistakes gets two findings."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\n"
        "permissions: {contents: read}\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
        "      - run: echo ${{ matrix.nope }}\n"
    )
    kinds = sorted(f["line"] for f in lint([bad]))
    assert kinds == [7, 8]
