"""drift_issue.py against a fake GitHub: one issue per environment, opened, kept, closed."""

from __future__ import annotations

from pathlib import Path

import drift_issue
import pytest
from github_api import GitHub

from tests.workflows.conftest import FakeGitHub

LABEL = drift_issue.DEFAULT_LABEL


def body(env: str, text: str) -> str:
    return f"{drift_issue.drift_marker(env)}\n{text}\n"


def sync(fake: FakeGitHub, env: str, drifted: bool, text: str) -> tuple[str, int | None]:
    gh = GitHub("acme/dialers", str(fake.executable))
    return drift_issue.sync_issue(gh, env, drifted, body(env, text), LABEL, "https://run/1")


def test_drift_opens_then_updates_then_closes(fake_gh: FakeGitHub) -> None:
    action, number = sync(fake_gh, "prod", True, "2 campaigns differ")
    assert action == "opened"
    [issue] = fake_gh.state()["issues"]
    assert issue["title"] == "Drift detected in prod"
    assert issue["labels"] == [LABEL] and fake_gh.state()["labels"] == [LABEL]
    assert sync(fake_gh, "prod", True, "3 campaigns differ") == ("updated", number)
    assert sync(fake_gh, "prod", True, "3 campaigns differ") == ("unchanged", number)
    [issue] = fake_gh.state()["issues"]
    assert issue["body"] == body("prod", "3 campaigns differ")
    assert sync(fake_gh, "prod", False, "in sync") == ("closed", number)
    [issue] = fake_gh.state()["issues"]
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    [note] = fake_gh.state()["comments"][str(number)]
    assert "Back in sync" in note["body"] and "https://run/1" in note["body"]
    # Drifting again later opens a new issue: the closed one is history.
    assert sync(fake_gh, "prod", True, "again")[0] == "opened"
    assert len(fake_gh.state()["issues"]) == 2


def test_in_sync_without_an_issue_does_nothing(fake_gh: FakeGitHub) -> None:
    assert sync(fake_gh, "prod", False, "in sync") == ("none", None)
    assert [m for m, _ in fake_gh.calls()] == ["GET"]


def test_other_environments_and_pull_requests_are_left_alone(fake_gh: FakeGitHub) -> None:
    dev_issue = {"number": 5, "state": "open", "labels": [LABEL], "body": body("dev", "dev")}
    a_pr = {"number": 6, "state": "open", "labels": [LABEL], "body": body("prod", "pr"),
            "pull_request": {"url": "x"}}  # fmt: skip
    fake_gh.seed(issues=[dev_issue, a_pr], labels=[LABEL])
    action, number = sync(fake_gh, "prod", True, "drift")
    assert action == "opened" and number not in (5, 6)
    assert sync(fake_gh, "prod", False, "ok") == ("closed", number)
    states = {i["number"]: i["state"] for i in fake_gh.state()["issues"]}
    assert states[5] == "open" and states[6] == "open"
    # The label existed: it was looked up, not created again.
    assert fake_gh.state()["labels"] == [LABEL]


def test_a_body_without_the_marker_is_refused(fake_gh: FakeGitHub) -> None:
    gh = GitHub("acme/dialers", str(fake_gh.executable))
    with pytest.raises(ValueError, match="must start with"):
        drift_issue.sync_issue(gh, "prod", True, "no marker", LABEL, None)


def test_cli_maps_exit_codes_and_refuses_an_error(fake_gh: FakeGitHub, tmp_path: Path) -> None:
    issue_md = tmp_path / "issue.md"
    issue_md.write_text(body("prod", "drift"))
    argv = ["--repo", "acme/dialers", "--env", "prod", "--body-file", str(issue_md)]
    argv += ["--gh", str(fake_gh.executable)]
    assert drift_issue.main([*argv, "--exit-code", "2"]) == 0
    assert fake_gh.state()["issues"][0]["state"] == "open"
    assert drift_issue.main([*argv, "--exit-code", "0"]) == 0
    assert fake_gh.state()["issues"][0]["state"] == "closed"
    # Exit 1 (the drift check failed) says nothing about drift.
    with pytest.raises(SystemExit):
        drift_issue.main([*argv, "--exit-code", "1"])
