"""Benchmark: `reconciler doctor` on a tenant of 500 Personal Connection skills.

`reconciler emulator --api cxone-admin` runs as a process serving a generated tenant (500
PC skills cloned from the packaged seed's first, with varied ratios and zones; its three
non-PC skills; three DNC groups, the national one scrubbing every skill), with LATENCY
seconds injected on every request (a remote tenant). `python -m reconciler doctor SPEC
--format json` runs as another process against it, with specs naming two of the skills.

Figures, each against a bound derived below:
1. API requests: doctor must not read per skill beyond its sample, so the count is fixed
   but for the skill pages: token, discovery, /apiversion, /business-unit, the skill pages
   (503 skills at 100 a page), one aggregated /skills/parameters, /dnc-groups and one
   scrubbed-skills read per group, per sampled skill (3) the skill, its parameters and its
   six blocks, and the metrics (the dialer contacts once, the summary per sampled skill).
2. Requests that could write (POST other than the token, PUT, DELETE): bound 0.
3. Wall time of the CLI process (interpreter start and imports included): bound = start-up
   (STARTUP) + every request one after another at LATENCY (an upper bound: the sample's
   reads and the group reads run concurrently) + reading and parsing the aggregated answer
   twice (the client's models, then block by block for the report) at PARSE_PER_SKILL each.

Run: .venv/bin/python bench/bench_doctor.py
"""

from __future__ import annotations

import copy
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

from measure import emulator_process, figure, note, run_cli

from reconciler.cxone_admin.emulator import default_seed

SKILLS = 500
LATENCY = 0.02  # seconds per request, each way included
SAMPLE = 3
SPEC_BLOCKS = 6
TOP = 100
# Start-up of `python -m reconciler doctor` before its first request (interpreter, imports,
# loading the specs): `reconciler validate` of a small spec directory, which does exactly
# that and nothing else, takes 0.4-0.7 s on this shared 2-core machine; doctor imports the
# HTTP client besides: 2 s leaves room for that and for the load other jobs put on it.
STARTUP = 2.0
# Reading and parsing one skill's seven blocks from the aggregated answer: about 0.3 ms
# (bench_cxone_admin.py reads 1,000 skills in 0.6 s at 20 ms latency); doctor parses them
# twice (the client's models, then block by block for the report): 1 ms each, a margin of
# three for the machine's load.
PARSE_PER_SKILL = 0.001
ZONES = ("Eastern Standard Time", "Central Standard Time", "Pacific Standard Time")
WRITES = ("POST", "PUT", "DELETE")


def tenant() -> dict[str, Any]:
    """The packaged seed with SKILLS PC skills cloned from its first one."""
    seed: dict[str, Any] = default_seed()
    template = seed["skills"][0]
    others = [s for s in seed["skills"] if s.get("outboundStrategy") != "Personal Connection"]
    skills = []
    for i in range(SKILLS):
        skill = copy.deepcopy(template)
        skill |= {"skillId": 20_000 + i, "skillName": f"Outbound_{i:05d}", "isRunning": i % 7 == 0}
        skill["parameters"]["generalSettings"]["maximumRatio"] = 1 + i % 3
        skill["parameters"]["timeZoneSettings"] = [
            {
                "standardName": ZONES[i % len(ZONES)],
                "startTime": "09:00",
                "endTime": "20:00",
                "timeZoneActiveToCall": True,
                "overrideTime": False,
            }
        ]
        skills.append(skill)
    seed["skills"] = skills + others
    ids = [s["skillId"] for s in skills]
    seed["dncGroups"][0]["scrubbedSkills"] = ids
    seed["dncGroups"][1]["scrubbedSkills"] = ids[:50]
    return seed


