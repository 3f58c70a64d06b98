"""Play plan.yml, apply.yml or drift.yml for one event, as GitHub would, and keep the results.

The workflow file is read from the commit under test, its jobs run on fresh clones of the
repository (see workflow.py), GitHub is a JSON file under `OUT/github/` that outlives the run
(so the next run finds the comment, the issue or the state artifact the last one left), and
every environment's comment, summary, issue and exit code lands in `OUT/<env>/`.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.ci import fake_github
from reconciler.ci.results import conclusion, write_results
from reconciler.ci.runner import git, resolve
from reconciler.ci.workflow import (
    FAILURE,
    Event,
    JobResult,
    Play,
    Setup,
    load_workflow,
    referenced,
)

WORKFLOWS = {
    "plan": ".github/workflows/plan.yml",
    "apply": ".github/workflows/apply.yml",
    "drift": ".github/workflows/drift.yml",
}
DEFAULT_REPOSITORY = "local/specs"


@dataclass(frozen=True)
class PlayOptions:
    """Where the repository and the results are, and the environment secrets come from."""

    repo: Path
    out: Path
    env: Mapping[str, str]
    head: str = "HEAD"
    repository: str = DEFAULT_REPOSITORY
    workflow: str | None = None

    @property
    def github_state(self) -> Path:
        """The local GitHub's state file."""
        return self.out / "github" / "state.json"


@dataclass(frozen=True)
class PlayOutcome:
    """A played run: its jobs and where their results were written."""

    kind: str
    run_id: int
    conclusion: str
    environments: list[str]
    jobs: list[JobResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 when the run failed on GitHub (a red check), else 0."""
        return 1 if self.conclusion == FAILURE else 0


def _new_run_id(state_file: Path) -> int:
    state = fake_github.load(state_file)
    run_id = fake_github.next_id(state)
    fake_github.save(state_file, state)
    return run_id


def play(kind: str, options: PlayOptions, event: Event, pr: int | None = None) -> PlayOutcome:
    """Play the `kind` workflow for `event`; results under `options.out`."""
    path = options.workflow or WORKFLOWS[kind]
    text = git(options.repo, "show", f"{event.sha}:{path}")
    workflow = load_workflow(text, path)
    options.out.mkdir(parents=True, exist_ok=True)
    run_id = _new_run_id(options.github_state)
    # Only what the workflow names is passed on, as GitHub passes only configured secrets.
    secrets = {n: options.env[n] for n in referenced(text, "secrets") if n in options.env}
    variables = {n: options.env[n] for n in referenced(text, "vars") if n in options.env}
    work = options.out / ".work"
    setup = Setup(
        source=options.repo.resolve(),
        repository=options.repository,
        github_state=options.github_state.resolve(),
        work=work.resolve(),
        host_env=options.env,
        secrets=secrets,
        variables=variables,
        run_id=run_id,
    )
    try:
        jobs = Play(workflow, event, setup).run()
        run: dict[str, Any] = {"workflow": path, "event": event.name, "run_id": run_id}
        envs = write_results(options.out, run, jobs, options.github_state, pr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return PlayOutcome(kind, run_id, conclusion(jobs), envs, jobs)


def play_plan(options: PlayOptions, base: str, pr: int = 1) -> PlayOutcome:
    """plan.yml for a pull request from `base` to `options.head`."""
    head = resolve(options.repo, options.head)
    payload = {
        "number": pr,
        "pull_request": {
            "number": pr,
            "base": {"sha": resolve(options.repo, base), "ref": "main"},
            "head": {"sha": head, "ref": f"pr-{pr}", "repo": {"full_name": options.repository}},
        },
    }
    return play("plan", options, Event("pull_request", payload, f"pr-{pr}", head), pr)


def play_apply(
    options: PlayOptions,
    before: str | None = None,
    environment: str | None = None,
    fresh_state: bool = False,
) -> PlayOutcome:
    """apply.yml for a push to main (`before`..head) or run on demand for one `environment`."""
    head = resolve(options.repo, options.head)
    if environment is not None:
        inputs = {"environment": environment, "fresh-state": fresh_state}
        event = Event("workflow_dispatch", {"inputs": inputs}, "main", head, inputs)
    else:
        before_sha = resolve(options.repo, before or f"{head}~1")
        payload = {"before": before_sha, "after": head, "ref": "refs/heads/main"}
        event = Event("push", payload, "main", head)
    return play("apply", options, event)


def play_drift(options: PlayOptions) -> PlayOutcome:
    """drift.yml as its schedule starts it."""
    head = resolve(options.repo, options.head)
    return play("drift", options, Event("schedule", {"schedule": "17 * * * *"}, "main", head))
