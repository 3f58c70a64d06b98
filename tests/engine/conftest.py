"""End-to-end harness: the real CLI, in-process, against the emulator over a loopback socket.

`cli_factory(seed)` serves an emulator seeded with `seed` (by default exactly what
`specs/example` declares), copies `specs/example` to a temporary directory, points the
environment at both, and returns a `Cli` that runs `reconciler.cli.main.main([...])` and
reads back the tenant, the state directory and the audit trail.

THE INVARIANT every apply test checks: every resource the plan touched holds either its
desired body or its pre-apply body, compared as full bodies minus server-managed fields
(`Tenant.assert_*`).
"""

from __future__ import annotations

import copy
import hashlib
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.cli.main import main
from reconciler.desired import load_desired_state
from reconciler.dialer_v1.bodies import CampaignBody, SettingsBody, WebhookBody, body_to_json
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, RequestRecord, serve_in_thread
from reconciler.engine.from_specs import desired_resources
from reconciler.state.audit import AuditLog
from reconciler.state.journal import list_unfinished
from reconciler.state.layout import StateDir
from reconciler.state.snapshots import SnapshotStore

EXAMPLE = Path(__file__).resolve().parents[2] / "specs" / "example"
ENVIRONMENT = "example"
WEBHOOK = "WFM_Dialer_Sync"
TOKEN = "wfm-token-from-the-environment-7c1e"
OLD_TOKEN = "wfm-token-the-tenant-had-before-0b2a"
# Contract §2: never written by clients, ignored when comparing desired with live.
SERVER_FIELDS = frozenset({"id", "versionTag", "createdAt", "updatedAt", "lastActivatedAt"})
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})
# Requests that are POSTs but change nothing (token, policy validation, simulator).
READ_LIKE_POSTS = ("/oauth/token", "/api/v1/dialer/policies/validate", "/api/v1/dialer/simulator")

Json = dict[str, Any]


def token_digest(token: str) -> str:
    """How `emu.tenant_json()` shows a webhook token."""
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


# ---- seeds: the live tenant a test starts from --------------------------------------------


def desired_seed(spec_dir: Path = EXAMPLE, token: str = OLD_TOKEN) -> Json:
    """A seed document whose tenant already holds exactly what `spec_dir` declares."""
    state = load_desired_state(spec_dir)
    seed: Json = {"campaigns": [], "webhooks": []}
    for r in desired_resources(state):
        body = body_to_json(r.body)
        if r.kind == "DialerSettings":
            seed["settings"] = body
        elif r.kind == "Campaign":
            seed["campaigns"].append(body)
        else:
            body["auth"] = {"type": body["auth"]["type"], "token": token}
            seed["webhooks"].append(body)
    return seed


def merge(base: Json, changes: Json) -> Json:
    """`base` with `changes` deep-merged in (a copy)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def edit_seed_campaign(seed: Json, name: str, changes: Json) -> Json:
    """The seed with campaign `name` changed."""
    out = copy.deepcopy(seed)
    out["campaigns"] = [merge(c, changes) if c["name"] == name else c for c in out["campaigns"]]
    return out


def drop_seed_campaign(seed: Json, name: str) -> Json:
    """The seed without campaign `name` (the apply will create it)."""
    out = copy.deepcopy(seed)
    out["campaigns"] = [c for c in out["campaigns"] if c["name"] != name]
    return out


def extra_campaign(name: str, like: Json) -> Json:
    """A campaign body not in the specs (pruned when `prune: true`)."""
    return merge(like, {"name": name, "concurrency": {"max_agents": 7}})


def drifted_seed() -> Json:
    """A live tenant differing from specs/example in one resource of each kind and action.

    Plan against it: ~ settings, ~ Collections_East, + Renewals_Central, ~ WFM_Dialer_Sync.
    """
    seed = desired_seed()
    seed["settings"] = merge(seed["settings"], {"concurrency": {"max_agents": 40}})
    seed = edit_seed_campaign(seed, "Collections_East", {"concurrency": {"max_agents": 20}})
    seed = drop_seed_campaign(seed, "Renewals_Central")
    seed["webhooks"][0]["url"] = "https://wfm.example.com/hooks/old-dialer"
    return seed


# ---- comparing the tenant -----------------------------------------------------------------


def _model_json(kind: str, data: Json) -> Json:
    """A body through its model, so 0 vs 0.0 and defaults compare equal."""
    body = {k: v for k, v in data.items() if k not in SERVER_FIELDS}
    if kind == "DialerSettings":
        return body_to_json(SettingsBody.model_validate(body))
    if kind == "Campaign":
        return body_to_json(CampaignBody.model_validate(body))
    auth = {"type": body["auth"]["type"]}
    return body_to_json(WebhookBody.model_validate({**body, "auth": auth}))


@dataclass(frozen=True)
class TenantView:
    """The live tenant as address -> comparable body, plus each webhook's token digest."""

    bodies: dict[str, Json]
    tokens: dict[str, str]
    tags: dict[str, str]

    @classmethod
    def of(cls, tenant: Json) -> TenantView:
        bodies: dict[str, Json] = {}
        tokens: dict[str, str] = {}
        tags: dict[str, str] = {}
        s = tenant["settings"]
        bodies[f"DialerSettings.{s['name']}"] = _model_json("DialerSettings", s)
        tags[f"DialerSettings.{s['name']}"] = s["versionTag"]
        for c in tenant["campaigns"]:
            bodies[f"Campaign.{c['name']}"] = _model_json("Campaign", c)
            tags[f"Campaign.{c['name']}"] = c["versionTag"]
        for w in tenant["webhooks"]:
            bodies[f"Webhook.{w['name']}"] = _model_json("Webhook", w)
            tags[f"Webhook.{w['name']}"] = w["versionTag"]
            tokens[w["name"]] = w["auth"].get("token", "")
        return cls(bodies, tokens, tags)

    @classmethod
    def desired(cls, spec_dir: Path) -> TenantView:
        """What the specs declare, in the same shape (webhook tokens: the env token)."""
        seed = desired_seed(spec_dir, token=TOKEN)
        return cls.of(
            {
                "settings": {**seed["settings"], "versionTag": ""},
                "campaigns": [{**c, "versionTag": ""} for c in seed["campaigns"]],
                "webhooks": [
                    {
                        **w,
                        "auth": {"type": "bearer", "token": token_digest(TOKEN)},
                        "versionTag": "",
                    }
                    for w in seed["webhooks"]
                ],
            }
        )


