"""Play a workflow file: its jobs in `needs` order, matrices expanded, steps as GitHub runs them.

The player reads the workflow YAML itself, so the commands it runs are the workflow's own
`run:` lines, with the same `env:`, `if:` conditions, step outputs and job outputs; only the
`uses:` actions are stand-ins (see actions.py) and the install step is left out, because
the player is the installed tool. Jobs run one after another (a matrix with `fail-fast`
would cancel its siblings on GitHub; the player runs them all and says so in the result).
"""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.ci import actions
from reconciler.ci.expressions import Status, condition, interpolate, to_string
from reconciler.ci.runner import (
    Runner,
    base_environment,
    make_runner,
    mask,
    read_key_values,
    run_script,
)
from reconciler.errors import ConfigError

SUCCESS, FAILURE, SKIPPED = "success", "failure", "skipped"


@dataclass(frozen=True)
class Event:
    """What triggered the run: the `github` context's event and the run's branch."""

    name: str
    payload: Mapping[str, Any]
    branch: str
    sha: str
    inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Setup:
    """Everything a run needs from outside: the repository, GitHub, secrets, variables."""

    source: Path
    repository: str
    github_state: Path
    work: Path
    host_env: Mapping[str, str]
    secrets: Mapping[str, str]
    variables: Mapping[str, str]
    run_id: int
    token: str = "local-player-token"


@dataclass
class StepResult:
    """One step as the run's log shows it."""

    name: str
    outcome: str
    exit_code: int | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass
class JobResult:
    """One job (one matrix entry) and what it left behind."""

    job_id: str
    name: str
    matrix: dict[str, Any]
    conclusion: str
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    log: str = ""
    artifacts: Path | None = None


def load_workflow(text: str, where: str) -> dict[str, Any]:
    """The workflow as data; `on:` stays a key (YAML 1.1 would read it as True)."""
    loaded = yaml.load(text, Loader=yaml.BaseLoader)
    if not isinstance(loaded, dict) or not isinstance(loaded.get("jobs"), dict):
        raise ConfigError(f"{where} is not a workflow (no `jobs:`)")
    return loaded


def referenced(workflow_text: str, context: str) -> list[str]:
    """Names the workflow reads from `secrets.` or `vars.`: the only ones passed on."""
    return sorted(set(re.findall(rf"\b{context}\.([A-Za-z_][A-Za-z0-9_]*)", workflow_text)))


def job_order(jobs: Mapping[str, Any]) -> list[str]:
    """Jobs in an order that respects `needs:` (declaration order otherwise)."""
    order: list[str] = []
    pending = list(jobs)
    while pending:
        ready = [j for j in pending if all(n in order for n in _needs(jobs[j]))]
        if not ready:
            raise ConfigError(f"the jobs {pending} need each other or an unknown job")
        order.append(ready[0])
        pending.remove(ready[0])
    return order


