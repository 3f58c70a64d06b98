"""The local workflow player end to end: plan.yml, apply.yml and drift.yml against the emulator.

Each test builds a git repository holding the workflows and copies of `specs/example` as
`specs/<env>/`, serves the emulator on a loopback socket, and plays the workflows with
`reconciler.ci.player`: the workflows' own steps, the helper scripts and `reconciler` run as
subprocesses; GitHub is the player's local file. The Markdown posted is compared with golden
files under `golden/` (volatile parts normalised; `pytest --update-goldens` rewrites them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from reconciler.ci import fake_github
from reconciler.ci.player import PlayOptions, play_apply, play_drift, play_plan
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, serve_in_thread

REPO_ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden")
CLIENT_ID = "player-client-id"
CLIENT_SECRET = "player-client-secret-value"
WEBHOOK_TOKEN = "player-wfm-webhook-token"


@dataclass
class World:
    """A repository of specs, the emulator behind it, and where the player writes."""

    repo: Path
    out: Path
    emu: Emulator
    env: dict[str, str]

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.repo), *args], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def edit(self, env: str, path: str, old: str, new: str) -> None:
        file = self.repo / "specs" / env / path
        text = file.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {file}"
        file.write_text(text.replace(old, new, 1), encoding="utf-8")

    def options(self) -> PlayOptions:
        return PlayOptions(repo=self.repo, out=self.out, env=self.env)

    def read(self, env: str, name: str) -> str:
        return (self.out / env / name).read_text(encoding="utf-8")

    def result(self, env: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.read(env, "result.json"))
        return loaded

    def github(self) -> dict[str, Any]:
        return fake_github.load(self.out / "github" / "state.json")


def add_environment(repo: Path, env: str) -> None:
    """`specs/example` copied as `specs/<env>/`, named after it, with a one-second guard."""
    target = repo / "specs" / env
    shutil.copytree(REPO_ROOT / "specs" / "example", target)
    tenant = target / "tenant.yaml"
    text = tenant.read_text(encoding="utf-8")
    for old, new in (
        ("name: example", f"name: {env}"),
        ("environment: example", f"environment: {env}"),
        # The post-apply guard watches metrics in real time: one second, not fifteen minutes.
        ("watch_seconds: 900", "watch_seconds: 1"),
        ("interval_seconds: 60", "interval_seconds: 1"),
    ):
        assert old in text
        text = text.replace(old, new)
    tenant.write_text(text, encoding="utf-8")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with make_world(tmp_path) as w:
        yield w


@contextmanager
def make_world(tmp_path: Path) -> Iterator[World]:
    """Two environments in a fresh repository, the emulator serving their tenant."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(REPO_ROOT / ".github", repo / ".github")
    for env in ("prod", "staging"):
        add_environment(repo, env)
    seed = resources.files("reconciler.demo").joinpath("live-tenant.yaml")
    emu = Emulator.from_seed_file(Path(str(seed)), EmulatorConfig(operation_seconds=0.0))
    # The emulator's metrics vary by the hour (up to 2.8% abandonment) and Collections_East
    # is guarded at 2.5%: pin a healthy value so the guard's verdict never depends on the
    # hour the tests run (tests of a breach set their own value).
    emu.set_metric("Collections_East", "abandonmentRate", 0.012)
    with serve_in_thread(emu) as base_url:
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(tmp_path),
            "CXONE_BASE_URL": base_url,
            "CXONE_CLIENT_ID": CLIENT_ID,
            "CXONE_CLIENT_SECRET": CLIENT_SECRET,
            "WFM_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        }
        w = World(repo, tmp_path / "ci", emu, env)
        w.git("init", "-q", "-b", "main")
        w.git("config", "user.email", "player@example.invalid")
        w.git("config", "user.name", "player test")
        w.commit("specs as they are live")
        yield w


def normalise(text: str, world: World) -> str:
    """The volatile parts of a posted body replaced by placeholders."""
    text = text.replace(str(world.out), "<out>").replace(str(world.repo), "<repo>")
    for pattern, placeholder in (
        (r"sha256:[0-9a-f]{64}", "sha256:<digest>"),
        (r"commit `[0-9a-f]{7,40}`", "commit `<commit>`"),
        (r"\bv-[0-9a-f]{6,}\b", "v-<tag>"),
        (r"\d{8}T\d{6}Z-[0-9a-f]{6}", "<snapshot>"),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})", "<time>"),
        (r"/actions/runs/\d+", "/actions/runs/<run>"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
        (r"/tmp/[^\s`'\")]+", "<tmp-path>"),
        (r"\b\d+(\.\d+)? ?(ms|s)\b", "<duration>"),
    ):
        text = re.sub(pattern, placeholder, text)
    # Guard readings come from hour-keyed emulator metrics and wall-clock ticks.
    text = re.sub(r"(?m)^(guard: .*)$", lambda m: re.sub(r"\d+\.\d+", "<value>", m[1]), text)
    text = re.sub(r"\d+ reading\(s\)", "<n> reading(s)", text)
    return _sort_concurrent_lines(text)


