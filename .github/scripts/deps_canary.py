"""Say what the newest dependency releases break, in one issue, without failing the build.

    deps_canary.py --repo OWNER/NAME --lock requirements-dev.lock \
        --installed out/installed.json --junit out/junit.xml \
        --result install=0 --result tests=1 --log tests=out/tests.log \
        --result ruff=0 --result mypy=0 --run-url URL --body-out out/canary.md

`deps-latest.yml` installs the project with the newest release of every dependency (the
lock ignored), runs the checks with their exit codes captured, and calls this. `--installed`
is `pip list --format=json` of that environment; `--result NAME=CODE` is one check's exit
code (empty: the check did not run); `--log NAME=FILE` its output, whose tail is shown when
it failed; `--junit` the tests' JUnit XML (`-o junit_family=xunit1`, for file names).

When any check failed, the open issue (label `dependency-canary`, body starting with
`<!-- reconciler:dependency-canary -->`) is updated, or opened: which releases differ from
the lock and what failed. When every check passed, it is closed with a comment. The body is
also written to `--body-out` for the job summary. Exit 0 whatever the checks said; 1 when
an input cannot be read or GitHub refuses. Needs `GH_TOKEN` with `issues: write`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from github_api import GitHub, GitHubError
from report_body import ERROR_TAIL_LINES, GITHUB_BODY_LIMIT, truncate
from tracked_issue import TrackedIssue, sync_tracked_issue

DEFAULT_LABEL = "dependency-canary"
MARKER = "<!-- reconciler:dependency-canary -->"
# Installed but never locked: the installer itself.
NOT_LOCKED_ON_PURPOSE = frozenset({"pip"})
MAX_FAILURES_LISTED = 100
MAX_MESSAGE_CHARS = 200
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


class InputError(Exception):
    """An input file is missing or unreadable, or an argument is malformed."""


@dataclass(frozen=True)
class Check:
    """One check the workflow ran: its name, exit code (None: not run) and output."""

    name: str
    exit_code: int | None
    log: str = ""

    @property
    def passed(self) -> bool:
        """Ran and exited 0."""
        return self.exit_code == 0


@dataclass(frozen=True)
class VersionChange:
    """A package whose installed version is not one the lock pins."""

    package: str
    locked: tuple[str, ...]  # empty: not in the lock at all
    installed: str


@dataclass(frozen=True)
class FailedTest:
    """One failing (or erroring) test and the first line of why."""

    test_id: str
    message: str


def canonical_name(name: str) -> str:
    """PEP 503: case-insensitive, runs of `-`, `_` and `.` are one `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock_text: str) -> dict[str, tuple[str, ...]]:
    """Package -> every version the lock pins (one per environment marker, e.g. Python)."""
    found: dict[str, list[str]] = {}
    for line in lock_text.splitlines():
        if match := _PIN.match(line):
            versions = found.setdefault(canonical_name(match[1]), [])
            if match[2] not in versions:
                versions.append(match[2])
    return {name: tuple(versions) for name, versions in found.items()}


def installed_versions(pip_list: Any) -> dict[str, str]:
    """Package -> version from `pip list --format=json`, without editable (local) projects."""
    if not isinstance(pip_list, list):
        raise InputError("the installed list is not `pip list --format=json` output")
    found = {}
    for item in pip_list:
        if not isinstance(item, dict) or not {"name", "version"} <= set(item):
            raise InputError(f"an installed entry has no name and version: {item!r}")
        if "editable_project_location" not in item:
            found[canonical_name(str(item["name"]))] = str(item["version"])
    return found


def version_changes(
    locked: Mapping[str, tuple[str, ...]], installed: Mapping[str, str]
) -> list[VersionChange]:
    """Installed packages at a version the lock does not pin, or not in the lock, by name.

    A package the lock pins but that is not installed is left out: most such pins are for
    other Pythons or platforms (`; python_full_version < '3.11'`, `sys_platform == 'win32'`).
    """
    changes = []
    for name in sorted(installed):
        if name in NOT_LOCKED_ON_PURPOSE:
            continue
        pins = locked.get(name, ())
        if installed[name] not in pins:
            changes.append(VersionChange(name, pins, installed[name]))
    return changes


def _test_id(case: ElementTree.Element) -> str:
    name = case.get("name", "?")
    classname = case.get("classname", "")
    file = case.get("file")
    if file and file.endswith(".py"):
        module = file[:-3].replace("/", ".")
        inner = classname[len(module) + 1 :] if classname.startswith(module + ".") else ""
        return "::".join([file, *(inner.split(".") if inner else []), name])
    return f"{classname}::{name}" if classname else name


def failed_tests(junit_xml: str) -> list[FailedTest]:
    """Every test case with a failure or an error in a JUnit XML report, in report order."""
    try:
        root = ElementTree.fromstring(junit_xml)
    except ElementTree.ParseError as exc:
        raise InputError(f"the JUnit report is not XML: {exc}") from exc
    failures = []
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        text = problem.get("message") or problem.text or problem.tag
        first = text.strip().splitlines()[0] if text.strip() else problem.tag
        failures.append(FailedTest(_test_id(case), first))
    return failures


def _code(text: str) -> str:
    """`text` as inline code on one line: no backticks to break out of it, bounded."""
    flat = " ".join(text.split()).replace("`", "'")
    if len(flat) > MAX_MESSAGE_CHARS:
        flat = flat[: MAX_MESSAGE_CHARS - 1] + "…"
    return f"`{flat}`"


