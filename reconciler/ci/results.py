"""What a played run leaves for a person or a test to read, one directory per environment.

OUT/<env>/comment.md    the pull-request comment as it now stands on the local GitHub (plan)
OUT/<env>/issue.json    the environment's drift issue: state, title, labels, body, comments
OUT/<env>/summary.md    the job summary (every job of the environment, in order)
OUT/<env>/exit-code     the tool's exit code (or the failing step's, if the tool never ran)
OUT/<env>/result.json   each job's conclusion and each step's outcome and exit code
OUT/<env>/artifacts/    the artifacts the jobs uploaded, unpacked
OUT/<env>/<job>.log     the job's log, secrets masked
OUT/run.json            the whole run: every job, and the run's conclusion
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reconciler.ci import fake_github
from reconciler.ci.workflow import FAILURE, SKIPPED, SUCCESS, JobResult


def plan_marker(env: str) -> str:
    """The first line of an environment's sticky plan comment."""
    return f"<!-- reconciler:plan:{env} -->"


def drift_marker(env: str) -> str:
    """The first line of an environment's drift issue."""
    return f"<!-- reconciler:drift:{env} -->"


def conclusion(jobs: Sequence[JobResult]) -> str:
    """The run's (or an environment's) conclusion, as the checks list would show it."""
    if any(j.conclusion == FAILURE for j in jobs):
        return FAILURE
    return SKIPPED if all(j.conclusion == SKIPPED for j in jobs) else SUCCESS


def exit_code(jobs: Sequence[JobResult]) -> int:
    """The tool's exit code from the step that reported one, else the first failing step's."""
    reported = [s.outputs["exit-code"] for j in jobs for s in j.steps if "exit-code" in s.outputs]
    if reported:
        return int(reported[-1])
    failed = [s.exit_code for j in jobs for s in j.steps if s.outcome == FAILURE]
    return next((c for c in failed if c is not None), 1) if failed else 0


def job_record(job: JobResult) -> dict[str, Any]:
    """A job as JSON."""
    return {
        "job": job.job_id,
        "name": job.name,
        "matrix": job.matrix,
        "conclusion": job.conclusion,
        "steps": [
            {"name": s.name, "outcome": s.outcome, "exit_code": s.exit_code, "note": s.note}
            for s in job.steps
        ],
    }


def sticky_comments(state: dict[str, Any], pr: int, env: str) -> list[dict[str, Any]]:
    """The comments on pull request `pr` that belong to `env`'s plan."""
    thread: list[dict[str, Any]] = state.get("comments", {}).get(str(pr), [])
    return [c for c in thread if str(c.get("body", "")).startswith(plan_marker(env))]


def drift_issue(state: dict[str, Any], env: str) -> dict[str, Any] | None:
    """The newest issue (open or closed) carrying `env`'s drift marker, with its comments."""
    issues = [
        i for i in state.get("issues", []) if str(i.get("body", "")).startswith(drift_marker(env))
    ]
    if not issues:
        return None
    issue = max(issues, key=lambda i: int(i["number"]))
    thread = state.get("comments", {}).get(str(issue["number"]), [])
    keys = ("number", "state", "state_reason", "title", "labels", "body")
    return {
        **{k: issue.get(k) for k in keys},
        "open_issues_for_env": sum(1 for i in issues if i["state"] == "open"),
        "comments": [c["body"] for c in thread],
    }


def write_environment(
    out: Path, env: str, jobs: Sequence[JobResult], state: dict[str, Any], pr: int | None
) -> None:
    """Fill `out/<env>/` from the environment's jobs and the local GitHub."""
    directory = out / env
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    summary = "".join(j.summary for j in jobs)
    if summary:
        (directory / "summary.md").write_text(summary, encoding="utf-8")
    (directory / "exit-code").write_text(f"{exit_code(jobs)}\n", encoding="utf-8")
    for job in jobs:
        if job.log:
            (directory / f"{job.job_id}.log").write_text(job.log, encoding="utf-8")
        if job.artifacts is not None and job.artifacts.is_dir():
            for artifact in sorted(job.artifacts.iterdir()):
                shutil.copytree(artifact, directory / "artifacts" / artifact.name)
    record: dict[str, Any] = {
        "env": env,
        "conclusion": conclusion(jobs),
        "exit_code": exit_code(jobs),
        "jobs": [job_record(j) for j in jobs],
    }
    if pr is not None:
        comments = sticky_comments(state, pr, env)
        record["comments_for_env"] = len(comments)
        if comments:
            (directory / "comment.md").write_text(comments[0]["body"], encoding="utf-8")
    issue = drift_issue(state, env)
    if issue is not None:
        (directory / "issue.json").write_text(
            json.dumps(issue, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    (directory / "result.json").write_text(
        json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def write_results(
    out: Path, run: dict[str, Any], jobs: Sequence[JobResult], github_state: Path, pr: int | None
) -> list[str]:
    """Write every environment's directory and `run.json`; the environments written."""
    state = fake_github.load(github_state)
    envs: dict[str, list[JobResult]] = {}
    for job in jobs:
        if "env" in job.matrix:
            envs.setdefault(str(job.matrix["env"]), []).append(job)
    for env, env_jobs in sorted(envs.items()):
        write_environment(out, env, env_jobs, state, pr)
    record = {
        **run,
        "conclusion": conclusion(jobs),
        "environments": sorted(envs),
        "jobs": [job_record(j) for j in jobs],
    }
    (out / "run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return sorted(envs)
