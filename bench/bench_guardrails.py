"""Benchmark: change windows for 2,000 campaigns (issue 14: a plan must stay fast).

For each campaign, `window_state` and `next_opening` at one instant (what `plan` shows per
change), then `never_opens` (what `validate` checks), in a fresh Python process so nothing
is warm. Two tenants: one whose campaigns share the Tenant's default windows (as most do),
and one where every campaign has its own windows and calling hours (nothing shared). The
instant is a Saturday afternoon, when the default windows are closed and the search for
the next opening runs to Monday night. Prints each figure against its bound, as a ratio,
with the CPU time beside the wall time (on a shared machine the wall time also counts
waiting for a core).
"""

from __future__ import annotations

import json
import subprocess
import sys

CAMPAIGNS = 2_000
PLAN_BOUND_S = 1.0  # issue 14: "well under a second" for 2,000 campaigns
VALIDATE_BOUND_S = 0.5  # a quarter of validate's 2 s budget for 2,000 campaign files

CHILD = r"""
import json, sys, time
from datetime import datetime, timezone
from reconciler.guardrails import ChangeWindow, never_opens, next_opening, window_state

ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
         "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "Europe/London",
         "Europe/Berlin", "Europe/Madrid", "Australia/Sydney", "Australia/Perth",
         "Asia/Kolkata", "Pacific/Chatham", "America/Sao_Paulo", "America/Toronto"]


class Hours:
    def __init__(self, start, end):
        self.start, self.end = start, end


def campaigns(shared):
    defaults = [ChangeWindow(kind="allow", schedule="0 22 * * mon-fri", duration="8h"),
                ChangeWindow(kind="deny", schedule="0 0 20 12 *", duration="336h"),
                ChangeWindow(kind="deny", during="calling_hours")]
    for i in range(int(sys.argv[1])):
        zone = ZONES[i % len(ZONES)]
        if shared:
            yield defaults, zone, Hours(("08:00", "09:00")[i % 2], "21:00")
        else:
            minute, hour = i % 60, 20 + i % 4
            own = [ChangeWindow(kind="allow", schedule=f"{minute} {hour} * * mon-fri",
                                duration=f"{360 + i % 120}m"),
                   ChangeWindow(kind="deny", schedule=f"0 0 {1 + i % 28} 12 *", duration="48h"),
                   ChangeWindow(kind="deny", during="calling_hours")]
            yield own, zone, Hours(f"{8 + i % 2:02d}:{i % 60:02d}", "20:30")


now = datetime(2026, 3, 7, 15, 0, tzinfo=timezone.utc)  # a Saturday
figures = {}
for shared in (True, False):
    items = list(campaigns(shared))
    started, cpu = time.perf_counter(), time.process_time()
    closed = sum(not window_state(w, now, z, h).open for w, z, h in items)
    openings = [next_opening(w, now, z, h) for w, z, h in items]
    plan = (time.perf_counter() - started, time.process_time() - cpu)
    started, cpu = time.perf_counter(), time.process_time()
    never = sum(never_opens(w, z, h, now=now) for w, z, h in items)
    validate = (time.perf_counter() - started, time.process_time() - cpu)
    assert all(openings) and never == 0, (closed, never)
    figures["shared" if shared else "distinct"] = (plan, validate, closed)
print(json.dumps(figures))
"""


def main() -> int:
    """Time both tenants in a child process; print figures against bounds."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(CAMPAIGNS)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 1
    figures = json.loads(done.stdout)
    for tenant, (plan, validate, closed) in figures.items():
        print(
            f"{tenant} windows, {CAMPAIGNS:,} campaigns ({closed:,} closed now):"
            f" window_state + next_opening {plan[0]:.3f} s wall, {plan[1]:.3f} s CPU"
            f" (bound {PLAN_BOUND_S} s, ratio {plan[0] / PLAN_BOUND_S:.2f}x);"
            f" never_opens {validate[0]:.3f} s wall, {validate[1]:.3f} s CPU"
            f" (bound {VALIDATE_BOUND_S} s, ratio {validate[0] / VALIDATE_BOUND_S:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