# Progress and outcome lines of writes that run concurrently: their order is not stable.
_CONCURRENT = re.compile(r"^(\[\d+/\d+\] |  (update|create|delete|FAILED|restored|restore-\w+) )")


def _sort_concurrent_lines(text: str) -> str:
    out: list[str] = []
    block: list[str] = []
    for line in [*text.split("\n"), None]:
        if line is not None and _CONCURRENT.match(line):
            block.append(line)
            continue
        out.extend(sorted(block))
        block = []
        if line is not None:
            out.append(line)
    return "\n".join(out)


def check_golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run `pytest tests/workflows --update-goldens`"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def secrets_absent(root: Path) -> None:
    """No secret value in any file the player wrote (logs, artifacts, GitHub state)."""
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in (CLIENT_SECRET, WEBHOOK_TOKEN, CLIENT_ID):
                assert secret.encode() not in data, f"{secret} leaked into {path}"


def test_plan_posts_one_comment_per_environment_and_updates_it_in_place(
    world: World, update_goldens: bool
) -> None:
    base = world.git("rev-parse", "HEAD")
    world.edit("prod", "campaigns/collections-east.yaml", "max_agents: 25", "max_agents: 24")
    world.edit("staging", "campaigns/renewals-central.yaml", "max_agents: 20", "max_agents: 18")
    world.commit("lower staffing")

    first = play_plan(world.options(), base, pr=7)
    assert first.exit_code == 0 and first.conclusion == "success"
    assert first.environments == ["prod", "staging"]
    assert {j.job_id: j.conclusion for j in first.jobs} == {
        "changes": "success",
        "validate": "success",
        "plan": "success",
    }
    comments = world.github()["comments"]["7"]
    assert len(comments) == 2
    ids = {c["body"].splitlines()[0]: c["id"] for c in comments}
    assert set(ids) == {"<!-- reconciler:plan:prod -->", "<!-- reconciler:plan:staging -->"}
    for env in ("prod", "staging"):
        assert world.read(env, "exit-code") == "2\n"  # changes: a result, not a failure
        assert world.result(env)["comments_for_env"] == 1
        # The job summary carries the very body that was posted.
        assert world.read(env, "summary.md") == world.read(env, "comment.md")
        artifact = world.out / env / "artifacts" / f"plan-{env}"
        assert json.loads((artifact / "plan.json").read_text())["environment"] == env
        assert (artifact / "plan.md").read_text() == world.read(env, "comment.md")
    check_golden(
        "plan-comment.md", normalise(world.read("prod", "comment.md"), world), update_goldens
    )
    first_prod = world.read("prod", "comment.md")

    world.edit("prod", "campaigns/collections-east.yaml", "max_agents: 24", "max_agents: 22")
    world.commit("lower prod staffing further")
    second = play_plan(world.options(), base, pr=7)
    assert second.exit_code == 0
    comments = world.github()["comments"]["7"]
    assert {c["body"].splitlines()[0]: c["id"] for c in comments} == ids  # edited, never added
    assert world.read("prod", "comment.md") != first_prod
    assert "`concurrency.max_agents`" in world.read("prod", "comment.md")
    assert "+ concurrency.max_agents: 22" in world.read("prod", "comment.md")
    # Both comments were edited (staging's names the new commit); nothing was posted anew.
    log = world.github()["log"]
    assert [m for m, p in log if m in ("POST", "PATCH")] == ["POST", "POST", "PATCH", "PATCH"]
    assert sorted(p for m, p in log if m == "PATCH") == [
        f"repos/local/specs/issues/comments/{i}" for i in sorted(ids.values())
    ]
    secrets_absent(world.out)


def test_plan_of_invalid_specs_fails_validation_and_skips_the_plan(world: World) -> None:
    base = world.git("rev-parse", "HEAD")
    world.edit("prod", "campaigns/collections-east.yaml", "max_agents: 25", "max_agents: -3")
    world.commit("break prod")
    outcome = play_plan(world.options(), base, pr=3)
    assert outcome.exit_code == 1 and outcome.conclusion == "failure"
    assert {j.job_id: j.conclusion for j in outcome.jobs} == {
        "changes": "success",
        "validate": "failure",
        "plan": "skipped",
    }
    assert world.read("prod", "exit-code") == "1\n"
    assert "::error file=specs/prod/campaigns/collections-east.yaml" in world.read(
        "prod", "validate.log"
    )
    assert "comments" not in world.github() or not world.github()["comments"].get("3")


