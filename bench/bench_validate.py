"""Benchmark: `reconciler validate` on 2,000 campaign files (issue 2: under 2 s wall).

Generates a spec directory (Tenant, settings, 2,000 valid campaigns, some with warnings)
in a temporary directory, runs `python -m reconciler validate DIR` as a process and
prints the wall time and that process's peak RSS, each against its bound, as a ratio.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from measure import figure, note, run_cli

CAMPAIGNS = 2_000
WALL_BOUND_S = 2.0
RSS_BOUND_MB = 256.0  # our own budget: a CI runner has GBs; 2,000 small files must not
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")

TENANT = """\
# yaml-language-server: $schema=../../schemas/tenant.schema.json
apiVersion: dialer.cxone/v1
kind: Tenant
metadata: {name: bench}
spec:
  carrier: {max_trunks: 100000, current_utilization_percent: 10}
  compliance: {jurisdiction: US}
"""

CAMPAIGN = """\
# yaml-language-server: $schema=../../../schemas/campaign.schema.json
apiVersion: dialer.cxone/v1
kind: Campaign
metadata:
  name: Campaign_{i:05d}
  labels: {{team: team-{team}}}
spec:
  type: predictive
  concurrency: {{max_agents: {agents}, max_simultaneous_calls: {calls}, call_spacing_ms: 100}}
  algorithm:
    type: predictive
    abandonment_rate_target: 0.03
    agent_availability_estimate: 0.85
    dial_ratio: {ratio}
    warm_line_timeout_sec: 2
  calling_hours: {{start: "09:00", end: 20:00, timezone: {zone}}}
  dnc_lists: [national, internal]
simulation:
  answer_rate: 0.3
"""


def generate(root: Path) -> None:
    """Write the spec directory: every 10th campaign draws a pacing warning."""
    (root / "campaigns").mkdir(parents=True)
    (root / "tenant.yaml").write_text(TENANT)
    for i in range(CAMPAIGNS):
        agents = 10 + i % 40
        ratio = 1.5
        calls = math.ceil(agents * ratio) - (5 if i % 10 == 0 else 0)  # some warn
        text = CAMPAIGN.format(
            i=i, team=i % 7, agents=agents, calls=calls, ratio=ratio, zone=ZONES[i % len(ZONES)]
        )
        (root / "campaigns" / f"campaign-{i:05d}.yaml").write_text(text)


def main() -> int:
    """Generate, time one validate run, print figures against bounds."""
    with tempfile.TemporaryDirectory() as tmp:
        spec_dir = Path(tmp) / "bench"
        generate(spec_dir)
        done = run_cli(["validate", str(spec_dir)], check=False)
        # The CLI imports every command module at start-up: measured apart so a slow
        # import elsewhere is not mistaken for slow validation.
        startup = run_cli(["--version"])
    summary = done.out.strip().splitlines()[-1] if done.out.strip() else done.err
    print(f"== validate {CAMPAIGNS} campaign files: exit {done.code}; {summary}")
    wall = figure("validate wall time (CLI process)", done.seconds, "s", WALL_BOUND_S)
    note(f"of which CLI start-up (reconciler --version) {startup.seconds:.2f} s")
    rss = figure("validate peak RSS", done.peak_rss_mb, "MB", RSS_BOUND_MB, digits=1)
    return 0 if done.code == 0 and max(wall, rss) <= 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
