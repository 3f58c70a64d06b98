"""Benchmark (issue 8): export of a 2,000-campaign tenant; the PR comment of a 2,000-change plan.

`reconciler emulator` runs as a process serving a generated tenant (2,000 campaigns, 20
webhooks) over a loopback socket.
1. `python -m reconciler export --out DIR` as a process, twice: wall time (bound below),
   API requests (bound: pages + 2 = token + settings + every campaign page + the webhook
   page, at the contract's largest page, 500), and whether the two exports are byte-identical.
2. Every exported campaign changed (2,000 updates), `reconciler plan --format markdown`, and
   the comment plan.yml would post, built by the workflow's own `.github/scripts/report_body.py`:
   its size against GitHub's 65,536-character limit, and what was cut to fit.
Run: .venv/bin/python bench/bench_export.py
"""

from __future__ import annotations

import math
import re
import sys
import tempfile
from pathlib import Path

from measure import cli_env, emulator_process, figure, note, run_cli

from reconciler.dialer_v1.emulator import make_tenant

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".github" / "scripts"))
import report_body  # noqa: E402  (the workflow's script, imported as the workflow runs it)

CAMPAIGNS = 2_000
WEBHOOKS = 20
PAGE_SIZE = 500
# Wall-time bound for one export of 2,000 campaigns on this (shared, 2-core) machine,
# interpreter start included: a user waits for it once, when adopting the tool.
EXPORT_WALL_BOUND = 10.0


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root`, by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def change_every_campaign(spec_dir: Path) -> int:
    """Raise each campaign's max_agents by one; the number of files changed."""
    changed = 0
    for path in sorted((spec_dir / "campaigns").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        new = re.sub(r"max_agents: (\d+)", lambda m: f"max_agents: {int(m[1]) + 1}", text, count=1)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def main() -> int:
    tenant = make_tenant(campaigns=CAMPAIGNS, webhooks=WEBHOOKS, seed=11)
    failures = 0
    with (
        tempfile.TemporaryDirectory(prefix="bench-export-") as tmp,
        emulator_process(tenant, "--operation-seconds", "0") as emu,
    ):
        work = Path(tmp)
        env = cli_env(emu.url, work / "state")
        print(f"== export: {CAMPAIGNS} campaigns, {WEBHOOKS} webhooks, emulator at {emu.url}")

        seen = len(emu.requests())
        done = run_cli(["export", "--out", str(work / "a" / "prod")], env)
        requests = emu.requests()[seen:]
        pages = math.ceil(CAMPAIGNS / PAGE_SIZE) + math.ceil(WEBHOOKS / PAGE_SIZE)
        bound = pages + 2
        wall = figure("export wall time (CLI process)", done.seconds, "s", EXPORT_WALL_BOUND)
        failures += wall > 1
        note(f"its own CPU {done.cpu_seconds:.2f} s (the rest: waiting for the API and fsync)")
        failures += figure("export API requests", len(requests), "", bound, digits=0) > 1
        by_path: dict[str, int] = {}
        for r in requests:
            by_path[r["path"]] = by_path.get(r["path"], 0) + 1
        note(
            f"bound: token + settings + {pages} pages; by path: "
            + ", ".join(f"{p} x{n}" for p, n in sorted(by_path.items()))
        )
        run_cli(["export", "--out", str(work / "b" / "prod")], env)
        first, second = tree(work / "a" / "prod"), tree(work / "b" / "prod")
        identical = first == second
        note(f"files written: {len(first)}; second export byte-identical: {identical}")
        failures += not identical

        spec = work / "a" / "prod"
        changed = change_every_campaign(spec)
        plan = run_cli(["plan", str(spec), "--format", "markdown", "--detailed-exitcode"], env)
        if plan.code != 2:
            print(plan.err)
            return 1
    report = plan.out
    comment = report_body.compose("plan", "prod", 2, report, run_url="https://run.invalid/1")
    limit = report_body.GITHUB_BODY_LIMIT
    print(f"== PR comment of a {changed}-change plan ({plan.seconds:.2f} s to plan)")
    figure("report (plan --format markdown)", len(report), "chars", limit, digits=0)
    failures += figure("comment posted by plan.yml", len(comment), "chars", limit, digits=0) > 1
    rows_shown = len(re.findall(r"(?m)^\| ~ update \|", comment))
    details_shown = comment.count("<details>")
    note(f"changes shown: {rows_shown} of {changed} table rows, {details_shown} diff blocks")
    cuts = re.findall(
        r"(?m)^(?:> :scissors: .*|- :warning: \d+ more warning.*|\*\*Truncated:\*\*.*)$",
        comment,
    )
    for cut in cuts or ["(nothing was cut)"]:
        note(f"cut: {cut}")
    failures += rows_shown == 0
    note(
        "the full plan is only in the plan-<env> artifact's plan.json: the job summary "
        "and plan.md hold this same cut Markdown"
    )
    print("all figures within their bounds" if not failures else f"{failures} over bound")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
