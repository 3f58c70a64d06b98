"""Restore an environment's state directory from the newest artifact of earlier runs.

    state_artifact.py --repo OWNER/NAME --name reconciler-state-prod --branch main \
        --dest .reconciler/prod [--allow-fresh]

The state directory (snapshots, last-known-good pointer, apply journal, audit log) lives in
the artifact `reconciler-state-<env>` that every apply run uploads, even a failed one. Only
artifacts of runs on `--branch` count, so a workflow run on another branch cannot plant a
state. No artifact at all is a first run: the directory starts empty. An expired newest
artifact is refused unless `--allow-fresh`, because starting empty would silently drop the
last-known-good snapshot and the audit trail. Needs `GH_TOKEN` with `actions: read`.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from github_api import GitHub


class StateError(Exception):
    """The state cannot be restored safely."""


def newest_artifact(api: GitHub, name: str, branch: str) -> dict[str, Any] | None:
    """The most recent artifact called `name` uploaded by a run on `branch`."""
    found = [
        a
        for a in api.pages(
            f"repos/{api.repo}/actions/artifacts?name={quote(name)}", key="artifacts"
        )
        if a.get("name") == name and (a.get("workflow_run") or {}).get("head_branch") == branch
    ]
    return max(found, key=lambda a: (str(a["created_at"]), int(a["id"])), default=None)


def extract(archive: bytes, dest: Path) -> int:
    """Unpack a zip into `dest`, refusing entries that would land outside it; the file count."""
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        members = zf.infolist()
        for member in members:
            path = PurePosixPath(member.filename)
            if path.is_absolute() or ".." in path.parts:
                raise StateError(f"artifact entry {member.filename!r} escapes the state directory")
        zf.extractall(dest)
    return sum(1 for m in members if not m.is_dir())


def restore(api: GitHub, name: str, branch: str, dest: Path, allow_fresh: bool) -> str:
    """Fill `dest` from the newest artifact; a one-line account of what was done."""
    artifact = newest_artifact(api, name, branch)
    if artifact is None:
        dest.mkdir(parents=True, exist_ok=True)
        return f"no artifact {name!r} on {branch}: starting with an empty state directory"
    if artifact.get("expired"):
        if not allow_fresh:
            raise StateError(
                f"the newest artifact {name!r} (id {artifact['id']}, {artifact['created_at']}) "
                "has expired; restore the state directory by hand, or run again with "
                "fresh state allowed to start without snapshots and audit history"
            )
        dest.mkdir(parents=True, exist_ok=True)
        return f"artifact {name!r} expired: starting fresh as allowed"
    count = extract(api.raw(f"repos/{api.repo}/actions/artifacts/{artifact['id']}/zip"), dest)
    origin = f"artifact {artifact['id']} ({artifact['created_at']})"
    return f"restored {count} files into {dest} from {origin}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="OWNER/NAME")
    parser.add_argument("--name", required=True, help="artifact name")
    parser.add_argument("--branch", default="main", help="only runs on this branch count")
    parser.add_argument("--dest", required=True, type=Path, help="the state directory")
    parser.add_argument("--allow-fresh", action="store_true", help="start empty if expired")
    parser.add_argument("--gh", default="gh", help="the gh executable")
    args = parser.parse_args(argv)
    try:
        message = restore(
            GitHub(args.repo, args.gh), args.name, args.branch, args.dest, args.allow_fresh
        )
    except StateError as exc:
        print(f"::error title=State not restored::{exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
