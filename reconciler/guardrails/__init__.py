"""Guardrails on when and how much a plan may change: change windows and the blast radius.

Pure functions, no I/O; the plan, apply and validate stages call them:

- `ChangeWindow` (the model of one `change_windows` entry), `window_state(windows, at,
  zone, calling_hours)`, `next_opening(...)` and `never_opens(..., now=)` in `windows.py`;
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