def specs(directory: Path) -> Path:
    """A spec directory naming two of the skills."""
    root = directory / "bench-doctor"
    (root / "skills").mkdir(parents=True)
    (root / "tenant.yaml").write_text(
        "apiVersion: dialer.cxone/v1\nkind: Tenant\nmetadata: {name: bench-doctor}\n"
        "spec:\n  api: cxone-admin\n  compliance: {jurisdiction: US, dnc_groups_required: "
        "[National_DNC]}\n",
        encoding="utf-8",
    )
    for i in (0, 1):
        (root / "skills" / f"outbound-{i}.yaml").write_text(
            "apiVersion: dialer.cxone/v1\nkind: OutboundSkill\n"
            f"metadata: {{name: Outbound_{i:05d}}}\n"
            "spec:\n  generalSettings: {maximumRatio: 2}\n  dncGroups: [National_DNC]\n",
            encoding="utf-8",
        )
    return root


def request_bound(skills: int, groups: int) -> int:
    pages = math.ceil(skills / TOP)
    fixed = 4  # token, discovery, /apiversion, /business-unit
    sample = SAMPLE * (2 + SPEC_BLOCKS)  # the skill, its parameters, each block
    metrics = 1 + SAMPLE  # dialer contacts once, the summary per sampled skill
    return fixed + pages + 1 + 1 + groups + sample + metrics


def main() -> int:
    seed = tenant()
    listed = len(seed["skills"])
    groups = len(seed["dncGroups"])
    failures = 0
    with (
        tempfile.TemporaryDirectory(prefix="bench-doctor-") as tmp,
        emulator_process(seed, "--api", "cxone-admin") as emu,
    ):
        emu.control("faults/latency", {"seconds": LATENCY})
        spec = specs(Path(tmp))
        env = {
            "PATH": "/usr/bin:/bin",
            "CXONE_ISSUER_URL": emu.url,
            "CXONE_ACCESS_KEY_ID": "bench",
            "CXONE_ACCESS_KEY_SECRET": "bench-key-secret",
            "CXONE_CLIENT_ID": "bench-app",
            "CXONE_CLIENT_SECRET": "bench-app-secret",
            "RECONCILER_STATE_DIR": str(Path(tmp) / "state"),
        }
        print(
            f"== doctor: {SKILLS} PC skills ({listed} listed), {groups} DNC groups, "
            f"{LATENCY * 1000:.0f} ms per request, emulator at {emu.url}"
        )
        seen = len(emu.requests())
        done = run_cli(["doctor", str(spec), "--format", "json"], env, check=False)
        requests = emu.requests()[seen:]
    if done.code != 0:
        print(done.out[-3000:], done.err[-3000:], sep="\n")
        return 1
    report = json.loads(done.out)
    bound = request_bound(listed, groups)
    failures += figure("doctor API requests", len(requests), "", bound, digits=0) > 1
    note(
        f"bound: token, discovery, /apiversion, /business-unit, {math.ceil(listed / TOP)} skill "
        f"pages, 1 aggregated read, /dnc-groups + {groups} link reads, {SAMPLE} sampled skills x "
        f"{2 + SPEC_BLOCKS} reads, {1 + SAMPLE} metrics reads"
    )
    writes = [r for r in requests if r["method"] in WRITES and r["path"] != "/auth/token"]
    figure("doctor requests that could write", len(writes), "", 0, digits=0)
    failures += bool(writes) or report["writes"] != 0
    wall_bound = STARTUP + bound * LATENCY + 2 * SKILLS * PARSE_PER_SKILL
    failures += figure("doctor wall time (CLI process)", done.seconds, "s", wall_bound) > 1
    note(
        f"bound: start-up {STARTUP:.1f} s + {bound} requests x {LATENCY * 1000:.0f} ms one "
        f"after another + {SKILLS} skills x {PARSE_PER_SKILL * 1000:.0f} ms x 2 parses; its own "
        f"CPU {done.cpu_seconds:.2f} s, peak memory {done.peak_rss_mb:.0f} MB"
    )
    checks = {c["name"]: c["status"] for c in report["checks"]}
    note(f"verdict: manageable={report['manageable']}; checks {checks}")
    failures += not report["manageable"]
    print("all figures within their bounds" if not failures else f"{failures} over bound")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
