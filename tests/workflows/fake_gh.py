"""A stand-in for `gh api`: the few GitHub REST routes the workflow scripts use, on a JSON file.

Run as `python fake_gh.py api -X METHOD PATH [-H ...] [--input -]` with `FAKE_GH_STATE`
naming the state file. Lists paginate with `per_page`/`page` as GitHub does; a missing
resource answers like gh: `gh: Not Found (HTTP 404)` on stderr and exit 1. Every call is
appended to the state's `log` so tests can see what was asked.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


class NotFoundError(Exception):
    """The route or resource does not exist."""


def _page(items: list[Any], query: dict[str, list[str]]) -> list[Any]:
    per_page = int(query.get("per_page", ["30"])[0])
    page = int(query.get("page", ["1"])[0])
    return items[(page - 1) * per_page : page * per_page]


def _next_id(state: dict[str, Any]) -> int:
    state["next_id"] = state.get("next_id", 1000) + 1
    return int(state["next_id"])


def _find(items: list[dict[str, Any]], key: str, value: Any) -> dict[str, Any]:
    for item in items:
        if item[key] == value:
            return item
    raise NotFoundError


def handle(state: dict[str, Any], method: str, path: str, body: Any) -> Any:
    """Answer one request, changing `state` as GitHub would."""
    url = urlsplit(path)
    query = parse_qs(url.query)
    route = re.sub(r"^repos/[^/]+/[^/]+/", "", url.path)
    comments: dict[str, list[dict[str, Any]]] = state.setdefault("comments", {})
    issues: list[dict[str, Any]] = state.setdefault("issues", [])
    labels: list[str] = state.setdefault("labels", [])
    if m := re.fullmatch(r"issues/(\d+)/comments", route):
        thread = comments.setdefault(m.group(1), [])
        if method == "GET":
            return _page(thread, query)
        if method == "POST":
            comment = {"id": _next_id(state), "body": body["body"]}
            thread.append(comment)
            return comment
    if (m := re.fullmatch(r"issues/comments/(\d+)", route)) and method == "PATCH":
        for thread in comments.values():
            for comment in thread:
                if comment["id"] == int(m.group(1)):
                    comment["body"] = body["body"]
                    return comment
        raise NotFoundError
    if route == "issues" and method == "GET":
        wanted = query.get("labels", [""])[0]
        found = [
            i
            for i in issues
            if i["state"] == query.get("state", ["open"])[0]
            and (not wanted or wanted in i.get("labels", []))
        ]
        return _page(found, query)
    if route == "issues" and method == "POST":
        issue = {"number": _next_id(state), "state": "open", **body}
        issues.append(issue)
        return issue
    if (m := re.fullmatch(r"issues/(\d+)", route)) and method == "PATCH":
        issue = _find(issues, "number", int(m.group(1)))
        issue.update(body)
        return issue
    if (m := re.fullmatch(r"labels/([^/]+)", route)) and method == "GET":
        if m.group(1) not in labels:
            raise NotFoundError
        return {"name": m.group(1)}
    if route == "labels" and method == "POST":
        labels.append(body["name"])
        return {"name": body["name"]}
    if route == "actions/artifacts" and method == "GET":
        name = query.get("name", [None])[0]
        found = [a for a in state.get("artifacts", []) if name is None or a["name"] == name]
        return {"total_count": len(found), "artifacts": _page(found, query)}
    if (m := re.fullmatch(r"actions/artifacts/(\d+)/zip", route)) and method == "GET":
        zips: dict[str, str] = state.get("zips", {})
        if m.group(1) not in zips:
            raise NotFoundError
        return base64.b64decode(zips[m.group(1)])
    raise NotFoundError


def main(argv: list[str]) -> int:
    """Command-line entry, shaped like `gh api`."""
    if not argv or argv[0] != "api":
        print(f"fake gh: unsupported {argv!r}", file=sys.stderr)
        return 2
    method, path, read_stdin = "GET", "", False
    rest = argv[1:]
    while rest:
        arg = rest.pop(0)
        if arg == "-X":
            method = rest.pop(0)
        elif arg == "-H":
            rest.pop(0)
        elif arg == "--input":
            read_stdin = rest.pop(0) == "-"
        else:
            path = arg
    body = json.loads(sys.stdin.read()) if read_stdin else None
    state_file = Path(os.environ["FAKE_GH_STATE"])
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    state.setdefault("log", []).append([method, path])
    try:
        answer = handle(state, method, path, body)
    except NotFoundError:
        state_file.write_text(json.dumps(state))
        print("gh: Not Found (HTTP 404)", file=sys.stderr)
        return 1
    state_file.write_text(json.dumps(state))
    if isinstance(answer, bytes):
        sys.stdout.buffer.write(answer)
    else:
        sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
