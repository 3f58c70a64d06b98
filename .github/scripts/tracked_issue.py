"""One GitHub issue that tracks a condition: opened when it starts, kept current, closed.

A workflow that checks something on a schedule (drift of one environment, the newest
dependency releases) calls `sync_tracked_issue` after every check. While the condition holds
the issue is opened, or its body updated; once it no longer holds the issue is closed with a
comment. The issue is found among the open issues carrying the label by the first line of
its body, a marker such as `<!-- reconciler:drift:prod -->`, so several conditions can share
a label and a person may retitle the issue or add labels freely. Needs `GH_TOKEN` with
`issues: write`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from github_api import GitHub, GitHubError

DEFAULT_LABEL_COLOR = "d93f0b"


@dataclass(frozen=True)
class TrackedIssue:
    """Which issue tracks a condition, and how it reads."""

    marker: str  # the first line of the body: identifies the issue
    label: str
    title: str  # used when the issue is opened
    label_description: str  # used when the label is created on first use
    resolved_note: str  # the comment posted when the issue is closed
    label_color: str = DEFAULT_LABEL_COLOR


def find_open_issue(api: GitHub, marker: str, label: str) -> dict[str, Any] | None:
    """The open issue with `label` whose body starts with `marker`, if any."""
    for issue in api.pages(f"repos/{api.repo}/issues?state=open&labels={quote(label)}"):
        # The issues API lists pull requests too; startswith, so a quote of the marker is not it.
        if "pull_request" not in issue and str(issue.get("body") or "").startswith(marker):
            return issue
    return None


def ensure_label(api: GitHub, label: str, description: str, color: str) -> None:
    """Create the label on first use, so opening the issue can carry it."""
    try:
        api.request("GET", f"repos/{api.repo}/labels/{quote(label)}")
    except GitHubError as exc:
        if exc.status != 404:
            raise
        api.request(
            "POST",
            f"repos/{api.repo}/labels",
            {"name": label, "color": color, "description": description},
        )


def sync_tracked_issue(
    api: GitHub, tracked: TrackedIssue, active: bool, body: str
) -> tuple[str, int | None]:
    """("opened" | "updated" | "unchanged" | "closed" | "none", issue number)."""
    if not body.startswith(tracked.marker):
        raise ValueError(f"the body must start with {tracked.marker!r}")
    issue = find_open_issue(api, tracked.marker, tracked.label)
    if active:
        if issue is None:
            ensure_label(api, tracked.label, tracked.label_description, tracked.label_color)
            created = api.request(
                "POST",
                f"repos/{api.repo}/issues",
                {"title": tracked.title, "body": body, "labels": [tracked.label]},
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
    api.request(
        "POST", f"repos/{api.repo}/issues/{number}/comments", {"body": tracked.resolved_note}
    )
    api.request(
        "PATCH",
        f"repos/{api.repo}/issues/{number}",
        {"state": "closed", "state_reason": "completed"},
    )
    return "closed", number
