"""A real `python -m reconciler apply` on a CXone tenant SIGKILLed between two block PUTs;
the next run notices the unfinished journal, restores the snapshot, then converges.

The emulator runs in a thread of the test process (real socket, every PUT held 0.4 s), the
apply in a child process. Every wait is bounded; the child is always killed and reaped.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.cxone_admin.conftest import AdminCliFactory
from tests.cxone_admin.harness import (
    AdminCli,
    AdminView,
    assert_all,
    assert_desired_or_before,
    block_path,
    write_rich_specs,
)
from tests.engine.test_crash_recovery import WAIT_SECONDS, child_apply, journal_intents, wait_for

EAST = "Collections_East"
PUT_SECONDS = 0.4


def kill_after_the_first_block(cli: AdminCli, tmp: Path) -> None:
    """`apply` in a child process, every PUT held PUT_SECONDS; SIGKILLed once the journal
    holds its intent and the skill's first block PUT has been answered."""
    cli.emu.faults.latency(PUT_SECONDS, method="PUT")
    first = block_path(EAST, "generalSettings")

    def a_block_landed() -> bool:
        return journal_intents(cli) >= 1 and any(  # type: ignore[arg-type]
            r.method == "PUT" and r.path == first and r.status == 200 for r in cli.emu.requests
        )

    with child_apply(cli, tmp) as proc:  # type: ignore[arg-type]
        wait_for(a_block_landed, "a block PUT answered", proc, tmp / "child.out")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=WAIT_SECONDS) == -signal.SIGKILL
    cli.emu.faults.clear()


@pytest.fixture
def killed(admin_cli_factory: AdminCliFactory, tmp_path: Path) -> tuple[AdminCli, AdminView]:
    """A tenant whose apply was killed after its first block; and the tenant before it."""
    cli = admin_cli_factory()
    write_rich_specs(cli, create_group=False)
    before = cli.view()
    kill_after_the_first_block(cli, tmp_path)
    return cli, before


def test_a_killed_apply_is_recovered_by_the_next_apply_which_then_converges(
    killed: tuple[AdminCli, AdminView],
) -> None:
    cli, before = killed

    # Killed half-way through the skill: each block is desired or as it was, some desired.
    assert cli.unfinished() == 1
    want = cli.expected(before)
    where = assert_desired_or_before(cli.view(), before, want)
    assert where[f"{EAST}.coupled"] == "desired"  # generalSettings landed
    assert "before" in where.values()

    run = cli.apply("--no-verify")

    assert run.code == 0, run.text
    assert "recovery: an earlier `apply`" in run.err and "interrupted" in run.err
    assert "restored to snapshot" in run.err and "verified" in run.err
    assert_all(assert_desired_or_before(cli.view(), before, want), "desired")
    events = [e["event"] for e in cli.audit()]
    assert events.count("apply-started") == 2
    recovery = next(e for e in cli.audit() if e["event"] == "recovery-finished")
    assert recovery["result"] == "restored"
    assert cli.unfinished() == 0
    assert cli.run("audit", "verify", str(cli.spec)).code == 0
    assert cli.drift().code == 0


def test_a_killed_apply_is_recovered_by_rollback_to_the_pre_apply_content(
    killed: tuple[AdminCli, AdminView],
) -> None:
    cli, before = killed

    run = cli.run("rollback", str(cli.spec), "--auto-approve")

    assert "recovery: an earlier `apply`" in run.err
    assert cli.unfinished() == 0
    assert_all(assert_desired_or_before(cli.view(), before, cli.expected(before)), "before")
    assert run.code == 1 and "no last-known-good" in run.err
