"""Guardrails on when and how much a plan may change: change windows and the blast radius.

Pure functions, no I/O; the plan, apply and validate stages call them:

- `ChangeWindow` (the model of one `change_windows` entry), `window_state(windows, at,
  zone, calling_hours)` (open now, and the deciding window's position), `next_opening(...)`
  and, for validate, `never_opens(..., now=)` / `start_of_closed_year(..., now=)` in
  `windows.py`; `zone` is the resource's calling time zone ("UTC" for tenant-wide
  resources), `calling_hours` anything with `start` and `end` as "HH:MM", or for a
  tenant-wide resource `AnyCallingHours` (inside while any campaign is inside its own);
- `blast_radius(updates, deletes, managed, max_share)` and `protected_deletes(...)` in
  `gate.py`.
"""

from reconciler.guardrails.gate import (
    DEFAULT_MAX_CHANGE_SHARE,
    ChangeShare,
    GateVerdict,
    blast_radius,
    protected_deletes,
)
from reconciler.guardrails.windows import (
    AnyCallingHours,
    CallingHours,
    ChangeWindow,
    DailyHours,
    WindowVerdict,
    never_opens,
    next_opening,
    start_of_closed_year,
    window_state,
)

__all__ = [
    "DEFAULT_MAX_CHANGE_SHARE",
    "AnyCallingHours",
    "CallingHours",
    "ChangeShare",
    "ChangeWindow",
    "DailyHours",
    "GateVerdict",
    "WindowVerdict",
    "blast_radius",
    "never_opens",
    "next_opening",
    "protected_deletes",
    "start_of_closed_year",
    "window_state",
]