def _needs(job: Mapping[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


def _matrix(job: Mapping[str, Any], contexts: Mapping[str, Any]) -> list[dict[str, Any]]:
    matrix = interpolate((job.get("strategy") or {}).get("matrix"), contexts)
    if not matrix:
        return [{}]
    if not isinstance(matrix, dict) or any(k in matrix for k in ("include", "exclude")):
        raise ConfigError("the player expands a matrix of plain lists only")
    keys = sorted(matrix)
    values = [v if isinstance(v, list) else [v] for v in (matrix[k] for k in keys)]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


class Play:
    """One run of one workflow."""

    def __init__(self, workflow: Mapping[str, Any], event: Event, setup: Setup) -> None:
        self.workflow = workflow
        self.event = event
        self.setup = setup
        self.results: dict[str, list[JobResult]] = {}
        self.masked = {**setup.secrets, "github.token": setup.token}

    def github_context(self) -> dict[str, Any]:
        """The `github` context of the run."""
        return {
            "event_name": self.event.name,
            "event": dict(self.event.payload),
            "repository": self.setup.repository,
            "repository_owner": self.setup.repository.split("/")[0],
            "server_url": "https://github.com",
            "api_url": "https://api.github.com",
            "run_id": str(self.setup.run_id),
            "run_attempt": "1",
            "sha": self.event.sha,
            "ref": f"refs/heads/{self.event.branch}",
            "ref_name": self.event.branch,
            "actor": "reconciler-ci-player",
            "workflow": str(self.workflow.get("name", "")),
            "token": self.setup.token,
        }

    def run(self) -> list[JobResult]:
        """Every job, in order; the results of every job instance."""
        jobs: Mapping[str, Any] = self.workflow["jobs"]
        for job_id in job_order(jobs):
            self.results[job_id] = self.run_job(job_id, jobs[job_id])
        return [r for job_id in self.results for r in self.results[job_id]]

    def needs_context(self, job: Mapping[str, Any]) -> dict[str, Any]:
        """`needs.<job>.result` and `.outputs` (a matrix job's outputs merge, last wins)."""
        out: dict[str, Any] = {}
        for need in _needs(job):
            instances = self.results[need]
            failed = any(r.conclusion == FAILURE for r in instances)
            skipped = all(r.conclusion == SKIPPED for r in instances)
            outputs: dict[str, str] = {}
            for r in instances:
                outputs.update(r.outputs)
            out[need] = {"result": FAILURE if failed else SKIPPED if skipped else SUCCESS}
            out[need]["outputs"] = outputs
        return out

    def run_job(self, job_id: str, job: Mapping[str, Any]) -> list[JobResult]:
        """A job: skipped, or one run per matrix entry."""
        needs = self.needs_context(job)
        contexts: dict[str, Any] = {
            "github": self.github_context(),
            "needs": needs,
            "inputs": dict(self.event.inputs),
            "vars": dict(self.setup.variables),
        }
        status = Status(failed=any(n["result"] != SUCCESS for n in needs.values()))
        if not condition(job.get("if"), contexts, status):
            name = to_string(
                interpolate(job.get("name", job_id), {**contexts, "matrix": {}})
            ).strip()
            return [JobResult(job_id, name, {}, SKIPPED)]
        return [
            self.run_instance(job_id, job, {**contexts, "matrix": entry}, entry)
            for entry in _matrix(job, contexts)
        ]

    def run_instance(
        self, job_id: str, job: Mapping[str, Any], contexts: dict[str, Any], entry: dict[str, Any]
    ) -> JobResult:
        """One job on its own fresh runner."""
        name = to_string(interpolate(job.get("name", job_id), contexts))
        result = JobResult(job_id, name, entry, SUCCESS)
        self.setup.work.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f"{job_id}-", dir=self.setup.work) as tmp:
            runner = make_runner(self.setup.source, self.event.sha, Path(tmp))
            slug = "-".join(to_string(v) for _, v in sorted(entry.items())) or "job"
            result.artifacts = self.setup.work / "artifacts" / job_id / slug
            contexts = {**contexts, "secrets": dict(self.setup.secrets), "steps": {}}
            contexts["runner"] = {"temp": str(runner.temp), "os": "Linux"}
            env: dict[str, str] = {}
            for level in (self.workflow.get("env"), job.get("env")):
                values = interpolate(level or {}, {**contexts, "env": dict(env)})
                env.update({k: to_string(v) for k, v in values.items()})
            for index, step in enumerate(job.get("steps") or []):
                self.run_step(runner, index, step, contexts, env, result)
            outputs = interpolate(job.get("outputs") or {}, contexts)
            result.outputs = {k: to_string(v) for k, v in outputs.items()}
        return result

    def github_env(self, runner: Runner) -> dict[str, str]:
        """The GITHUB_* variables of a step."""
        return {
            "GITHUB_REPOSITORY": self.setup.repository,
            "GITHUB_RUN_ID": str(self.setup.run_id),
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_EVENT_NAME": self.event.name,
            "GITHUB_SHA": self.event.sha,
            "GITHUB_REF": f"refs/heads/{self.event.branch}",
            "GITHUB_ACTOR": "reconciler-ci-player",
            "GITHUB_SERVER_URL": "https://github.com",
        }

    def run_step(
        self,
        runner: Runner,
        index: int,
        step: Mapping[str, Any],
        contexts: dict[str, Any],
        job_env: dict[str, str],
        result: JobResult,
    ) -> None:
        """One step: its `if:`, its command or action, its outputs and the job's status."""
        failed = result.conclusion == FAILURE
        label = str(step.get("name") or step.get("id") or step.get("uses") or step.get("run"))
        step_ctx = {**contexts, "env": dict(job_env)}
        step_env = {
            k: to_string(v) for k, v in interpolate(step.get("env") or {}, step_ctx).items()
        }
        step_ctx["env"] = {**job_env, **step_env}
        label = to_string(interpolate(label, step_ctx)).splitlines()[0]
        record = StepResult(label, SKIPPED)
        if condition(step.get("if"), step_ctx, Status(failed=failed)):
            # GITHUB_ENV lines hold for the job's later steps.
            job_env.update(self.execute(runner, index, step, step_ctx, record, result))
        result.steps.append(record)
        if record.outcome == FAILURE and str(step.get("continue-on-error")) != "true":
            result.conclusion = FAILURE
        if step.get("id"):
            contexts["steps"][str(step["id"])] = {
                "outputs": dict(record.outputs),
                "outcome": record.outcome,
                "conclusion": SUCCESS if record.outcome != FAILURE else FAILURE,
            }

    def execute(
        self,
        runner: Runner,
        index: int,
        step: Mapping[str, Any],
        step_ctx: dict[str, Any],
        record: StepResult,
        result: JobResult,
    ) -> dict[str, str]:
        """Run the step's action or script, record how it ended; the GITHUB_ENV it set."""
        result.log += f"::group::{record.name}\n"
        exported: dict[str, str] = {}
        if "uses" in step:
            copies = result.artifacts or runner.temp
            upload = actions.Upload(
                self.setup.github_state, copies, self.event.branch, self.setup.run_id
            )
            inputs = interpolate(step.get("with") or {}, step_ctx)
            done = actions.run_action(str(step["uses"]), inputs, runner.workspace, upload)
            record.outcome = SUCCESS if done.ok else FAILURE
            record.outputs = dict(done.outputs)
            result.log += mask(done.log, self.masked)
        elif actions.is_install_step(str(step["run"])):
            record.outcome, record.note = SUCCESS, "left out: the player is the installed tool"
            result.log += f"(not run: {record.note})\n"
        else:
            files = runner.step_files(index)
            env = base_environment(
                runner, self.setup.host_env, self.setup.github_state, self.github_env(runner)
            )
            env.update(step_ctx["env"])
            env.update({k: str(v) for k, v in files.items()})
            script = to_string(interpolate(str(step["run"]), step_ctx))
            cwd = runner.workspace / str(step.get("working-directory") or ".")
            code, log = run_script(runner, script, str(step.get("shell") or "bash"), env, cwd)
            record.exit_code = code
            record.outcome = SUCCESS if code == 0 else FAILURE
            record.outputs = read_key_values(files["GITHUB_OUTPUT"])
            result.summary += files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
            exported = read_key_values(files["GITHUB_ENV"])
            result.log += f"$ {script.strip()}\n{mask(log, self.masked)}"
            if code != 0:
                result.log += f"Error: Process completed with exit code {code}.\n"
        result.log += "::endgroup::\n"
        return exported
