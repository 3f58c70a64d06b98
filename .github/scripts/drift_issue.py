"""Keep one GitHub issue per environment in step with its drift status.

    drift_issue.py --repo OWNER/NAME --env prod --exit-code 2 --body-file drift.md

`--exit-code` is `reconciler drift`'s: 2 drift, 0 in sync (any other code is refused: an
error says nothing about drift, so the issue is left as it is). On drift the open issue for
the environment (label `reconciler-drift`, body starting with
`<!-- reconciler:drift:<env> -->`) is updated, or opened when there is none; back in sync,
it is closed with a comment. Needs `GH_TOKEN` with `issues: write`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from github_api import GitHub, GitHubError

DEFAULT_LABEL = "reconciler-drift"
# `reconciler drift` exit codes.
IN_SYNC, DRIFTED = 0, 2
LABEL_COLOR = "d93f0b"


def drift_marker(env: str) -> str:
    """The first line of the environment's drift report and issue."""
    return f"<!-- reconciler:drift:{env} -->"


def find_open_issue(api: GitHub, env: str, label: str) -> dict[str, Any] | None:
    """The open drift issue of `env`, if any."""
    mark = drift_marker(env)
    for issue in api.pages(f"repos/{api.repo}/issues?state=open&labels={quote(label)}"):
        # The issues API lists pull requests too.
        if "pull_request" not in issue and str(issue.get("body") or "").startswith(mark):
            return issue
    return None


def ensure_label(api: GitHub, label: str) -> None:
    """Create the label on first use, so opening the issue can carry it."""
    try:
        api.request("GET", f"repos/{api.repo}/labels/{quote(label)}")
    except GitHubError as exc:
        if exc.status != 404:
            raise
        api.request(
            "POST",
            f"repos/{api.repo}/labels",
            {"name": label, "color": LABEL_COLOR, "description": "Live tenant differs from specs"},
        )


def sync_issue(
    api: GitHub, env: str, drifted: bool, body: str, label: str, run_url: str | None
) -> tuple[str, int | None]:
    """("opened" | "updated" | "unchanged" | "closed" | "none", issue number)."""
    if not body.startswith(drift_marker(env)):
        raise ValueError(f"the body must start with {drift_marker(env)!r}")
    issue = find_open_issue(api, env, label)
    if drifted:
        if issue is None:
            ensure_label(api, label)
            created = api.request(
                "POST",
                f"repos/{api.repo}/issues",
                {"title": f"Drift detected in {env}", "body": body, "labels": [label]},
            )
            return "opened", int(created["number"])
        number = int(issue["number"])
        if issue.get("body") == body:
            return "unchanged", number
        api.request("PATCH", f"repos/{api.repo}/issues/{number}", {"body": body})
        return "updated", number
    if issue is None:
        return "none", None
    number = int(issue["number"])
    note = f"Back in sync: {env} matches its specs again."
    if run_url:
        note += f" ([run]({run_url}))"
    api.request("POST", f"repos/{api.repo}/issues/{number}/comments", {"body": note})
    api.request(
        "PATCH",
        f"repos/{api.repo}/issues/{number}",
        {"state": "closed", "state_reason": "completed"},
    )
    return "closed", number


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="OWNER/NAME")
    parser.add_argument("--env", required=True)
    parser.add_argument("--exit-code", required=True, type=int, choices=[IN_SYNC, DRIFTED])
    parser.add_argument("--body-file", required=True, type=Path)
    parser.add_argument("--label", default=DEFAULT_LABEL)
    parser.add_argument("--run-url")
    parser.add_argument("--gh", default="gh", help="the gh executable")
    args = parser.parse_args(argv)
    body = args.body_file.read_text(encoding="utf-8")
    api = GitHub(args.repo, args.gh)
    action, number = sync_issue(
        api, args.env, args.exit_code == DRIFTED, body, args.label, args.run_url
    )
    print(
        f"{action} drift issue" + (f" #{number}" if number is not None else "") + f" for {args.env}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
