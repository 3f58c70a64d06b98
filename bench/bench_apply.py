"""Benchmark (issue 5): apply 200 campaign updates, writes limited to 600/min, 200 ms activations.

The emulator serves 200 campaigns over a loopback socket with a server-side write limit of
600/min and 200 ms activations; the apply engine (ApplyRun: snapshot, journal, writes with
If-Match through the client's write limiter, activations awaited concurrently, verification,
last-known-good) changes every campaign. Printed against their bounds:
- wall time vs the rate-limit bound: 200 writes at 600/min = 20 s (target within 1.15x);
- 429s received (target: none after the first window);
- polling requests per operation;
- the seed's way in the same run: sequential writes, each followed by 2 s doubling sleeps
  between polls; run on 20 of the 200 updates and scaled (sequential, so linear), to keep the
  benchmark short; printed as the baseline ratio.
Run: .venv/bin/python bench/bench_apply.py
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx
from pydantic import SecretStr

from reconciler.dialer_v1.bodies import CampaignBody
from reconciler.dialer_v1.client import ClientOptions, DialerV1Client
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, make_tenant, serve_in_thread
from reconciler.engine.apply import ApplyOptions, ApplyRun
from reconciler.engine.normalize import Normalizer
from reconciler.engine.observe import observe
from reconciler.engine.pairing import DesiredResource
from reconciler.engine.planner import build_plan
from reconciler.engine.policy import check_plan_policy
from reconciler.state.audit import AuditLog
from reconciler.state.journal import Journal
from reconciler.state.layout import StateDir
from reconciler.state.snapshots import SnapshotStore

UPDATES = 200
WRITE_LIMIT = 600
ACTIVATION = 0.2
SEED_SAMPLE = 20


def changed(body: CampaignBody) -> CampaignBody:
    agents = body.concurrency.max_agents
    new = agents - 1 if agents > 1 else 2
    return body.model_copy(
        update={"concurrency": body.concurrency.model_copy(update={"max_agents": new})}
    )


async def apply_ours(base_url: str, state_root: Path) -> tuple[float, int, int]:
    options = ClientOptions(write_limit_per_minute=WRITE_LIMIT)
    async with DialerV1Client(base_url, "bench", SecretStr("bench"), options=options) as api:
        live = await observe(api)
        desired = [
            DesiredResource("Campaign", n, changed(c.body)) for n, c in live.campaigns.items()
        ]
        plan = build_plan(
            environment="bench", spec_digest="sha256:" + "0" * 64, desired=desired, live=live
        )
        assert len(plan.changes) == UPDATES, len(plan.changes)
        state = StateDir(state_root, "bench")
        state.ensure()

        def journal(snapshot_id: str) -> Journal:
            return Journal.begin(
                state,
                run_id="bench",
                command="apply",
                plan_digest=plan.digest,
                snapshot_id=snapshot_id,
                pid=0,
            )

        policy_start = time.perf_counter()
        report = await check_plan_policy(api, plan, None)
        assert report.passed, report.violations
        policy_wall = time.perf_counter() - policy_start
        print(
            f"  policy check of {report.checked} bodies: {policy_wall:.2f} s (the server "
            "counts these POSTs as writes, so they are paced too)"
        )
        start = time.perf_counter()
        marks: list[tuple[float, str]] = []

        def progress(message: str) -> None:
            marks.append((time.perf_counter() - start, message))

        run = ApplyRun(
            api,
            plan=plan,
            live=live,
            snapshots=SnapshotStore(state),
            journal_factory=journal,
            audit=AuditLog(state.audit_path),
            secrets={},
            normalizer=Normalizer(),
            options=ApplyOptions(max_in_flight=32),
            progress=progress,
        )
        outcome = await run.run()
        wall = time.perf_counter() - start
        assert outcome.result == "applied", outcome
        for at, message in (marks[0], marks[1], marks[-2], marks[-1]):
            print(f"  t={at:6.2f} s  {message[:70]}")
        return wall, api.stats.rate_limited, api.stats.polls


async def apply_seed_way(base_url: str, emu: Emulator, count: int) -> float:
    """Sequential PUTs, each followed by polling with 2 s doubling sleeps (the seed's loop)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        token = (
            await http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials", "client_id": "s", "client_secret": "s"},
            )
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        campaigns = (
            await http.get("/api/v1/campaigns", params={"pageSize": 500}, headers=auth)
        ).json()["campaigns"][:count]
        start = time.perf_counter()
        for c in campaigns:
            body = {
                k: v
                for k, v in c.items()
                if k not in ("id", "versionTag", "createdAt", "updatedAt", "lastActivatedAt")
            }
            body["concurrency"]["call_spacing_ms"] = body["concurrency"]["call_spacing_ms"] + 1
            r = await http.put(
                f"/api/v1/campaigns/{c['id']}",
                json=body,
                headers={**auth, "If-Match": c["versionTag"]},
            )
            op = r.json()["operationId"]
            interval = 2.0
            while True:
                await asyncio.sleep(interval)
                status = (await http.get(f"/api/v1/dialer/operations/{op}", headers=auth)).json()
                if status["status"] != "IN_PROGRESS":
                    break
                interval *= 2
        return time.perf_counter() - start


def main() -> None:
    config = EmulatorConfig(
        operation_seconds=ACTIVATION,
        write_limit_per_minute=WRITE_LIMIT,
        read_limit_per_minute=100_000,
    )
    emu = Emulator(config, tenant=make_tenant(campaigns=UPDATES, webhooks=0, seed=3))
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(emu) as base_url:
        wall, limited, polls = asyncio.run(apply_ours(base_url, Path(tmp)))
        window_429 = sum(1 for r in emu.requests if r.status == 429)
        seed_sample = asyncio.run(apply_seed_way(base_url, emu, SEED_SAMPLE))
    bound = UPDATES / (WRITE_LIMIT / 60)
    seed_total = seed_sample * UPDATES / SEED_SAMPLE
    print(
        f"== apply: {UPDATES} campaign updates, writes {WRITE_LIMIT}/min, "
        f"{ACTIVATION * 1000:.0f} ms activations"
    )
    print(
        f"wall                 {wall:.2f} s / rate-limit bound {bound:.2f} s = "
        f"{wall / bound:.3f}x (target <= 1.15x)"
    )
    print(
        f"429s received        {limited} (server answered {window_429}) / target 0 after the "
        "first window"
    )
    print(f"polls per operation  {polls / UPDATES:.2f} ({polls} polls for {UPDATES} operations)")
    print(
        f"seed's way           {seed_total:.1f} s (measured {seed_sample:.1f} s on "
        f"{SEED_SAMPLE} updates, x{UPDATES // SEED_SAMPLE}) -> ours is "
        f"{seed_total / wall:.1f}x faster"
    )


if __name__ == "__main__":
    main()
