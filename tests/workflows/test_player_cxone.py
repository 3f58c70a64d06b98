"""plan.yml and apply.yml for a real CXone tenant (`api: cxone-admin`), played locally.

The workflows pass CXONE_ISSUER_URL (or CXONE_API_URL) as a variable and the access key
and app credentials as secrets; this plays them against the CXone admin emulator on a
loopback socket with a repository holding `specs/cxone-example` as `specs/prod`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.ci import fake_github
from reconciler.ci.player import play_apply, play_plan
from reconciler.cxone_admin.emulator import AdminEmulator, AdminEmulatorConfig, serve_in_thread
from tests.workflows.test_player import World

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCESS_KEY_ID = "player-access-key-id"
ACCESS_KEY_SECRET = "player-access-key-secret-value"
CLIENT_ID = "player-app-id"
CLIENT_SECRET = "player-app-secret-value"
SECRETS = (ACCESS_KEY_SECRET, CLIENT_SECRET)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(REPO_ROOT / ".github", repo / ".github")
    target = repo / "specs" / "prod"
    shutil.copytree(REPO_ROOT / "specs" / "cxone-example", target)
    tenant = target / "tenant.yaml"
    tenant.write_text(tenant.read_text().replace("name: cxone-example", "name: prod"))
    emu = AdminEmulator(
        AdminEmulatorConfig(
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        )
    )
    with serve_in_thread(emu) as url:
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(tmp_path),
            "CXONE_ISSUER_URL": url,
            "CXONE_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "CXONE_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
            "CXONE_CLIENT_ID": CLIENT_ID,
            "CXONE_CLIENT_SECRET": CLIENT_SECRET,
        }
        w = World(repo, tmp_path / "ci", emu, env)  # type: ignore[arg-type]
        w.git("init", "-q", "-b", "main")
        w.git("config", "user.email", "player@example.invalid")
        w.git("config", "user.name", "player test")
        w.commit("specs of the CXone tenant")
        yield w


def admin_emulator(world: World) -> AdminEmulator:
    found = world.emu
    assert isinstance(found, AdminEmulator)
    return found


def secrets_absent(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in SECRETS:
                assert secret.encode() not in data, f"{secret} leaked into {path}"


def test_plan_and_apply_reach_the_tenant_with_its_variables_and_secrets(
    world: World,
) -> None:
    base = world.git("rev-parse", "HEAD")
    world.edit("prod", "skills/collections-east.yaml", "maximumRatio: 2", "maximumRatio: 1")
    world.commit("collections east: one line per agent")

    plan = play_plan(world.options(), base, pr=4)
    assert plan.exit_code == 0 and plan.environments == ["prod"], world.read("prod", "plan.log")
    assert world.read("prod", "exit-code") == "2\n"
    comment = world.read("prod", "comment.md")
    assert "OutboundSkill" in comment and "generalSettings.maximumRatio" in comment
    posted = fake_github.load(world.out / "github" / "state.json")["comments"]["4"]
    assert posted[0]["body"].startswith("<!-- reconciler:plan:prod -->")
    assert admin_emulator(world).block("Collections_East", "generalSettings")["maximumRatio"] == 2

    applied = play_apply(world.options(), before=base)
    assert applied.exit_code == 0, world.read("prod", "apply.log")
    assert world.read("prod", "summary.md").startswith("### reconciler apply `prod`: exit 0")
    assert admin_emulator(world).block("Collections_East", "generalSettings")["maximumRatio"] == 1
    secrets_absent(world.out)


def test_without_the_access_key_the_plan_says_which_secret_is_missing(
    world: World,
) -> None:
    del world.env["CXONE_ACCESS_KEY_SECRET"]
    base = world.git("rev-parse", "HEAD")
    world.edit("prod", "skills/collections-east.yaml", "maximumRatio: 2", "maximumRatio: 1")
    world.commit("collections east: one line per agent")
    plan = play_plan(world.options(), base, pr=5)
    assert plan.exit_code == 1
    assert "set CXONE_ACCESS_KEY_SECRET" in world.read("prod", "comment.md")
