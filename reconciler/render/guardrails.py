"""The guardrails a plan carries (a change's window, the gate), as lines. Pure functions."""

from __future__ import annotations

from reconciler.engine.plan import Change, Plan


def window_line(change: Change) -> str | None:
    """`change window: open now (...)`, or closed and when it is next allowed."""
    if change.window is None:
        return None
    return f"change window: {change.window.get('summary', '')}"


def gate_lines(plan: Plan) -> list[str]:
    """The blast-radius gate's verdict when it trips, or what the plan cannot know."""
    if plan.gate is None:
        return []
    return [str(line) for line in plan.gate.get("summary", [])]