# ---- the CLI harness ----------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One CLI invocation: exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class Cli:
    """The CLI and everything it touches, for one test."""

    emu: Emulator
    url: str
    spec: Path
    state_root: Path
    capsys: pytest.CaptureFixture[str]
    runs: list[Run] = field(default_factory=list)

    # -- running --------------------------------------------------------------------------
    def run(self, *argv: str) -> Run:
        """`reconciler ARGV...` in-process; output captured."""
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        result = Run(code, out, err)
        self.runs.append(result)
        return result

    def apply(self, *extra: str) -> Run:
        """`reconciler apply SPEC --auto-approve --no-verify EXTRA...`.

        The example specs opt in to the post-apply guard (a 900 s watch); these tests are
        about the apply itself, so they skip it (tests/engine/test_guard.py covers the guard).
        """
        return self.run("apply", str(self.spec), "--auto-approve", "--no-verify", *extra)

    # -- the tenant -----------------------------------------------------------------------
    def view(self) -> TenantView:
        """The live tenant, comparable."""
        return TenantView.of(self.emu.tenant_json())

    def desired(self) -> TenantView:
        """What the (possibly edited) spec copy declares."""
        return TenantView.desired(self.spec)

    def mark(self) -> int:
        """A position in `emu.requests`, for `writes_since`."""
        return len(self.emu.requests)

    def writes_since(self, mark: int = 0) -> list[RequestRecord]:
        """Requests that could change the tenant, since `mark`."""
        return [
            r
            for r in self.emu.requests[mark:]
            if r.method in WRITE_METHODS and not r.path.startswith(READ_LIKE_POSTS)
        ]

    # -- the spec copy --------------------------------------------------------------------
    def edit_spec(self, relative: str, changes: Json) -> None:
        """Deep-merge `changes` into the document at `relative` (comments are lost)."""
        path = self.spec / relative
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(merge(doc, changes), sort_keys=False), encoding="utf-8")

    def remove_spec(self, relative: str) -> None:
        (self.spec / relative).unlink()

    def set_prune(self, prune: bool) -> None:
        self.edit_spec("tenant.yaml", {"spec": {"prune": prune}})

    # -- the state directory --------------------------------------------------------------
    @property
    def state(self) -> StateDir:
        return StateDir(self.state_root, ENVIRONMENT)

    def audit(self) -> list[Json]:
        return list(AuditLog(self.state.audit_path).entries())

    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(self.state)

    def unfinished(self) -> int:
        return len(list_unfinished(self.state)) if self.state.journal_dir.is_dir() else 0


# ---- assertions ---------------------------------------------------------------------------


def assert_tenant_equals(now: TenantView, want: TenantView, *, tokens: bool = True) -> None:
    """Every resource, body for body (and webhook token for token)."""
    assert sorted(now.bodies) == sorted(want.bodies)
    for address, body in want.bodies.items():
        assert now.bodies[address] == body, address
    if tokens:
        assert now.tokens == want.tokens


