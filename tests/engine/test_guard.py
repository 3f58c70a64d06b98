"""The post-apply guard, end to end against the emulator over a loopback socket.

The CLI runs in-process (`apply` with a tiny `--verify-watch-seconds`); the emulator's
`set_metric` makes metrics hold or breach. The engine-level tests drive `watch` and
`guard_apply` with an injected clock and sleep, so a 900 s watch takes no real time.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from reconciler.cli.main import main
from reconciler.desired import MetricBound
from reconciler.dialer_v1.api import MetricRow
from reconciler.dialer_v1.client import ClientOptions, DialerV1Client
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, serve_in_thread
from reconciler.engine.guard import (
    GuardSettings,
    WatchTarget,
    check_row,
    watch,
)
from reconciler.state.audit import AuditLog
from reconciler.state.layout import StateDir
from reconciler.state.snapshots import SnapshotStore
from tests.factories import backend

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "specs" / "example"
SEED = ROOT / "reconciler" / "demo" / "live-tenant.yaml"
SERVER = {"id", "versionTag", "createdAt", "updatedAt", "lastActivatedAt"}
WATCH = ["--verify-watch-seconds", "0.01"]


class Served:
    """An emulator on 127.0.0.1, a copy of specs/example and a state directory."""

    def __init__(self, emu: Emulator, url: str, spec: Path, state_root: Path) -> None:
        self.emu, self.url, self.spec, self.state_root = emu, url, spec, state_root

    def apply(self, *extra: str) -> int:
        return main(["apply", str(self.spec), "--auto-approve", *extra])

    def audit_events(self) -> list[dict[str, Any]]:
        return list(AuditLog(StateDir(self.state_root, "example").audit_path).entries())

    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(StateDir(self.state_root, "example"))

    def bodies(self) -> dict[str, dict[str, Any]]:
        """Every live resource without server fields (webhook tokens are write-only)."""
        t = self.emu.tenant_json()
        out = {"DialerSettings": _strip(t["settings"])}
        out.update({f"Campaign.{c['name']}": _strip(c) for c in t["campaigns"]})
        out.update({f"Webhook.{w['name']}": _strip(w, "auth") for w in t["webhooks"]})
        return out

    def client(self, sleep: Callable[[float], Awaitable[None]]) -> DialerV1Client:
        return DialerV1Client(
            self.url,
            "test",
            SecretStr("test-secret"),
            options=ClientOptions(max_attempts=2, backoff_base_seconds=0.0),
            sleep=sleep,
        )


def _strip(body: dict[str, Any], *extra: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in SERVER and k not in extra}


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    emu = Emulator.from_seed_file(SEED, EmulatorConfig(operation_seconds=0.0))
    with serve_in_thread(emu) as url:
        spec = tmp_path / "example"
        shutil.copytree(EXAMPLE, spec)
        state_root = tmp_path / "state"
        for key, value in {
            "CXONE_BASE_URL": url,
            "CXONE_CLIENT_ID": "test",
            "CXONE_CLIENT_SECRET": "test-secret",
            "WFM_WEBHOOK_TOKEN": "wfm-token-for-tests",
            "RECONCILER_STATE_DIR": str(state_root),
        }.items():
            monkeypatch.setenv(key, value)
        yield Served(emu, url, spec, state_root)


def _events(entries: list[dict[str, Any]]) -> list[str]:
    return [e["event"] for e in entries]


def test_metrics_that_hold_exit_0_and_the_guard_is_audited(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    served.emu.set_metric("Collections_East", "abandonmentRate", 0.012)
    served.emu.set_metric("Collections_East", "efficiency", 0.8)
    assert served.apply(*WATCH) == 0
    out, err = capsys.readouterr()
    assert "held every bound" in out
    assert "guard: watching Collections_East, Renewals_Central, VIP_Callbacks_West" in err
    events = _events(served.audit_events())
    assert events[-3:] == ["apply-finished", "guard-started", "guard-finished"]
    assert served.audit_events()[-1]["result"] == "held"
    assert served.snapshots().last_known_good().reason == "applied"  # type: ignore[union-attr]


def test_a_breach_restores_every_touched_resource_and_exits_1(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    before = served.bodies()
    served.emu.set_metric("Collections_East", "abandonmentRate", 0.051)
    assert served.apply(*WATCH) == 1
    _, err = capsys.readouterr()
    # Metric, campaign, value and bound are named.
    assert "abandonmentRate 0.051 on campaign Collections_East is above its max 0.025" in err
    assert "rolled the apply back" in err
    after = served.bodies()
    # Created campaigns are gone again; updated ones and the settings are back.
    assert after == before
    entries = served.audit_events()
    events = _events(entries)
    i = events.index("guard-breach")
    assert events[i - 2 : i] == ["apply-finished", "guard-started"]
    assert events[i + 1] == "guard-restore-started"
    assert events[-1] == "guard-restore-finished"
    assert all(e == "write" for e in events[i + 2 : -1]) and len(events) - i - 3 >= 4
    breach = entries[i]
    assert (breach["campaign"], breach["metric"], breach["value"], breach["bound"]) == (
        "Collections_East",
        "abandonmentRate",
        0.051,
        0.025,
    )
    assert entries[-1]["result"] == "restored"
    lkg = served.snapshots().last_known_good()
    assert lkg is not None and lkg.reason == "guard-restored"
    assert AuditLog(StateDir(served.state_root, "example").audit_path).verify().ok


def test_no_verify_skips_the_watch_and_says_so(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    served.emu.set_metric("Collections_East", "abandonmentRate", 0.9)
    assert served.apply("--no-verify") == 0
    _, err = capsys.readouterr()
    assert "guard: skipped (--no-verify)" in err
    assert "guard-started" not in _events(served.audit_events())


class FakeTime:
    """A clock that only the injected sleep moves; hooks run when a time is reached."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.at: list[tuple[float, Callable[[], None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        for when, hook in list(self.at):
            if self.now >= when:
                hook()
                self.at.remove((when, hook))