def _check_rows(checks: Sequence[Check], failures: Sequence[FailedTest]) -> list[str]:
    rows = ["| check | result |", "|---|---|"]
    for check in checks:
        if check.exit_code is None:
            result = "not run"
        elif check.passed:
            result = "passed"
        else:
            result = f"**failed** (exit {check.exit_code})"
            if check.name == "tests" and failures:
                result += f": {len(failures)} failing"
        rows.append(f"| {check.name} | {result} |")
    return rows


def _version_rows(changes: Sequence[VersionChange]) -> list[str]:
    if not changes:
        return ["Every installed release is the one `requirements-dev.lock` pins."]
    rows = ["| package | locked | newest installed |", "|---|---|---|"]
    for change in changes:
        locked = " or ".join(change.locked) if change.locked else "(not locked)"
        rows.append(f"| `{change.package}` | {locked} | {change.installed} |")
    return rows


def _failure_lines(failures: Sequence[FailedTest]) -> list[str]:
    lines = [f"- `{f.test_id}`: {_code(f.message)}" for f in failures[:MAX_FAILURES_LISTED]]
    if len(failures) > MAX_FAILURES_LISTED:
        lines.append(f"- … and {len(failures) - MAX_FAILURES_LISTED} more (see the run)")
    return lines


def _log_tail(check: Check) -> list[str]:
    tail = check.log.strip().splitlines()[-ERROR_TAIL_LINES:]
    if not tail:
        return []
    return [
        f"<details><summary>{check.name} output (last {len(tail)} lines)</summary>",
        "",
        # Four backticks: the output itself may hold a ``` line.
        "````text",
        *tail,
        "````",
        "</details>",
        "",
    ]


def compose(
    checks: Sequence[Check],
    changes: Sequence[VersionChange],
    failures: Sequence[FailedTest],
    run_url: str | None,
) -> str:
    """The issue body (and job summary) for one canary run."""
    healthy = all(check.passed for check in checks)
    run = f" ([run]({run_url}))" if run_url else ""
    if healthy:
        headline = "### The newest dependency releases pass"
        lead = f"Every check passed with the newest releases{run}."
    else:
        headline = "### The newest dependency releases break the build"
        lead = (
            "The scheduled canary installed the newest release of every dependency, ignoring"
            f" `requirements-dev.lock`, and ran the checks{run}. `main` is not affected: it"
            " installs the lock."
        )
    lines = [MARKER, headline, "", lead, "", *_check_rows(checks, failures), ""]
    lines += ["#### Releases that differ from `requirements-dev.lock`", ""]
    lines += [*_version_rows(changes), ""]
    if failures:
        lines += [f"#### Failing tests ({len(failures)})", "", *_failure_lines(failures), ""]
    for check in checks:
        # Failing tests are listed above; any other failure shows the end of its output.
        if check.exit_code not in (0, None) and not (check.name == "tests" and failures):
            lines += _log_tail(check)
    if not healthy:
        lines.append(
            "A lock update (`tools/lock/update`) that takes these releases must fix what broke"
            " in the same pull request. This issue closes itself when the newest releases"
            " pass again."
        )
    where = f"The full output is in the run: {run_url}." if run_url else "See the run."
    return truncate("\n".join(lines) + "\n", GITHUB_BODY_LIMIT, where)


