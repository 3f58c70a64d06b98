"""Benchmark (issues 5 and 11): `reconciler apply` of 200 campaign updates, as a user runs it.

`reconciler emulator` runs as a process announcing 600 writes a minute (`--write-limit 600`,
the contract's 1,000 reads, 200 ms activations) and seeded with 200 campaigns; `reconciler
export` writes the specs, every campaign is changed, and `reconciler apply SPEC
--auto-approve --no-verify` runs as a process. The specs declare no rate limits (unless
`--declare N`), so the client starts at the contract's 100 writes a minute and must adopt
the 600 the server announces.

The bound. The contract counts every POST/PUT/DELETE as a write: the apply sends the 200
updates (PUT) and, before them, the API's policy check of each body (POST): 400 writes, at
600 a minute 40 s. (A server counting fixed windows would take the 400 at once if no one
else wrote that minute; the client spreads its writes at the limit's rate after a first
burst of a tenth, leaving room for other writers and never overrunning a server that counts
sliding windows, so the limit's rate is the bound.) The figure includes everything a user
waits for: interpreter start, reading the specs, the plan with its predictions, the policy
check, the writes, the activations and the re-read; the first burst (60 writes, 6 s at the
limit's rate) is what pays for the local work before the first write. The same plan run
alone (`reconciler plan`, no writes) is subtracted for a second figure: the writing part.

Printed: wall time against the bound, with and without the plan; writes the server counted
against the 400 the plan needs; 429 answers (bound 0); polls per activation (bound 2).
And, labelled as a baseline, the seed's way (sequential PUTs, 2 s doubling sleeps between
polls; raw HTTP in this process, on 20 updates, scaled).
Run: .venv/bin/python bench/bench_apply.py [--declare N] [--no-baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from pathlib import Path

import httpx
from measure import (
    cli_env,
    count_by_status,
    emulator_process,
    export_specs,
    figure,
    note,
    run_cli,
)

from reconciler.dialer_v1.emulator import make_tenant

UPDATES = 200
WRITE_LIMIT = 600
READ_LIMIT = 1000
ACTIVATION_SECONDS = 0.2
SEED_SAMPLE = 20
WRITE_METHODS = ("POST", "PUT", "DELETE")
POLICY = "/api/v1/dialer/policies/validate"
TOKEN = "/oauth/token"
OPERATIONS = "/api/v1/dialer/operations/"
RATIO_TARGET = 1.15


def change_every_campaign(spec: Path) -> int:
    """Lower (or raise, at 1) each campaign's max_agents by one; the number changed."""
    changed = 0
    for path in sorted((spec / "campaigns").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")

        def other(match: re.Match[str]) -> str:
            agents = int(match[1])
            return f"max_agents: {agents - 1 if agents > 1 else 2}"

        new = re.sub(r"max_agents: (\d+)", other, text, count=1)
        changed += new != text
        path.write_text(new, encoding="utf-8")
    return changed


def allow_every_change(spec: Path) -> None:
    """The bench measures the writes, not the blast-radius gate: all 200 may change."""
    tenant = spec / "tenant.yaml"
    text = tenant.read_text(encoding="utf-8")
    tenant.write_text(text.replace("spec:\n", "spec:\n  max_change_share: 1.0\n", 1), "utf-8")


def declare_write_limit(spec: Path, per_minute: int) -> None:
    """Add `rate_limits: {writes_per_minute: N}` to the exported Tenant."""
    tenant = spec / "tenant.yaml"
    text = tenant.read_text(encoding="utf-8")
    tenant.write_text(
        text.replace("spec:\n", f"spec:\n  rate_limits: {{writes_per_minute: {per_minute}}}\n", 1),
        encoding="utf-8",
    )


async def apply_seed_way(base_url: str, count: int) -> float:
    """Sequential PUTs, each followed by polling with 2 s doubling sleeps (the seed's loop)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        form = {"grant_type": "client_credentials", "client_id": "s", "client_secret": "s"}
        token = (await http.post("/oauth/token", data=form)).json()["access_token"]
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
            body["concurrency"]["call_spacing_ms"] += 1
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declare", type=int, metavar="N", help="Tenant writes_per_minute")
    parser.add_argument("--no-baseline", action="store_true", help="skip the seed's way")
    args = parser.parse_args()
    seed = make_tenant(campaigns=UPDATES, webhooks=0, seed=3)
    options = (
        *("--write-limit", str(WRITE_LIMIT), "--read-limit", str(READ_LIMIT)),
        *("--operation-seconds", str(ACTIVATION_SECONDS)),
    )
    with (
        tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp,
        emulator_process(seed, *options) as emu,
    ):
        state = Path(tmp) / "state"
        spec = export_specs(emu.url, Path(tmp) / "bench", state)
        allow_every_change(spec)
        if args.declare:
            declare_write_limit(spec, args.declare)
        changed = change_every_campaign(spec)
        assert changed == UPDATES, changed
        env = cli_env(emu.url, state)
        # The same plan apply makes (reads and local work, no writes), timed alone.
        plan = run_cli(["plan", str(spec)], env)
        seen = len(emu.requests())
        run = run_cli(["apply", str(spec), "--auto-approve", "--no-verify"], env)
        requests = emu.requests()[seen:]
        before = {c["name"]: c["concurrency"]["max_agents"] for c in seed["campaigns"]}
        applied = sum(
            1
            for c in emu.tenant()["campaigns"]
            if c["concurrency"]["max_agents"] != before[c["name"]]
        )
        baseline = None if args.no_baseline else asyncio.run(apply_seed_way(emu.url, SEED_SAMPLE))
    # The token endpoint is a POST outside the rate limits (contract §1).
    writes = [r for r in requests if r["method"] in WRITE_METHODS and r["path"] != TOKEN]
    needed = 2 * UPDATES  # a policy check and a PUT per update
    bound = needed / (WRITE_LIMIT / 60)
    polls = sum(1 for r in requests if r["method"] == "GET" and r["path"].startswith(OPERATIONS))
    declared = f"declares {args.declare}" if args.declare else "declares no limit"
    print(
        f"== apply: {UPDATES} campaign updates; the server announces {WRITE_LIMIT} writes/min "
        f"(the Tenant {declared}), {ACTIVATION_SECONDS * 1000:.0f} ms activations"
    )
    ratios = [figure("apply wall time (CLI process)", run.seconds, "s", bound) / RATIO_TARGET]
    note(
        f"bound: {needed} writes ({UPDATES} PUTs + {UPDATES} policy checks, POSTs the contract "
        f"counts as writes) at {WRITE_LIMIT}/min = {bound:.1f} s; target ratio <= {RATIO_TARGET}"
    )
    figure("apply minus its plan (CLI processes)", run.seconds - plan.seconds, "s", bound)
    note(
        f"`reconciler plan` alone (start-up, specs, reads, predictions): {plan.seconds:.2f} s;"
        " the rest is the policy check, the writes, the activations and the re-read"
    )
    ratios.append(figure("writes the server counted", len(writes), "", needed, digits=0))
    ratios.append(figure("429 answers", count_by_status(requests, 429), "", 0, digits=0))
    ratios.append(figure("polls per activation", polls / UPDATES, "", 2.0))
    if applied != UPDATES:
        print(f"only {applied} of {UPDATES} campaigns were changed on the tenant")
    note(f"exit {run.code}; policy checks {sum(1 for r in writes if r['path'] == POLICY)}")
    if baseline is not None:
        scaled = baseline * UPDATES / SEED_SAMPLE
        note(
            f"baseline, the seed's way (raw HTTP in this process, sequential, 2 s doubling "
            f"sleeps): {scaled:.1f} s ({baseline:.1f} s on {SEED_SAMPLE} updates, "
            f"x{UPDATES // SEED_SAMPLE}); reconciler is {scaled / run.seconds:.1f}x faster"
        )
    return 0 if max(ratios) <= 1 and applied == UPDATES and run.code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
