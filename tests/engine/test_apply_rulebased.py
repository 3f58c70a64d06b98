"""A hypothesis state machine: one tenant and one state directory through many applies.

Each step either changes the desired state or applies the current one under a random fault
schedule (the strategies and the invariant of test_apply_statemachine.py). Across steps the
state directory accumulates snapshots, journals and audit entries, so the machine also
checks what a single apply cannot: no run is ever left unfinished, the audit chain stays
intact, the last-known-good always matches the tenant after a verified apply, and once the
faults are gone the tenant converges to the latest desired state.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, ManualClock
from reconciler.state.audit import AuditLog
from reconciler.state.journal import list_unfinished
from reconciler.state.layout import StateDir
from reconciler.state.snapshots import SnapshotStore
from tests.engine.test_apply_statemachine import (
    CAMPAIGNS,
    FakeTime,
    World,
    apply_once,
    check_invariant,
    fault_schedules,
    inject,
    model_json,
    view,
    worlds,
)


class ApplyMachine(RuleBasedStateMachine):
    """Desired-state changes and applies under faults, one tenant, one state directory."""

    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        self.state = StateDir(Path(self._tmp.name), "prop")  # the environment apply_once plans
        self.clock = ManualClock(1_790_000_000.0)
        self.time = FakeTime(self.clock)
        self.emu: Emulator | None = None
        self.world: World | None = None
        self.applied_once = False

    def teardown(self) -> None:
        self._tmp.cleanup()

    @initialize(world=worlds())
    def start(self, world: World) -> None:
        self.world = world
        self.emu = Emulator(EmulatorConfig(operation_seconds=2.0), self.clock, world.live)

    @rule(world=worlds())
    def change_the_specs(self, world: World) -> None:
        """A new commit: another desired state for the same tenant."""
        self.world = world

    @rule(faults=fault_schedules(CAMPAIGNS))
    def apply_under_faults(self, faults: list[tuple[Any, ...]]) -> None:
        assert self.emu is not None and self.world is not None
        self.emu.faults.clear()
        self.clock.advance(10.0)  # hung activations from an earlier step end
        edits = inject(self.emu, faults)
        before_view = view(self.emu)
        outcome, touched = asyncio.run(
            apply_once(self.emu, self.time, self.state, self.world, edits)
        )
        event(f"apply: {outcome.result if outcome else 'nothing to do'}")
        if outcome is None:
            return
        before: dict[str, list[Any]] = {a: [b] for a, b in before_view.bodies.items()}
        for name in edits:
            b = before_view.bodies.get(f"Campaign.{name}")
            if b is not None:
                spaced = {**b["concurrency"], "call_spacing_ms": 77}
                before[f"Campaign.{name}"] = [{**b, "concurrency": spaced}, b]
        check_invariant(outcome, touched, before, view(self.emu), self.world.desired_bodies)
        if outcome.result == "applied":
            self.applied_once = True
            lkg = SnapshotStore(self.state).last_known_good()
            assert lkg is not None and lkg.id == outcome.last_known_good

    @precondition(lambda self: self.emu is not None)
    @rule()
    def faults_clear_and_it_converges(self) -> None:
        assert self.emu is not None and self.world is not None
        self.emu.faults.clear()
        self.clock.advance(10.0)
        outcome, _ = asyncio.run(apply_once(self.emu, self.time, self.state, self.world, []))
        assert outcome is None or outcome.result == "applied", outcome
        want = {a: model_json(a, b) for a, b in self.world.desired_bodies.items()}
        assert view(self.emu).bodies == want

    @invariant()
    def no_run_is_left_unfinished(self) -> None:
        assert not list_unfinished(self.state)

    @invariant()
    def the_audit_chain_is_intact(self) -> None:
        if self.state.audit_path.exists():
            assert AuditLog(self.state.audit_path).verify().ok


ApplyMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestApplyMachine = ApplyMachine.TestCase
