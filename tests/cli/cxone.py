"""The end-to-end harness for `api: cxone-admin`: the real CLI, in-process, against the
CXone admin emulator on a loopback socket, with a copy of specs/cxone-example."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.cli.main import main
from reconciler.cxone_admin.emulator import (
    AdminEmulator,
    AdminEmulatorConfig,
    ManualClock,
    serve_in_thread,
)
from reconciler.dialer_v1.emulator import RequestRecord
from tests.engine.conftest import Run, merge

EXAMPLE = Path(__file__).resolve().parents[2] / "specs" / "cxone-example"
ACCESS_KEY_ID = "AK-e2e-0042"
ACCESS_KEY_SECRET = "e2e-access-key-secret-81c3"
CLIENT_ID = "reconciler-e2e-app"
CLIENT_SECRET = "e2e-app-secret-27d9"
SECRETS = (ACCESS_KEY_SECRET, CLIENT_SECRET)
START = 1_790_000_000.0  # 2026-09-21T14:13:20Z
WRITES = frozenset({"POST", "PUT", "DELETE"})
Json = dict[str, Any]


@dataclass
class CxoneCli:
    """The CLI, the emulated tenant and the spec copy of one test."""

    emu: AdminEmulator
    url: str
    spec: Path
    state_root: Path
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    runs: list[Run] = field(default_factory=list)

    def run(self, *argv: str) -> Run:
        """`reconciler ARGV...` in-process; output captured."""
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        self.runs.append(Run(code, out, err))
        return self.runs[-1]

    def mark(self) -> int:
        """A position in the emulator's request log."""
        return len(self.emu.requests)

    def requests_since(self, mark: int = 0) -> list[RequestRecord]:
        return list(self.emu.requests[mark:])

    def writes_since(self, mark: int = 0) -> list[RequestRecord]:
        """Requests that could change the tenant (the token request cannot)."""
        return [
            r
            for r in self.emu.requests[mark:]
            if r.method in WRITES and not r.path.endswith("/auth/token")
        ]

    def edit_spec(self, relative: str, changes: Json) -> None:
        """Deep-merge `changes` into the document at `relative` (comments are lost)."""
        path = self.spec / relative
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(merge(doc, changes), sort_keys=False), encoding="utf-8")

    def write_spec(self, relative: str, doc: Json) -> None:
        path = self.spec / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")

    def setenv(self, name: str, value: str) -> None:
        self.monkeypatch.setenv(name, value)


CxoneFactory = Callable[..., CxoneCli]


@pytest.fixture
def cxone_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[CxoneFactory]:
    """Start an admin emulator (switches, seed) on a socket; point a spec copy and the env."""
    stack = ExitStack()

    def start(seed: Json | None = None, **switches: Any) -> CxoneCli:
        config = AdminEmulatorConfig(
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            start_stop_seconds=0.0,
            **switches,
        )
        emu = AdminEmulator(config, ManualClock(START), seed)
        url = stack.enter_context(serve_in_thread(emu))
        spec = tmp_path / "specs" / "cxone-example"
        if not spec.exists():
            shutil.copytree(EXAMPLE, spec)
        for name in ("GITHUB_ACTOR", "NO_COLOR", "CXONE_API_URL", "CXONE_BASE_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CXONE_ISSUER_URL", url)
        monkeypatch.setenv("CXONE_ACCESS_KEY_ID", ACCESS_KEY_ID)
        monkeypatch.setenv("CXONE_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
        monkeypatch.setenv("CXONE_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("CXONE_CLIENT_SECRET", CLIENT_SECRET)
        monkeypatch.setenv("RECONCILER_STATE_DIR", str(tmp_path / "state"))
        monkeypatch.setenv("USER", "e2e-tester")
        return CxoneCli(emu, url, spec, tmp_path / "state", capsys, monkeypatch)

    with stack:
        yield start


@pytest.fixture
def cxone(cxone_factory: CxoneFactory) -> CxoneCli:
    """The default emulated tenant (it differs from specs/cxone-example in two skills)."""
    return cxone_factory()
