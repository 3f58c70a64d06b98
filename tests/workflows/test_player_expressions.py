"""The player's pieces alone: expressions, conditions, job order, output files, masking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.ci import actions, fake_github
from reconciler.ci.expressions import Status, condition, evaluate, interpolate, to_string
from reconciler.ci.runner import mask, read_key_values
from reconciler.ci.workflow import job_order, load_workflow, referenced
from reconciler.errors import ConfigError

CONTEXTS: dict[str, Any] = {
    "steps": {"plan": {"outputs": {"exit-code": "2"}, "outcome": "success"}},
    "needs": {"changes": {"outputs": {"envs": '["prod", "staging"]', "count": "2"}}},
    "github": {"repository": "acme/dialers", "event": {"pull_request": {"number": 7}}},
    "matrix": {"env": "prod"},
    "inputs": {},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("steps.plan.outputs.exit-code", "2"),
        ("steps.plan.outputs.exit-code != ''", True),
        ("steps.missing.outputs.exit-code != ''", False),
        ("steps.plan.outputs.exit-code == 2", True),  # compared as numbers
        ("needs.changes.outputs.count != '0'", True),
        ("fromJSON(needs.changes.outputs.envs)", ["prod", "staging"]),
        ("github.event.pull_request.number", 7),
        ("github['repository']", "acme/dialers"),
        ("'ACME/Dialers' == github.repository", True),  # strings ignore case
        ("inputs.environment || 'all'", "all"),
        ("matrix.env && 'yes'", "yes"),
        ("!inputs.fresh-state", True),
        ("(1 < 2) && !(2 <= 1)", True),
        ("format('{0}-{1}', 'plan', matrix.env)", "plan-prod"),
        ("contains(fromJSON(needs.changes.outputs.envs), 'PROD')", True),
        ("startsWith(github.repository, 'acme/')", True),
        ("'it''s'", "it's"),
        ("null == ''", True),
    ],
)
def test_expressions(expression: str, expected: Any) -> None:
    assert evaluate(expression, CONTEXTS) == expected


def test_interpolation_keeps_a_lone_expressions_type_and_stringifies_inside_text() -> None:
    assert interpolate("${{ fromJSON('[1, 2]') }}", CONTEXTS) == [1, 2]
    text = "${{ github.repository }}/runs/${{ steps.plan.outputs.exit-code }} ${{ true }}"
    assert interpolate(text, CONTEXTS) == "acme/dialers/runs/2 true"
    assert interpolate({"a": ["x-${{ matrix.env }}"]}, CONTEXTS) == {"a": ["x-prod"]}
    assert to_string(None) == "" and to_string(2.0) == "2"


def test_conditions_follow_the_status_functions() -> None:
    ok, failed = Status(), Status(failed=True)
    assert condition(None, CONTEXTS, ok) and not condition(None, CONTEXTS, failed)
    # Without a status function an `if:` implies success().
    plain = "steps.plan.outputs.exit-code != ''"
    assert condition(plain, CONTEXTS, ok) and not condition(plain, CONTEXTS, failed)
    guarded = "${{ !cancelled() && steps.plan.outputs.exit-code != '' }}"
    assert condition(guarded, CONTEXTS, failed)
    assert condition("always() && false", CONTEXTS, failed) is False
    assert condition("${{ failure() }}", CONTEXTS, failed)
    assert not condition("failure()", CONTEXTS, ok)


@pytest.mark.parametrize("bad", ["steps.", "(1 == 1", "1 == 1 )", "unknown(1)", "a ~ b"])
def test_unreadable_expressions_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError):
        evaluate(bad, CONTEXTS)


def test_job_order_follows_needs_and_refuses_cycles() -> None:
    jobs = {"c": {"needs": ["a", "b"]}, "b": {"needs": "a"}, "a": {}}
    assert job_order(jobs) == ["a", "b", "c"]
    with pytest.raises(ConfigError, match="need each other"):
        job_order({"a": {"needs": "b"}, "b": {"needs": "a"}})


def test_workflow_loading_and_the_secrets_it_names() -> None:
    text = "on: push\njobs:\n  a:\n    steps:\n      - run: echo ${{ secrets.X_Y }} ${{ vars.URL }}"
    workflow = load_workflow(text, "w.yml")
    assert "on" in workflow  # YAML 1.1 would have made it True
    assert referenced(text, "secrets") == ["X_Y"] and referenced(text, "vars") == ["URL"]
    with pytest.raises(ConfigError, match="not a workflow"):
        load_workflow("name: x\n", "w.yml")


def test_output_files_and_masking(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("exit-code=2\nreport=out/plan.md\nbody<<EOF\nline 1\nline=2\nEOF\nlast=x\n")
    assert read_key_values(out) == {
        "exit-code": "2",
        "report": "out/plan.md",
        "body": "line 1\nline=2",
        "last": "x",
    }
    assert mask("id abc, secret abcdef", {"a": "abc", "b": "abcdef"}) == "id ***, secret ***"


def test_install_steps_are_recognised() -> None:
    assert actions.is_install_step("python -m pip install .")
    assert actions.is_install_step('python3 -m pip install "reconciler @ git+https://x@sha"')
    assert not actions.is_install_step("python -m pip install .\nreconciler plan specs/prod")
    assert not actions.is_install_step("python .github/scripts/run_reconciler.py")


def test_upload_artifact_leaves_hidden_files_out_unless_asked(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "state" / ".hidden").mkdir(parents=True)
    (workspace / "state" / "journal.jsonl").write_text("{}\n")
    (workspace / "state" / ".hidden" / "lkg").write_text("x")
    upload = actions.Upload(tmp_path / "gh.json", tmp_path / "copies", "main", 5)
    plain = actions.run_action(
        "actions/upload-artifact@abc", {"name": "s", "path": "state"}, workspace, upload
    )
    assert plain.ok and sorted(p.name for p in (tmp_path / "copies" / "s").rglob("*")) == [
        "journal.jsonl"
    ]
    hidden = {"name": "s", "path": "state", "include-hidden-files": "true"}
    assert actions.run_action("actions/upload-artifact@abc", hidden, workspace, upload).ok
    assert (tmp_path / "copies" / "s" / ".hidden" / "lkg").read_text() == "x"
    state = fake_github.load(tmp_path / "gh.json")
    assert [a["workflow_run"]["head_branch"] for a in state["artifacts"]] == ["main", "main"]
    missing = {"name": "m", "path": "nothing", "if-no-files-found": "error"}
    assert not actions.run_action("actions/upload-artifact@abc", missing, workspace, upload).ok
    with pytest.raises(ConfigError, match="cannot run the action"):
        actions.run_action("someone/else@v1", {}, workspace, upload)


def test_local_github_pages_issues_and_answers_404s_like_gh() -> None:
    state: dict[str, Any] = {}
    for n in range(3):
        fake_github.handle(state, "POST", "repos/o/r/issues/9/comments", {"body": f"c{n}"})
    page = fake_github.handle(state, "GET", "repos/o/r/issues/9/comments?per_page=2&page=2", None)
    assert [c["body"] for c in page] == ["c2"]
    issue = fake_github.handle(state, "POST", "repos/o/r/issues", {"body": "b", "labels": ["x"]})
    fake_github.handle(state, "PATCH", f"repos/o/r/issues/{issue['number']}", {"state": "closed"})
    assert fake_github.handle(state, "GET", "repos/o/r/issues?state=open&labels=x", None) == []
    with pytest.raises(fake_github.NotFoundError):
        fake_github.handle(state, "GET", "repos/o/r/labels/x", None)