def test_apply_applies_and_keeps_the_state_between_runs(world: World, update_goldens: bool) -> None:
    before = world.git("rev-parse", "HEAD")
    world.edit("prod", "campaigns/collections-east.yaml", "max_agents: 25", "max_agents: 24")
    world.commit("lower prod staffing")

    first = play_apply(world.options(), before=before)
    assert first.exit_code == 0 and first.environments == ["prod"]
    assert world.read("prod", "exit-code") == "0\n"
    live = {c["name"]: c for c in world.emu.tenant_json()["campaigns"]}
    assert live["Collections_East"]["concurrency"]["max_agents"] == 24
    summary = world.read("prod", "summary.md")
    assert summary.startswith("### reconciler apply `prod`: exit 0")
    check_golden("apply-summary.md", normalise(summary, world), update_goldens)
    state = world.out / "prod" / "artifacts" / "reconciler-state-prod" / "prod"
    first_snapshots = {p.name for p in (state / "snapshots").iterdir()}
    assert first_snapshots
    assert "no artifact 'reconciler-state-prod' on main" in world.read("prod", "apply.log")

    # Someone edits live; an apply run on demand restores the saved state, then adds to it.
    world.emu.edit_campaign("Collections_East", {"algorithm": {"dial_ratio": 3.0}})
    second = play_apply(world.options(), environment="prod")
    assert second.exit_code == 0
    assert re.search(r"restored \d+ files into \.reconciler/prod", world.read("prod", "apply.log"))
    state = world.out / "prod" / "artifacts" / "reconciler-state-prod" / "prod"
    second_snapshots = {p.name for p in (state / "snapshots").iterdir()}
    assert second_snapshots > first_snapshots  # kept, then added to
    artifacts = [a["name"] for a in world.github()["artifacts"]]
    assert artifacts.count("reconciler-state-prod") == 2
    secrets_absent(world.out)


def test_a_failing_apply_fails_the_job_with_the_tools_summary(
    world: World, update_goldens: bool
) -> None:
    before = world.git("rev-parse", "HEAD")
    world.edit("prod", "campaigns/renewals-central.yaml", "max_agents: 20", "max_agents: 18")
    world.commit("lower renewals staffing")
    world.emu.faults.fail_operation(name="Renewals_Central", partially_applied=True)

    outcome = play_apply(world.options(), before=before)
    assert outcome.exit_code == 1 and outcome.conclusion == "failure"
    assert world.read("prod", "exit-code") == "1\n"
    steps = {s.name: s.outcome for s in outcome.jobs[-1].steps}
    assert steps["apply"] == "failure"
    # The summary, the error annotation and both uploads still run after the failure.
    assert steps["job summary"] == steps["upload the state directory"] == "success"
    summary = world.read("prod", "summary.md")
    assert summary.startswith("### reconciler apply `prod`: exit 1")
    assert "restored" in summary.lower()
    assert "::error title=apply failed (prod)::" in world.read("prod", "apply.log")
    check_golden("apply-failed-summary.md", normalise(summary, world), update_goldens)
    journal = world.out / "prod" / "artifacts" / "reconciler-state-prod" / "prod"
    assert any(journal.rglob("*journal*"))
    secrets_absent(world.out)


def _apply_directly(world: World) -> None:
    """Bring the tenant in line with the specs (the emulator starts out of line)."""
    env = {**world.env, "RECONCILER_STATE_DIR": str(world.out.parent / "direct-state")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reconciler",
            "apply",
            "specs/prod",
            "--auto-approve",
            "--no-verify",
        ],
        cwd=world.repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_drift_opens_updates_and_closes_one_issue(world: World, update_goldens: bool) -> None:
    shutil.rmtree(world.repo / "specs" / "staging")
    world.commit("one environment")
    _apply_directly(world)

    world.emu.edit_campaign("Collections_East", {"algorithm": {"dial_ratio": 3.0}})
    opened = play_drift(world.options())
    assert opened.exit_code == 0 and world.read("prod", "exit-code") == "2\n"
    issue = json.loads(world.read("prod", "issue.json"))
    assert issue["state"] == "open" and issue["labels"] == ["reconciler-drift"]
    assert issue["title"] == "Drift detected in prod" and issue["open_issues_for_env"] == 1
    assert world.read("prod", "summary.md") == issue["body"]
    check_golden("drift-issue.md", normalise(issue["body"], world), update_goldens)

    world.emu.edit_campaign("Collections_East", {"algorithm": {"dial_ratio": 3.5}})
    updated = play_drift(world.options())
    assert updated.exit_code == 0
    again = json.loads(world.read("prod", "issue.json"))
    assert again["number"] == issue["number"] and again["open_issues_for_env"] == 1
    assert "- algorithm.dial_ratio: 3.5" in again["body"]
    assert len(world.github()["issues"]) == 1

    _apply_directly(world)
    closed = play_drift(world.options())
    assert closed.exit_code == 0 and world.read("prod", "exit-code") == "0\n"
    final = json.loads(world.read("prod", "issue.json"))
    assert final["number"] == issue["number"]
    assert (final["state"], final["state_reason"]) == ("closed", "completed")
    assert final["comments"][-1].startswith("Back in sync: prod matches its specs again.")
    assert len(world.github()["issues"]) == 1
    secrets_absent(world.out)
