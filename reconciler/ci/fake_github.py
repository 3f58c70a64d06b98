"""A local GitHub for the player: `gh api` answered from one JSON file.

The workflow scripts reach GitHub only through `gh api -X METHOD PATH [--input -]`; the player
puts a `gh` on the steps' PATH that runs `python -m reconciler.ci.fake_github api ...` with
`RECONCILER_CI_GITHUB` naming the state file. It keeps pull-request comments, issues, labels
and artifacts as GitHub's REST API shows them (lists paginated with `per_page`/`page`, 404s
reported like gh: `gh: Not Found (HTTP 404)` on stderr, exit 1), so comments and issues
carry over from one player run to the next.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

STATE_VARIABLE = "RECONCILER_CI_GITHUB"
JsonObject = dict[str, Any]


class NotFoundError(Exception):
    """The route or the resource does not exist."""


def load(path: Path) -> JsonObject:
    """The state in `path`, empty when there is none yet."""
    if not path.exists():
        return {}
    loaded: JsonObject = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def save(path: Path, state: JsonObject) -> None:
    """Write the state by rename, so a reader never sees half a file (no fsync: it is a fake)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def next_id(state: JsonObject) -> int:
    """A new id for a comment, issue, artifact or run."""
    state["next_id"] = int(state.get("next_id", 1000)) + 1
    return int(state["next_id"])


def now() -> str:
    """GitHub's timestamp format."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_artifact(state: JsonObject, name: str, archive: bytes, branch: str, run_id: int) -> int:
    """Record an uploaded artifact (a zip) as a run on `branch` would; its id."""
    artifact_id = next_id(state)
    state.setdefault("artifacts", []).append(
        {
            "id": artifact_id,
            "name": name,
            "created_at": now(),
            "expired": False,
            "size_in_bytes": len(archive),
            "workflow_run": {"id": run_id, "head_branch": branch},
        }
    )
    state.setdefault("zips", {})[str(artifact_id)] = base64.b64encode(archive).decode()
    return artifact_id


def _page(items: list[Any], query: dict[str, list[str]]) -> list[Any]:
    per_page = int(query.get("per_page", ["30"])[0])
    page = int(query.get("page", ["1"])[0])
    return items[(page - 1) * per_page : page * per_page]


def _issue_routes(state: JsonObject, method: str, route: str, query: Any, body: Any) -> Any:
    comments: dict[str, list[JsonObject]] = state.setdefault("comments", {})
    issues: list[JsonObject] = state.setdefault("issues", [])
    if m := re.fullmatch(r"issues/(\d+)/comments", route):
        thread = comments.setdefault(m.group(1), [])
        if method == "GET":
            return _page(thread, query)
        if method == "POST":
            comment = {"id": next_id(state), "body": body["body"], "created_at": now()}
            thread.append(comment)
            return comment
    if (m := re.fullmatch(r"issues/comments/(\d+)", route)) and method == "PATCH":
        for thread in comments.values():
            for comment in thread:
                if comment["id"] == int(m.group(1)):
                    comment["body"] = body["body"]
                    comment["updated_at"] = now()
                    return comment
        raise NotFoundError
    if route == "issues" and method == "GET":
        wanted = query.get("state", ["open"])[0]
        label = query.get("labels", [""])[0]
        found = [
            i
            for i in issues
            if wanted in ("all", i["state"]) and (not label or label in i.get("labels", []))
        ]
        return _page(found, query)
    if route == "issues" and method == "POST":
        issue = {"number": next_id(state), "state": "open", "created_at": now(), **body}
        issues.append(issue)
        return issue
    if (m := re.fullmatch(r"issues/(\d+)", route)) and method in ("GET", "PATCH"):
        for issue in issues:
            if issue["number"] == int(m.group(1)):
                if method == "PATCH":
                    issue.update(body)
                    issue["updated_at"] = now()
                return issue
    raise NotFoundError


def handle(state: JsonObject, method: str, path: str, body: Any) -> Any:
    """Answer one request, changing `state` as GitHub would."""
    url = urlsplit(path)
    query = parse_qs(url.query)
    route = re.sub(r"^/?repos/[^/]+/[^/]+/", "", url.path)
    labels: list[str] = state.setdefault("labels", [])
    if route.startswith("issues"):
        return _issue_routes(state, method, route, query, body)
    if (m := re.fullmatch(r"labels/([^/]+)", route)) and method == "GET":
        if unquote(m.group(1)) not in labels:
            raise NotFoundError
        return {"name": unquote(m.group(1))}
    if route == "labels" and method == "POST":
        labels.append(body["name"])
        return {"name": body["name"]}
    if route == "actions/artifacts" and method == "GET":
        name = query.get("name", [None])[0]
        found = [a for a in state.get("artifacts", []) if name is None or a["name"] == name]
        # Newest first, as GitHub lists them.
        found.sort(key=lambda a: (a["created_at"], a["id"]), reverse=True)
        return {"total_count": len(found), "artifacts": _page(found, query)}
    if (m := re.fullmatch(r"actions/artifacts/(\d+)/zip", route)) and method == "GET":
        zips: dict[str, str] = state.get("zips", {})
        if m.group(1) not in zips:
            raise NotFoundError
        return base64.b64decode(zips[m.group(1)])
    raise NotFoundError


def _parse(argv: Sequence[str]) -> tuple[str, str, bool]:
    method, path, read_stdin = "GET", "", False
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg in ("-X", "--method"):
            method = rest.pop(0)
        elif arg in ("-H", "--header"):
            rest.pop(0)
        elif arg == "--input":
            read_stdin = rest.pop(0) == "-"
        else:
            path = arg
    return method.upper(), path, read_stdin


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point shaped like `gh api ...`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "api":
        sys.stderr.write(f"local gh: only `gh api` is available, not {args!r}\n")
        return 2
    method, path, read_stdin = _parse(args[1:])
    body = json.loads(sys.stdin.read()) if read_stdin else None
    state_file = Path(os.environ[STATE_VARIABLE])
    state = load(state_file)
    state.setdefault("log", []).append([method, path])
    try:
        answer = handle(state, method, path, body)
    except NotFoundError:
        save(state_file, state)
        sys.stderr.write("gh: Not Found (HTTP 404)\n")
        return 1
    save(state_file, state)
    if isinstance(answer, bytes):
        sys.stdout.buffer.write(answer)
    else:
        sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
