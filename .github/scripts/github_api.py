"""The few GitHub REST calls the workflows make, through the `gh` CLI.

`gh` takes its token from `GH_TOKEN` (the job's `github.token`), so no token passes through
these scripts' arguments, output or exceptions.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from typing import Any

PAGE_SIZE = 100
_HTTP_STATUS = re.compile(r"\(HTTP (\d{3})\)")


class GitHubError(Exception):
    """A `gh api` call failed; `status` is the HTTP status when gh reported one."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


class GitHub:
    """REST calls on one repository through the `gh` executable."""

    def __init__(self, repo: str, gh: str = "gh") -> None:
        self.repo = repo
        self._gh = gh

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> bytes:
        args = [self._gh, "api", "-X", method, path, "-H", "Accept: application/vnd.github+json"]
        stdin = None
        if body is not None:
            args += ["--input", "-"]
            stdin = json.dumps(body).encode()
        proc = subprocess.run(args, input=stdin, capture_output=True, check=False)
        if proc.returncode != 0:
            err = proc.stderr.decode(errors="replace").strip()
            match = _HTTP_STATUS.search(err)
            raise GitHubError(
                f"gh api {method} {path} failed: {err[-500:]}",
                int(match.group(1)) if match else None,
            )
        return proc.stdout

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One JSON request; `path` is relative to the API root, e.g. `repos/o/r/issues`."""
        out = self._call(method, path, body)
        return json.loads(out) if out.strip() else None

    def raw(self, path: str) -> bytes:
        """A GET whose answer is not JSON (artifact archives)."""
        return self._call("GET", path, None)

    def pages(self, path: str, key: str | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list; `key` names the list inside an object answer."""
        sep = "&" if "?" in path else "?"
        page = 1
        while True:
            answer = self.request("GET", f"{path}{sep}per_page={PAGE_SIZE}&page={page}")
            items: list[dict[str, Any]] = answer[key] if key else answer
            yield from items
            if len(items) < PAGE_SIZE:
                return
            page += 1
