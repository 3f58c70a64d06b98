"""Formatting shared by the renderers: values, summaries, predictions. Pure functions."""

from __future__ import annotations

import json
from typing import Any

from reconciler import registry
from reconciler.engine.plan import Change, FieldChange, Plan


def value(v: Any) -> str:
    """A JSON value as a reviewer reads it (`4.0`, `"national"`, `["a", "b"]`)."""
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def field_line(change: FieldChange) -> tuple[str, str]:
    """(symbol, text) of one field change."""
    if change.before is None:
        return (
            "+",
            f"{change.path}: {value(change.after) if not change.sensitive else '(sensitive)'}",
        )
    if change.after is None:
        return "-", f"{change.path}: {value(change.before)}"
    if change.sensitive:
        return "~", f"{change.path}: (sensitive) will be re-sent"
    return "~", f"{change.path}: {value(change.before)} -> {value(change.after)}"


# A longer list would bury the plan; `--format json` carries every one.
UNMANAGED_SHOWN = 20


def unmanaged_sentence(plan: Plan) -> str:
    """Why the live resources listed after it are not touched."""
    kept = sorted(
        {k for k, _ in plan.unmanaged if k in registry.KINDS and not registry.kind(k).deletable}
    )
    stay = f"; the API cannot delete a {' or '.join(kept)}: those stay" if kept else ""
    return (
        f"{len(plan.unmanaged)} live resource(s) are not in the repo and are left alone "
        f"(set `prune: true` in the Tenant spec to delete them{stay}):"
    )


def unmanaged_shown(plan: Plan, command: str) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """The unmanaged (kind, name) pairs to list, and the line saying how many were cut."""
    shown = plan.unmanaged[:UNMANAGED_SHOWN]
    rest = len(plan.unmanaged) - len(shown)
    more = f"... and {rest} more (see `reconciler {command} --format json`)" if rest else None
    return shown, more


def summary_counts(plan: Plan) -> str:
    """`1 to create, 2 to update, 0 to delete`"""
    s = plan.summary()
    return f"{s['create']} to create, {s['update']} to update, {s['delete']} to delete"


def summary_line(plan: Plan) -> str:
    """`Plan: 1 to create, 2 to update, 0 to delete.`"""
    return f"Plan: {summary_counts(plan)}."


def _pct(x: Any) -> str:
    return f"{float(x) * 100:.2f}%" if isinstance(x, (int, float)) else "n/a"


def prediction_lines(change: Change) -> list[str]:
    """Predicted abandonment, utilisation and line use before and after, one line each."""
    pred = change.prediction
    if not pred:
        return []
    before, after = pred.get("before"), pred.get("after")
    lines = []

    def fmt(block: dict[str, Any] | None, key: str, pct: bool) -> str:
        if not block:
            return "-"
        v = block.get(key)
        if key == "abandonment_rate" and block.get("abandonment_rate_ci95"):
            lo, hi = block["abandonment_rate_ci95"]
            return f"{_pct(v)} (95% CI {_pct(lo)}-{_pct(hi)})"
        return _pct(v) if pct else str(v)

    for label, key, pct in (
        ("abandonment", "abandonment_rate", True),
        ("agent utilisation", "agent_utilization", True),
        ("peak lines", "peak_concurrent_calls", False),
    ):
        lines.append(f"predicted {label}: {fmt(before, key, pct)} -> {fmt(after, key, pct)}")
    return lines
