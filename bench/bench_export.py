"""Benchmark (issue 8): export of a 2,000-campaign tenant; the PR comment of a 2,000-change plan.

The emulator serves a generated tenant (2,000 campaigns, 20 webhooks) over a loopback socket.
1. `python -m reconciler export --out DIR` as a subprocess, twice: wall time (bound below),
   API requests (bound: pages + 2 = token + settings + every campaign page + the webhook
   page, at the contract's largest page, 500), and whether the two exports are byte-identical.
2. Every exported campaign changed (2,000 updates), `reconciler plan --format markdown`, and
   the comment plan.yml would post, built by the workflow's own `.github/scripts/report_body.py`:
   its size against GitHub's 65,536-character limit, and what was cut to fit.
Run: .venv/bin/python bench/bench_export.py
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, make_tenant, serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".github" / "scripts"))
import report_body  # noqa: E402  (the workflow's script, imported as the workflow runs it)

CAMPAIGNS = 2_000
WEBHOOKS = 20
PAGE_SIZE = 500
# Wall-time bound for one export of 2,000 campaigns on this (shared, 2-core) machine,
# interpreter start included: a user waits for it once, when adopting the tool.
EXPORT_WALL_BOUND = 10.0


def row(label: str, value: float, bound: float, unit: str = "") -> None:
    """One figure, its bound and the ratio."""
    print(f"{label:<44} {value:>10.2f}{unit} / bound {bound:>10.2f}{unit} = {value / bound:.2f}x")


def run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The tool as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


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
    emu = Emulator(EmulatorConfig(operation_seconds=0.0), tenant=tenant)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp, serve_in_thread(emu) as url:
        work = Path(tmp)
        env = {
            **os.environ,
            "CXONE_BASE_URL": url,
            "CXONE_CLIENT_ID": "bench",
            "CXONE_CLIENT_SECRET": "bench-secret",
            "RECONCILER_STATE_DIR": str(work / "state"),
        }
        print(f"Tenant: {CAMPAIGNS} campaigns, {WEBHOOKS} webhooks, emulator at {url}\n")

        seen = len(emu.requests)
        start = time.perf_counter()
        done = run(["export", "--out", str(work / "a" / "prod")], env, work)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            print(done.stderr)
            return 1
        requests = emu.requests[seen:]
        pages = math.ceil(CAMPAIGNS / PAGE_SIZE) + math.ceil(WEBHOOKS / PAGE_SIZE)
        bound = pages + 2
        print("1. reconciler export --out DIR")
        row("export wall time (subprocess)", wall, EXPORT_WALL_BOUND, " s")
        row("API requests (token+settings+pages)", len(requests), bound)
        by_path: dict[str, int] = {}
        for r in requests:
            by_path[r.path] = by_path.get(r.path, 0) + 1
        print("   requests by path: " + ", ".join(f"{p} x{n}" for p, n in sorted(by_path.items())))
        failures += wall > EXPORT_WALL_BOUND or len(requests) > bound
        run(["export", "--out", str(work / "b" / "prod")], env, work)
        first, second = tree(work / "a" / "prod"), tree(work / "b" / "prod")
        identical = first == second
        print(f"   files written: {len(first)}; second export byte-identical: {identical}")
        failures += not identical

        spec = work / "a" / "prod"
        changed = change_every_campaign(spec)
        start = time.perf_counter()
        plan = run(["plan", str(spec), "--format", "markdown", "--detailed-exitcode"], env, work)
        plan_wall = time.perf_counter() - start
        if plan.returncode != 2:
            print(plan.stderr)
            return 1
        report = plan.stdout
        comment = report_body.compose("plan", "prod", 2, report, run_url="https://run.invalid/1")
        limit = report_body.GITHUB_BODY_LIMIT
        print(f"\n2. PR comment of a {changed}-change plan ({plan_wall:.2f} s to plan)")
        row("report (plan --format markdown), chars", len(report), limit)
        row("comment posted by plan.yml, chars", len(comment), limit)
        failures += len(comment) > limit
        rows_shown = len(re.findall(r"(?m)^\| ~ update \|", comment))
        details_shown = comment.count("<details>")
        print(
            f"   changes shown: {rows_shown} of {changed} table rows, "
            f"{details_shown} of {changed} diff blocks"
        )
        cuts = re.findall(
            r"(?m)^(?:> :scissors: .*|- :warning: \d+ more warning.*|\*\*Truncated:\*\*.*)$",
            comment,
        )
        for cut in cuts or ["(nothing was cut)"]:
            print(f"   cut: {cut}")
        failures += rows_shown == 0
        print(
            "   the full plan is only in the plan-<env> artifact's plan.json: the job summary "
            "and plan.md hold this same cut Markdown"
        )
    print("\nall figures within their bounds" if not failures else f"\n{failures} over bound")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
