"""Keep one GitHub issue per environment in step with its drift status.

    drift_issue.py --repo OWNER/NAME --env prod --exit-code 2 --body-file drift.md

`--exit-code` is `reconciler drift`'s: 2 drift, 0 in sync (any other code is refused: an
error says nothing about drift, so the issue is left as it is). On drift the open issue for
the environment (label `reconciler-drift`, body starting with
`<!-- reconciler:drift:<env> -->`) is updated, or opened when there is none; back in sync,
it is closed with a comment (the open/update/close logic is `tracked_issue.py`'s, shared with
the dependency canary). Needs `GH_TOKEN` with `issues: write`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from github_api import GitHub
from tracked_issue import TrackedIssue, sync_tracked_issue

DEFAULT_LABEL = "reconciler-drift"
# `reconciler drift` exit codes.
IN_SYNC, DRIFTED = 0, 2


def drift_marker(env: str) -> str:
    """The first line of the environment's drift report and issue."""
    return f"<!-- reconciler:drift:{env} -->"


def drift_issue(env: str, label: str, run_url: str | None) -> TrackedIssue:
    """The issue that tracks the drift of `env`."""
    note = f"Back in sync: {env} matches its specs again."
    if run_url:
        note += f" ([run]({run_url}))"
    return TrackedIssue(
        marker=drift_marker(env),
        label=label,
        title=f"Drift detected in {env}",
        label_description="Live tenant differs from specs",
        resolved_note=note,
    )


def sync_issue(
    api: GitHub, env: str, drifted: bool, body: str, label: str, run_url: str | None
) -> tuple[str, int | None]:
    """("opened" | "updated" | "unchanged" | "closed" | "none", issue number)."""
    return sync_tracked_issue(api, drift_issue(env, label, run_url), drifted, body)


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