def canary_issue(label: str, run_url: str | None) -> TrackedIssue:
    """The issue that tracks whether the newest releases pass."""
    note = "The newest dependency releases pass again"
    note += f" ([run]({run_url}))" if run_url else ""
    return TrackedIssue(
        marker=MARKER,
        label=label,
        title="Newest dependency releases break the build",
        label_description="The newest dependency releases break the tests (weekly canary)",
        resolved_note=note + ": `tools/lock/update` can take them.",
        label_color="fbca04",
    )


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} {path}: {exc}") from exc


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise InputError(f"{option} {value!r}: expected NAME=VALUE")
        pairs[name] = rest
    return pairs


def read_checks(results: Sequence[str], logs: Sequence[str]) -> list[Check]:
    """The checks from `--result NAME=CODE` and `--log NAME=FILE` (a missing log is empty)."""
    log_files = _pairs(logs, "--log")
    checks = []
    for name, code in _pairs(results, "--result").items():
        if code.strip() and not code.strip().lstrip("-").isdigit():
            raise InputError(f"--result {name}={code}: the exit code is not an integer")
        log_file = Path(log_files[name]) if name in log_files else None
        log = _read(log_file, f"the {name} log") if log_file and log_file.is_file() else ""
        checks.append(Check(name, int(code) if code.strip() else None, log))
    if not checks:
        raise InputError("no --result given: nothing to report")
    return checks


def run(args: argparse.Namespace) -> str:
    """Read the inputs, sync the issue, write the body; the line to print."""
    checks = read_checks(args.result, args.log)
    locked = locked_versions(_read(args.lock, "the lock file"))
    if args.installed.is_file():
        try:
            installed = installed_versions(json.loads(_read(args.installed, "the list")))
        except json.JSONDecodeError as exc:
            raise InputError(f"{args.installed} is not JSON: {exc}") from exc
    else:
        installed = {}  # the install failed before pip could list anything
    failures = failed_tests(_read(args.junit, "the JUnit report")) if args.junit.is_file() else []
    body = compose(checks, version_changes(locked, installed), failures, args.run_url)
    if args.body_out:
        args.body_out.write_text(body, encoding="utf-8")
    healthy = all(check.passed for check in checks)
    api = GitHub(args.repo, args.gh)
    action, number = sync_tracked_issue(
        api, canary_issue(args.label, args.run_url), not healthy, body
    )
    verdict = "pass" if healthy else "break something"
    shown = f" #{number}" if number is not None else ""
    return f"the newest releases {verdict}: {action} dependency canary issue{shown}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="OWNER/NAME")
    parser.add_argument("--lock", required=True, type=Path)
    parser.add_argument("--installed", required=True, type=Path)
    parser.add_argument("--junit", type=Path, default=Path("out/junit.xml"))
    parser.add_argument("--result", action="append", default=[], metavar="NAME=CODE")
    parser.add_argument("--log", action="append", default=[], metavar="NAME=FILE")
    parser.add_argument("--label", default=DEFAULT_LABEL)
    parser.add_argument("--run-url")
    parser.add_argument("--body-out", type=Path)
    parser.add_argument("--gh", default="gh", help="the gh executable")
    args = parser.parse_args(argv)
    try:
        print(run(args))
    except (InputError, GitHubError) as exc:
        print(f"deps_canary: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
