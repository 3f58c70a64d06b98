"""report_body.py: what the PR comment and the drift issue say, within GitHub's limit."""

from __future__ import annotations

from pathlib import Path

import pytest
import report_body

PLAN = "<!-- reconciler:plan:prod -->\n### Plan for `prod`: 1 to update\n"


@pytest.mark.parametrize("code", [0, 2])
def test_a_report_is_posted_as_it_is(code: int) -> None:
    assert report_body.compose("plan", "prod", code, PLAN) == PLAN


def test_the_marker_is_added_when_missing() -> None:
    body = report_body.compose("drift", "dev", 0, "In sync.\n")
    assert body == "<!-- reconciler:drift:dev -->\nIn sync.\n"


def test_a_failure_carries_the_error_tail_and_the_run_link() -> None:
    errors = "\n".join(f"line {i}" for i in range(100)) + "\n```\n"
    body = report_body.compose("plan", "prod", 1, "", errors, "https://example.test/run/1")
    lines = body.splitlines()
    assert lines[0] == "<!-- reconciler:plan:prod -->"
    assert lines[1] == "### reconciler plan failed for `prod` (exit 1)"
    assert "line 99" in body and "line 59" not in body
    assert "line 61" in body
    assert "[workflow run](https://example.test/run/1)" in body
    # The error's own ``` stays inside the four-backtick block.
    assert lines.count("````") == 1 and lines.count("````text") == 1


def test_exit_2_with_no_report_is_a_failure_not_an_empty_comment() -> None:
    body = report_body.compose("plan", "prod", 2, "   \n", "boom")
    assert "failed" in body and "boom" in body


def test_a_long_report_is_cut_at_a_line_with_a_note() -> None:
    report = PLAN + "```diff\n" + "".join(f"~ campaign_{i}: x -> y\n" for i in range(5000))
    body = report_body.compose("plan", "prod", 2, report, run_url="https://example.test/r")
    assert len(report) > report_body.GITHUB_BODY_LIMIT
    assert len(body) <= report_body.GITHUB_BODY_LIMIT
    assert body.startswith(PLAN)
    head, note = body.split("\n\n**Truncated:** ")
    # Cut on a line boundary, and the open code block closed before the note.
    assert head.endswith("\n```\n")
    assert head.splitlines()[-2].startswith("~ campaign_")
    assert note.startswith(f"{len(head)} of {len(report)} characters shown.")
    assert "https://example.test/r" in note


def test_truncate_leaves_short_bodies_alone() -> None:
    assert report_body.truncate("abc\n", 10, "x") == "abc\n"
    cut = report_body.truncate("a\n" * 100, 120, "see the run.")
    assert len(cut) <= 120 and cut.startswith("a\na\n")


def test_cli_writes_the_body(tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(PLAN)
    out = tmp_path / "comment.md"
    argv = ["--kind", "plan", "--env", "prod", "--exit-code", "2"]
    argv += ["--report", str(tmp_path / "plan.md"), "--out", str(out)]
    assert report_body.main(argv) == 0
    assert out.read_text() == PLAN
    # A run that died before writing a report still gets a body.
    argv = ["--kind", "drift", "--env", "dev", "--exit-code", "1"]
    argv += ["--report", str(tmp_path / "none.md"), "--errors", str(tmp_path / "none.err")]
    assert report_body.main([*argv, "--out", str(out)]) == 0
    assert out.read_text().startswith("<!-- reconciler:drift:dev -->\n### reconciler drift failed")