def assert_touched_are_desired_or_before(
    now: TenantView, before: TenantView, desired: TenantView, touched: list[str]
) -> dict[str, str]:
    """THE INVARIANT; returns address -> 'desired' | 'before' | 'both'."""
    where: dict[str, str] = {}
    for address in touched:
        body = now.bodies.get(address)
        is_desired = body == desired.bodies.get(address)
        is_before = body == before.bodies.get(address)
        assert is_desired or is_before, f"{address} is neither desired nor its snapshot: {body}"
        where[address] = (
            "both" if is_desired and is_before else "desired" if is_desired else "before"
        )
    return where


def events(entries: list[Json]) -> list[str]:
    return [e["event"] for e in entries]


def assert_audit_apply(entries: list[Json], *, result: str) -> Json:
    """One apply's audit: started, writes (tags before/after), finished with `result`."""
    started = [e for e in entries if e["event"] == "apply-started"]
    finished = [e for e in entries if e["event"] == "apply-finished"]
    assert started and finished, events(entries)
    start, end = started[-1], finished[-1]
    assert start["plan_digest"].startswith("sha256:")
    assert start["snapshot_id"] == end["snapshot_id"]
    assert start["actor"]
    assert end["result"] == result
    assert end["plan_digest"] == start["plan_digest"]
    for w in entries:
        if w["event"] == "write":
            assert "version_tag_before" in w and "version_tag_after" in w, w
            assert w["outcome"], w
    return end


def writes_of(entries: list[Json], *, after_event: str = "apply-started") -> list[Json]:
    """Write entries after the last `after_event`."""
    last = max(i for i, e in enumerate(entries) if e["event"] == after_event)
    return [e for e in entries[last:] if e["event"] == "write"]


# ---- fixtures -----------------------------------------------------------------------------

CliFactory = Callable[..., Cli]


@pytest.fixture
def cli_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[CliFactory]:
    """Start an emulator (seeded) on a socket and point a spec copy and the env at it."""
    stack = ExitStack()

    def start(seed: Json | None = None, *, operation_seconds: float = 0.05, **config: Any) -> Cli:
        emu = Emulator(
            EmulatorConfig(operation_seconds=operation_seconds, **config),
            tenant=seed if seed is not None else desired_seed(),
        )
        url = stack.enter_context(serve_in_thread(emu))
        spec = tmp_path / "specs" / ENVIRONMENT  # the environment is the directory name
        if not spec.exists():
            shutil.copytree(EXAMPLE, spec)
        state_root = tmp_path / "state"
        for name in ("GITHUB_ACTOR", "NO_COLOR"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CXONE_BASE_URL", url)
        monkeypatch.setenv("CXONE_CLIENT_ID", "reconciler-e2e")
        monkeypatch.setenv("CXONE_CLIENT_SECRET", "e2e-client-secret-5f1d")
        monkeypatch.setenv("WFM_WEBHOOK_TOKEN", TOKEN)
        monkeypatch.setenv("RECONCILER_STATE_DIR", str(state_root))
        monkeypatch.setenv("USER", "e2e-tester")
        return Cli(emu, url, spec, state_root, capsys)

    with stack:
        yield start


@pytest.fixture
def cli(cli_factory: CliFactory) -> Cli:
    """The drifted tenant (one change of each kind planned) on a socket."""
    return cli_factory(drifted_seed())


DRIFTED_TOUCHED = [
    "DialerSettings.Predictive_Outbound_01",
    "Campaign.Collections_East",
    "Campaign.Renewals_Central",
    f"Webhook.{WEBHOOK}",
]


# ---- acting while an apply runs -----------------------------------------------------------

TRIGGER_TIMEOUT_SECONDS = 20.0


class Trigger:
    """Runs `action` from another thread as soon as the emulator has answered a matching
    request (e.g. an out-of-band edit racing the apply). Bounded: gives up after a timeout."""

    def __init__(
        self,
        emu: Emulator,
        method: str,
        path: str,
        action: Callable[[], None],
        *,
        nth: int = 1,
    ) -> None:
        self.emu, self.method, self.path, self.action, self.nth = emu, method, path, action, nth
        self.fired = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="e2e-trigger", daemon=True)

    def _watch(self) -> None:
        seen = matched = 0
        deadline = time.monotonic() + TRIGGER_TIMEOUT_SECONDS
        while not self._stop.is_set() and time.monotonic() < deadline:
            records = self.emu.requests[seen:]
            seen += len(records)
            matched += sum(
                r.method == self.method and r.path.startswith(self.path) for r in records
            )
            if matched >= self.nth:
                self.action()
                self.fired.set()
                return
            self._stop.wait(0.002)  # bounded polling of an in-memory list

    def __enter__(self) -> Trigger:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=TRIGGER_TIMEOUT_SECONDS)