def _target(cid: str, **bounds: MetricBound) -> WatchTarget:
    return WatchTarget("Collections_East", cid, bounds, 900.0, 60.0)  # type: ignore[arg-type]


def _cid(served: Served) -> str:
    return next(
        c["id"] for c in served.emu.tenant_json()["campaigns"] if c["name"] == "Collections_East"
    )


async def test_watch_reads_every_interval_and_catches_a_breach_mid_watch(served: Served) -> None:
    time = FakeTime()
    served.emu.set_metric("Collections_East", "abandonmentRate", 0.01)
    time.at.append(
        (300.0, lambda: served.emu.set_metric("Collections_East", "abandonmentRate", 0.04))
    )
    said: list[str] = []
    async with served.client(time.sleep) as api:
        result = await watch(
            backend(api),
            [_target(_cid(served), abandonmentRate=MetricBound(max=0.03))],
            settings=GuardSettings(),
            clock=time.clock,
            sleep=time.sleep,
            progress=said.append,
        )
    assert result.result == "breached" and result.breach is not None
    assert result.breach.value == 0.04 and result.breach.bound == 0.03
    assert time.sleeps == [60.0] * 5  # read at 60..300 s; the fifth read saw the breach
    assert result.readings == 5 and len(said) == 4


async def test_a_full_watch_that_holds(served: Served) -> None:
    time = FakeTime()
    served.emu.set_metric("Collections_East", "efficiency", 0.9)
    async with served.client(time.sleep) as api:
        result = await watch(
            backend(api),
            [_target(_cid(served), efficiency=MetricBound(min=0.6))],
            settings=GuardSettings(),
            clock=time.clock,
            sleep=time.sleep,
            progress=lambda _m: None,
        )
    assert result.result == "held" and result.readings == 15
    assert time.now == 900.0


async def test_transient_errors_are_retried_then_the_guard_reads(served: Served) -> None:
    time = FakeTime()
    served.emu.set_metric("Collections_East", "abandonmentRate", 0.01)
    # Two failed client attempts = one failed guard read; the guard's second read works.
    served.emu.faults.http_error(503, count=2, path="/api/v1/analytics")
    target = WatchTarget(
        "Collections_East", _cid(served), {"abandonmentRate": MetricBound(max=0.03)}, 60.0, 60.0
    )
    async with served.client(time.sleep) as api:
        result = await watch(
            backend(api),
            [target],
            settings=GuardSettings(read_attempts=3, retry_delay_seconds=5.0),
            clock=time.clock,
            sleep=time.sleep,
            progress=lambda _m: None,
        )
    assert result.result == "held" and result.readings == 1
    assert 5.0 in time.sleeps


async def test_persistent_errors_end_unreadable_never_held(served: Served) -> None:
    time = FakeTime()
    served.emu.faults.http_error(503, count=100, path="/api/v1/analytics")
    target = WatchTarget(
        "Collections_East", _cid(served), {"abandonmentRate": MetricBound(max=0.03)}, 120.0, 60.0
    )
    async with served.client(time.sleep) as api:
        result = await watch(
            backend(api),
            [target],
            settings=GuardSettings(read_attempts=3, retry_delay_seconds=5.0),
            clock=time.clock,
            sleep=time.sleep,
            progress=lambda _m: None,
        )
    assert result.result == "unreadable" and result.readings == 0
    assert "after 3 attempts" in (result.error or "")
    assert [s for s in time.sleeps if s] == [60.0, 5.0, 5.0]  # the client backs off 0 s


def test_read_times_cover_the_whole_watch() -> None:
    t = WatchTarget("c", "id", {}, 150.0, 60.0)
    assert t.read_times() == [60.0, 120.0, 150.0]
    assert WatchTarget("c", "id", {}, 0.01, 0.01).read_times() == [0.01]


def test_check_row_names_the_side_and_bound() -> None:
    target = _target("id", efficiency=MetricBound(min=0.6), abandonmentRate=MetricBound(max=0.03))
    row = MetricRow("id", "2026-11-24T05:00:00Z", "2026-11-24T06:00:00Z", {"efficiency": 0.5})
    breach = check_row(target, row)
    assert breach is not None and breach.side == "min" and breach.bound == 0.6
    assert "efficiency 0.5 on campaign Collections_East is below its min 0.6" in breach.describe()
    ok = MetricRow("id", "a", "b", {"efficiency": 0.6, "abandonmentRate": 0.03})
    assert check_row(target, ok) is None
