"""Create or update the one pull-request comment that starts with a marker line.

    sticky_comment.py --repo OWNER/NAME --pr 12 --marker '<!-- reconciler:plan:prod -->' \
        --body-file comment.md

The comment is found by its first line, so each environment keeps exactly one comment,
edited in place on every push. Needs `GH_TOKEN` with `pull-requests: write`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from github_api import GitHub


def upsert_comment(api: GitHub, number: int, marker: str, body: str) -> tuple[str, int]:
    """("created" | "updated" | "unchanged", comment id) for the comment carrying `marker`."""
    if not body.startswith(marker):
        raise ValueError(f"the body must start with the marker {marker!r}")
    for comment in api.pages(f"repos/{api.repo}/issues/{number}/comments"):
        # startswith, not `in`: a reply quoting the marker is not ours.
        if str(comment.get("body") or "").startswith(marker):
            comment_id = int(comment["id"])
            if comment["body"] == body:
                return "unchanged", comment_id
            api.request("PATCH", f"repos/{api.repo}/issues/comments/{comment_id}", {"body": body})
            return "updated", comment_id
    created = api.request("POST", f"repos/{api.repo}/issues/{number}/comments", {"body": body})
    return "created", int(created["id"])


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="OWNER/NAME")
    parser.add_argument("--pr", required=True, type=int, help="pull request number")
    parser.add_argument("--marker", required=True, help="the body's first line")
    parser.add_argument("--body-file", required=True, type=Path)
    parser.add_argument("--gh", default="gh", help="the gh executable")
    args = parser.parse_args(argv)
    body = args.body_file.read_text(encoding="utf-8")
    action, comment_id = upsert_comment(GitHub(args.repo, args.gh), args.pr, args.marker, body)
    print(f"{action} comment {comment_id} on #{args.pr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
