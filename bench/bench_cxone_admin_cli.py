"""Benchmark (issue 13): `reconciler plan` and `apply` on a CXone tenant (api: cxone-admin),
the CLI as a process against `reconciler emulator --api cxone-admin` as another process.

The tenant: the emulator's default seed with its Personal Connection skills cloned up to
SKILLS (plus its three skills that are not PC dialers and its three DNC groups). The specs:
a Tenant and one OutboundSkill document per skill (generalSettings and the DNC groups that
scrub it), CHANGED of them with another maximumRatio.

1. `plan SPEC --format json` with 20 ms injected into every request (issuer, discovery and
   API alike), the fastest of three runs each way (after one not counted):
   - requests against the least a plan needs: the token, discovery, the business unit,
     the skill pages (top=100), one aggregated parameters read, the DNC group list and one
     scrubbed-skills read per group;
   - wall time against the same plan at 0 ms (the local work: start-up, reading SKILLS
     files, parsing the blocks, diff, predictions) plus the round trips on the critical
     path x 20 ms. The bound assumes what the client does: the token and then discovery
     one after the other (discovery needs the token's tenant id), then the business unit,
     the skill pages (one after another: each follows the previous page's next link), the
     aggregated read and the DNC list all at once, the scrubbed-skills reads at once after
     the list. So the critical path is 2 + max(pages, 2) round trips.
2. `apply SPEC --auto-approve --no-verify` of WRITES changed blocks (one generalSettings
   block each of WRITES skills) under 60 writes a minute: the emulator refuses more
   (`--write-limit 60`, fixed one-minute windows) and the Tenant declares it
   (`rate_limits: {writes_per_minute: 60}`; the API announces no limit). Bound: WRITES
   writes at 60 a minute = WRITES s. Printed with the block PUTs the emulator counted
   (bound WRITES) and its 429 answers (bound 0).
Run: .venv/bin/python bench/bench_cxone_admin_cli.py [--skills 500] [--writes 100]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from measure import (
    CliRun,
    EmulatorProcess,
    count_by_status,
    emulator_process,
    figure,
    note,
    run_cli,
)

from reconciler.cxone_admin.emulator import default_seed

LATENCY = 0.020
TOP = 100
CHANGED = 20
WRITE_LIMIT = 60
RUNS = 3
API = "/inContactAPI/services/"
ACCESS = {
    "CXONE_ACCESS_KEY_ID": "bench-key",
    "CXONE_ACCESS_KEY_SECRET": "bench-key-secret",
    "CXONE_CLIENT_ID": "bench-app",
    "CXONE_CLIENT_SECRET": "bench-app-secret",
}


def seed(skills: int) -> dict[str, Any]:
    """The default seed with its PC skills cloned up to `skills`."""
    data: dict[str, Any] = default_seed()
    pc = [s for s in data["skills"] if s.get("outboundStrategy") == "Personal Connection"]
    template = next(s for s in pc if s["skillName"] == "Winback_West")
    clones = [
        {**template, "skillId": 20_000 + i, "skillName": f"Outbound_{i:04d}", "isRunning": False}
        for i in range(skills - len(pc))
    ]
    data["skills"] += clones
    return data


def write_specs(spec: Path, tenant: dict[str, Any], changed: int, limit: int | None) -> int:
    """Tenant + one OutboundSkill document per PC skill; the first `changed` skills get
    another maximumRatio. Returns the number of documents."""
    # The bench measures the writes, not the blast-radius gate: every skill may change.
    tenant_spec: dict[str, Any] = {
        "api": "cxone-admin",
        "compliance": {"jurisdiction": "US"},
        "max_change_share": 1.0,
    }
    if limit is not None:
        tenant_spec["rate_limits"] = {"writes_per_minute": limit}
    _dump(spec / "tenant.yaml", _doc("Tenant", spec.name, tenant_spec))
    links: dict[int, list[str]] = {}
    for group in tenant["dncGroups"]:
        for skill_id in group["scrubbedSkills"]:
            links.setdefault(skill_id, []).append(group["dncGroupName"])
    count = 0
    for entry in tenant["skills"]:
        if "parameters" not in entry:
            continue
        skill = entry["skill"]
        ratio = entry["parameters"]["generalSettings"]["maximumRatio"]
        if count < changed:
            ratio = 2 if ratio != 2 else 3
        body = {
            "generalSettings": {"maximumRatio": ratio},
            "dncGroups": sorted(links.get(skill["skillId"], [])),
        }
        _dump(
            spec / "skills" / f"{skill['skillName']}.yaml",
            _doc("OutboundSkill", skill["skillName"], body),
        )
        count += 1
    return count


def _doc(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "dialer.cxone/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}


def _dump(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def admin_env(emu: EmulatorProcess, state: Path) -> dict[str, str]:
    """What a user sets to point the CLI at a CXone tenant (here the emulator's issuer)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CXONE_BASE_URL", "CXONE_API_URL")}
    return {
        **env,
        **ACCESS,
        "CXONE_ISSUER_URL": emu.url,
        "RECONCILER_STATE_DIR": str(state),
        "NO_COLOR": "1",
    }


def emulator(seed_doc: dict[str, Any], *options: str) -> Any:
    credentials = [
        "--access-key-id", ACCESS["CXONE_ACCESS_KEY_ID"],
        "--access-key-secret", ACCESS["CXONE_ACCESS_KEY_SECRET"],
        "--client-id", ACCESS["CXONE_CLIENT_ID"],
        "--client-secret", ACCESS["CXONE_CLIENT_SECRET"],
    ]  # fmt: skip
    return emulator_process(seed_doc, "--api", "cxone-admin", *credentials, *options)


def fastest(argv: list[str], env: dict[str, str], runs: int = 3) -> CliRun:
    """The fastest of `runs` runs (after one not counted): the machine is shared, and the
    slower runs measure other work as much as ours."""
    run_cli(argv, env)
    return min((run_cli(argv, env) for _ in range(runs)), key=lambda r: r.seconds)


def bench_plan(skills: int) -> None:
    seed_doc = seed(skills)
    with tempfile.TemporaryDirectory() as tmp, emulator(seed_doc) as emu:
        spec, state = Path(tmp) / "cxone-bench", Path(tmp) / "state"
        documents = write_specs(spec, emu.tenant(), CHANGED, None)
        env = admin_env(emu, state)
        argv = ["plan", str(spec), "--format", "json"]
        local = fastest(argv, env)
        emu.control("faults/latency", {"seconds": LATENCY})
        seen = len(emu.requests())
        slow = run_cli(argv, env)
        requests = emu.requests()[seen:]
        slow = min(slow, fastest(argv, env, RUNS - 1), key=lambda r: r.seconds)
        groups = len(emu.tenant()["dncGroups"])
    changes = len(json.loads(slow.out)["changes"])
    listed = len(seed_doc["skills"])
    pages = math.ceil(listed / TOP)
    least = 2 + 1 + pages + 1 + 1 + groups
    critical = 2 + max(pages, 2)
    print(
        f"== plan, {skills} PC skills ({documents} documents, {changes} changes), "
        f"{LATENCY * 1000:.0f} ms/request"
    )
    figure(f"plan {skills} skills: HTTP requests", len(requests), "", least, digits=0)
    note(
        f"least: token + discovery + business unit + {pages} skill pages ({listed} skills at "
        f"top={TOP}) + 1 aggregated parameters read + DNC list + {groups} scrubbed-skills reads"
    )
    kinds = sorted({r["path"].split("/v", 1)[-1].split("/", 1)[-1] for r in requests})
    note(f"paths read: {', '.join(kinds)}")
    bound = local.seconds + critical * LATENCY
    figure(f"plan {skills} skills: wall, 20 ms (CLI process)", slow.seconds, "s", bound)
    note(
        f"bound: the same plan at 0 ms ({local.seconds:.2f} s: start-up, {documents} files, "
        f"parse, diff, predictions) + {critical} round trips on the critical path x 20 ms "
        f"(token, discovery, then the {pages} pages one after another while the other reads "
        "run beside them)"
    )
    network = max(0.0, slow.seconds - local.seconds)
    figure(f"plan {skills} skills: network part (wall - local)", network, "s", critical * LATENCY)
    note(f"if every request were sequential: {least} x 20 ms = {least * LATENCY:.2f} s")


def bench_apply(writes: int) -> None:
    seed_doc = seed(writes)
    with (
        tempfile.TemporaryDirectory() as tmp,
        emulator(seed_doc, "--write-limit", str(WRITE_LIMIT)) as emu,
    ):
        spec, state = Path(tmp) / "cxone-bench", Path(tmp) / "state"
        write_specs(spec, emu.tenant(), writes, WRITE_LIMIT)
        env = admin_env(emu, state)
        seen = len(emu.requests())
        run = run_cli(["apply", str(spec), "--auto-approve", "--no-verify"], env)
        requests = emu.requests()[seen:]
    puts = [r for r in requests if r["method"] == "PUT" and r["path"].startswith(API)]
    written = [r for r in puts if r["status"] == 200]
    limited = count_by_status(requests, 429)
    print(f"== apply, {writes} changed blocks, {WRITE_LIMIT} writes/min (emulator and Tenant)")
    figure(f"apply {writes} blocks at {WRITE_LIMIT}/min: wall (CLI process)", run.seconds, "s",
           writes * 60 / WRITE_LIMIT)  # fmt: skip
    note(f"bound: {writes} writes at {WRITE_LIMIT} a minute; the figure includes start-up,"
         " the plan and the re-reads")  # fmt: skip
    figure(f"apply {writes} blocks: block PUTs answered 200", len(written), "", writes, digits=0)
    figure(f"apply {writes} blocks: 429 answers", limited, "", 0, digits=0)
    if run.code != 0:
        raise SystemExit(f"apply exited {run.code}:\n{run.err[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skills", type=int, default=500)
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--only", choices=("plan", "apply"))
    args = parser.parse_args()
    if args.only in (None, "plan"):
        bench_plan(args.skills)
    if args.only in (None, "apply"):
        bench_apply(args.writes)


if __name__ == "__main__":
    main()
