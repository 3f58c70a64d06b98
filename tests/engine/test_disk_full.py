"""A state directory that refuses writes (disk full, file too large) never half-changes a tenant.

Before the first API write: nothing is written. During the writes: no new write starts and
what landed is restored. After a verified apply: the tenant holds the desired state, the
outcome says so and names what could not be recorded (exit 4 through the CLI).
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from reconciler.desired import load_desired_state
from reconciler.dialer_v1.client import DialerV1Client
from reconciler.engine.apply import ApplyOptions, ApplyRun
from reconciler.engine.from_specs import normalizer_for, plan_desired_state
from reconciler.engine.outcome import Outcome
from reconciler.errors import StateError
from reconciler.state.audit import AuditLog
from reconciler.state.journal import Journal
from reconciler.state.snapshots import Snapshot, SnapshotResource, SnapshotStore
from tests.engine.conftest import (
    DRIFTED_TOUCHED,
    TOKEN,
    Cli,
    CliFactory,
    assert_touched_are_desired_or_before,
    drifted_seed,
    edit_seed_campaign,
    extra_campaign,
)
from tests.factories import backend

FULL = "No space left on device"


class FailingAudit(AuditLog):
    """An audit log whose disk fills up when `full(event, count)` says so."""

    def __init__(self, path: Path, full: Callable[[str, int], bool]) -> None:
        super().__init__(path)
        self.full, self.count = full, 0

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        self.count += 1
        if self.full(event, self.count):
            raise StateError(f"cannot append to {self.path}: {FULL}")
        return super().append(event, **fields)


class FailingSnapshots(SnapshotStore):
    """A snapshot store that cannot write snapshots taken for `reason`."""

    def __init__(self, state: Any, reason: str) -> None:
        super().__init__(state)
        self.reason = reason

    def save(
        self, environment: str, reason: str, resources: Iterable[SnapshotResource], **kw: Any
    ) -> Snapshot:
        if reason == self.reason:
            raise StateError(f"cannot write snapshots/{reason}.json: File too large")
        return super().save(environment, reason, resources, **kw)


class FailingJournal(Journal):
    """A journal whose intent for step `step` cannot be written."""

    fail_step = 2

    def intent(self, step: int, **kw: Any) -> None:
        if step == self.fail_step:
            raise StateError(f"cannot append to {self.path}: {FULL}")
        super().intent(step, **kw)


def _apply(
    cli: Cli,
    *,
    audit: AuditLog | None = None,
    snapshots: SnapshotStore | None = None,
    journal_class: type[Journal] = Journal,
) -> Outcome:
    state = cli.state
    state.ensure()
    desired = load_desired_state(cli.spec)

    def journal(snapshot_id: str) -> Journal:
        return journal_class.begin(
            state,
            run_id="disk-full-test",
            command="apply",
            plan_digest=None,
            snapshot_id=snapshot_id,
            pid=os.getpid(),
        )

    async def run() -> Outcome:
        async with DialerV1Client(cli.url, "t", SecretStr("s")) as client:
            plan, live = await plan_desired_state(backend(client), desired, prune=False)
            return await ApplyRun(
                backend(client),
                plan=plan,
                live=live,
                snapshots=snapshots or SnapshotStore(state),
                journal_factory=journal,
                audit=audit or AuditLog(state.audit_path),
                secrets={"WFM_WEBHOOK_TOKEN": SecretStr(TOKEN)},
                normalizer=normalizer_for(desired),
                options=ApplyOptions(operation_deadline_seconds=30.0),
            ).run()

    return asyncio.run(run())


def test_the_audit_log_filling_up_mid_apply_restores_what_landed(cli: Cli) -> None:
    before = cli.view()
    audit = FailingAudit(
        cli.state.audit_path, lambda event, n: event == "write" and n >= 3
    )  # apply-started, the first write, then the disk is full
    outcome = _apply(cli, audit=audit)
    assert outcome.result == "restored", outcome
    assert "could not be recorded" in (outcome.error or "")
    assert any(FULL in u for u in outcome.unrecorded)
    assert [s.outcome for s in outcome.steps].count("applied") >= 1
    where = assert_touched_are_desired_or_before(cli.view(), before, cli.desired(), DRIFTED_TOUCHED)
    assert set(where.values()) <= {"before", "both"}, where  # nothing left half-changed
    assert cli.unfinished() == 0


def test_a_journal_intent_that_cannot_be_written_stops_before_that_write(cli: Cli) -> None:
    before = cli.view()
    mark = cli.mark()
    outcome = _apply(cli, journal_class=FailingJournal)
    assert outcome.result == "restored", outcome
    assert "its intent could not be recorded" in (outcome.error or "")
    second = outcome.steps[1] if len(outcome.steps) > 1 else None
    assert second is None or second.outcome == "skipped" or second.landed == "no"
    where = assert_touched_are_desired_or_before(cli.view(), before, cli.desired(), DRIFTED_TOUCHED)
    assert set(where.values()) <= {"before", "both"}, where
    assert cli.writes_since(mark)  # the first write went out, and was restored


def test_no_audit_entry_for_the_start_means_nothing_is_written(cli: Cli) -> None:
    mark = cli.mark()
    audit = FailingAudit(cli.state.audit_path, lambda event, _n: event == "apply-started")
    with pytest.raises(StateError, match="nothing was written"):
        _apply(cli, audit=audit)
    assert cli.writes_since(mark) == []
    assert cli.unfinished() == 0


def test_a_last_known_good_snapshot_that_cannot_be_written_still_reports_the_apply(
    cli: Cli,
) -> None:
    outcome = _apply(cli, snapshots=FailingSnapshots(cli.state, "applied"))
    assert outcome.result == "applied"
    assert outcome.last_known_good is None
    assert any("last-known-good" in u and "File too large" in u for u in outcome.unrecorded)
    assert cli.view().bodies == cli.desired().bodies
    assert cli.unfinished() == 0  # the journal is closed: the next run replays nothing


def _big_tenant() -> dict[str, Any]:
    """The drifted tenant plus 150 unmanaged campaigns: a whole-tenant snapshot is large."""
    seed = drifted_seed()
    like = {k: v for k, v in seed["campaigns"][0].items() if k not in ("id", "versionTag")}
    seed["campaigns"] += [extra_campaign(f"Filler_{i:03d}", like) for i in range(150)]
    return edit_seed_campaign(seed, "Collections_East", {"concurrency": {"max_agents": 20}})


def test_through_the_cli_a_file_size_limit_on_the_state_gives_exit_4(
    cli_factory: CliFactory, tmp_path: Path
) -> None:
    cli = cli_factory(_big_tenant())
    limit = 40_000  # bytes: the pre-apply snapshot fits, the whole-tenant one does not

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "reconciler",
            "apply",
            str(cli.spec),
            "--auto-approve",
            "--no-verify",
        ],
        env={**os.environ, "RECONCILER_DEBUG": ""},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap,
        check=False,
    )
    assert run.returncode == 4, run.stdout + run.stderr
    assert "the tenant holds the desired state (verified)" in run.stderr
    assert "not recorded: the last-known-good snapshot" in run.stderr
    assert "Traceback" not in run.stderr
    for address, body in cli.desired().bodies.items():
        assert cli.view().bodies[address] == body, address
    assert cli.unfinished() == 0
