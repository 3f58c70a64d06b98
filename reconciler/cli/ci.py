"""`reconciler ci plan|apply|drift`: play a GitHub workflow's steps locally, GitHub included.

Reads plan.yml, apply.yml or drift.yml from the commit under test and runs its jobs and
steps as GitHub would (the same `run:` lines, env, conditions and outputs), against the
tenant the environment points at (CXONE_BASE_URL and the credentials), or with `--emulator`
against an embedded emulator. GitHub itself is a local file under OUT/github/, so the sticky
comment, the drift issue and the state artifact carry over from one run to the next.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from reconciler.ci.player import (
    DEFAULT_REPOSITORY,
    PlayOptions,
    PlayOutcome,
    play_apply,
    play_drift,
    play_plan,
)
from reconciler.ci.workflow import FAILURE, SKIPPED
from reconciler.cli.arguments import PULL_REQUEST

HELP = "play the plan, apply or drift workflow locally (GitHub stood in by a local file)"
EPILOG = """\
Results, per environment, in OUT/<env>/: comment.md (the sticky PR comment), summary.md
(the job summary), issue.json (the drift issue), exit-code, result.json, artifacts/ and the
job logs. OUT/github/state.json is the local GitHub: keep OUT between runs so the next run
updates the comment or issue and restores the state artifact; delete it to start over.
Exit status: 0 when the run would be green on GitHub, 1 when a job failed.
"""
EMULATOR_TOKEN = "local-wfm-token"  # a made-up value for the embedded emulator only


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "ci",
        help=HELP,
        description=HELP + ".",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = p.add_subparsers(dest="ci_workflow", metavar="WORKFLOW")
    kinds.required = True
    plan = kinds.add_parser("plan", help="plan.yml for a pull request from --base to --head")
    plan.add_argument("--base", required=True, help="the pull request's base (commit or branch)")
    plan.add_argument("--pr", type=PULL_REQUEST, default=1, help="pull request number (default: 1)")
    apply = kinds.add_parser("apply", help="apply.yml for a push to main, or on demand")
    which = apply.add_mutually_exclusive_group(required=True)
    which.add_argument("--before", help="the commit before the push (a push event)")
    which.add_argument("--env", dest="only_env", help="one environment (a workflow_dispatch)")
    apply.add_argument(
        "--fresh-state", action="store_true", help="with --env: allow an empty state directory"
    )
    kinds.add_parser("drift", help="drift.yml as its schedule runs it")
    for kind in (plan, apply, kinds.choices["drift"]):
        _common(kind)
    p.set_defaults(func=run)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="results and the local GitHub")
    p.add_argument("--repo", type=Path, default=Path("."), help="the git repository (default: .)")
    p.add_argument("--head", default="HEAD", help="the commit under test (default: HEAD)")
    p.add_argument("--repository", default=DEFAULT_REPOSITORY, help="OWNER/NAME on GitHub")
    p.add_argument(
        "--workflow", dest="workflow_file", help="the workflow file, relative to the repository"
    )
    p.add_argument(
        "--emulator",
        action="store_true",
        help="run against an embedded emulator seeded like `reconciler demo` (one run only)",
    )


@contextmanager
def _embedded_emulator(enabled: bool) -> Iterator[dict[str, str]]:
    if not enabled:
        yield {}
        return
    from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, serve_in_thread

    seed = resources.files("reconciler.demo").joinpath("live-tenant.yaml")
    emu = Emulator.from_seed_file(Path(str(seed)), EmulatorConfig(operation_seconds=0.2))
    with serve_in_thread(emu) as base_url:
        print(f"Embedded emulator on {base_url} (seeded from reconciler/demo/live-tenant.yaml)")
        yield {
            "CXONE_BASE_URL": base_url,
            "CXONE_CLIENT_ID": "local",
            "CXONE_CLIENT_SECRET": "local-secret",
            "WFM_WEBHOOK_TOKEN": EMULATOR_TOKEN,
        }


def _report(outcome: PlayOutcome, out: Path) -> None:
    marks = {FAILURE: "x", SKIPPED: "-"}
    print(f"{outcome.kind}: run {outcome.run_id} {outcome.conclusion}")
    for job in outcome.jobs:
        print(f"  [{marks.get(job.conclusion, 'ok')}] {job.name}: {job.conclusion}")
        for step in job.steps:
            if step.outcome == FAILURE:
                print(f"      failed step: {step.name} (exit {step.exit_code})")
    for env in outcome.environments:
        files = sorted(p.name for p in (out / env).iterdir())
        print(f"  {out / env}/: {', '.join(files)}")


def run(args: argparse.Namespace) -> int:
    with _embedded_emulator(args.emulator) as overrides:
        options = PlayOptions(
            repo=args.repo,
            out=args.out,
            env={**os.environ, **overrides},
            head=args.head,
            repository=args.repository,
            workflow=args.workflow_file,
        )
        if args.ci_workflow == "plan":
            outcome = play_plan(options, args.base, args.pr)
        elif args.ci_workflow == "apply":
            outcome = play_apply(options, args.before, args.only_env, args.fresh_state)
        else:
            outcome = play_drift(options)
    _report(outcome, args.out)
    return outcome.exit_code
