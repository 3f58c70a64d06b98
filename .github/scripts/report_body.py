"""The Markdown a workflow posts (PR comment, drift issue) for one environment's run.

On success (exit 0, or 2: changes / drift) it is the tool's own Markdown report, which starts
with the marker line `<!-- reconciler:<kind>:<env> -->`; on failure it is a short note with the
tail of the tool's standard error. Either way it starts with the marker, so the comment or
issue can be found again, and fits in GitHub's 65,536-character body limit.

    report_body.py --kind plan --env prod --exit-code 2 --report plan.md [--errors plan.err] \
        [--run-url URL] --out comment.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

# GitHub refuses comment and issue bodies longer than this (characters).
GITHUB_BODY_LIMIT = 65_536
# Exit codes that mean "the tool ran and reported": 0 nothing to do, 2 changes or drift.
REPORTED = frozenset({0, 2})
ERROR_TAIL_LINES = 40
FENCE = "```"


def marker(kind: str, env: str) -> str:
    """The first line that identifies a report: `<!-- reconciler:plan:prod -->`."""
    return f"<!-- reconciler:{kind}:{env} -->"


def failure_body(kind: str, env: str, exit_code: int, errors: str, run_url: str | None) -> str:
    """A short note for a run that produced no report."""
    lines = [marker(kind, env), f"### reconciler {kind} failed for `{env}` (exit {exit_code})", ""]
    tail = errors.strip().splitlines()[-ERROR_TAIL_LINES:]
    if tail:
        # Four backticks: the error text itself may hold a ``` line.
        lines += ["````text", *tail, "````", ""]
    if run_url:
        lines.append(f"See the [workflow run]({run_url}) for the full log.")
    return "\n".join(lines) + "\n"


def truncate(body: str, limit: int, where: str) -> str:
    """`body` cut at a line boundary to fit in `limit` characters, with a note of what was cut."""
    if len(body) <= limit:
        return body
    note_template = "\n\n**Truncated:** {shown} of {total} characters shown. {where}\n"
    # Reserve room for the note with the widest numbers it can carry, and a closing fence.
    reserve = len(note_template.format(shown=len(body), total=len(body), where=where)) + 4
    head = body[: limit - reserve]
    head = head[: head.rfind("\n") + 1] if "\n" in head else head
    # A cut inside a code block would swallow the note into the block.
    if sum(1 for line in head.splitlines() if line.startswith(FENCE)) % 2:
        head += FENCE + "\n"
    return head + note_template.format(shown=len(head), total=len(body), where=where)


def compose(
    kind: str,
    env: str,
    exit_code: int,
    report: str,
    errors: str = "",
    run_url: str | None = None,
    limit: int = GITHUB_BODY_LIMIT,
) -> str:
    """The body to post for one run."""
    if exit_code not in REPORTED or not report.strip():
        body = failure_body(kind, env, exit_code, errors, run_url)
    else:
        body = report
        if not body.startswith(marker(kind, env)):
            body = f"{marker(kind, env)}\n{body}"
    where = "The full report is in the job summary and the run's artifacts"
    where += f": {run_url}." if run_url else "."
    return truncate(body, limit, where)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", required=True, choices=["plan", "apply", "drift"])
    parser.add_argument("--env", required=True)
    parser.add_argument("--exit-code", required=True, type=int)
    parser.add_argument("--report", required=True, type=Path)
    parser.add_argument("--errors", type=Path)
    parser.add_argument("--run-url")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    report = args.report.read_text(encoding="utf-8") if args.report.is_file() else ""
    errors = (
        args.errors.read_text(encoding="utf-8") if args.errors and args.errors.is_file() else ""
    )
    body = compose(args.kind, args.env, args.exit_code, report, errors, args.run_url)
    args.out.write_text(body, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
