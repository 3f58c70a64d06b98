"""The plan as terminal text, in the Terraform style (`+ ~ -`). A pure function."""

from __future__ import annotations

from reconciler.engine.plan import Action, Change, Plan
from reconciler.render.values import field_line, prediction_lines, summary_line

_COLOURS = {"+": "\x1b[32m", "~": "\x1b[33m", "-": "\x1b[31m", "!": "\x1b[35m"}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"


def _paint(symbol: str, text: str, colour: bool) -> str:
    return f"{_COLOURS[symbol]}{text}{_RESET}" if colour and symbol in _COLOURS else text


def _headline(change: Change) -> str:
    if change.action is Action.UPDATE:
        tag = f" (live versionTag {change.live_version_tag})" if change.live_version_tag else ""
        return f"# {change.address} will be updated in place{tag}"
    if change.action is Action.CREATE:
        return f"# {change.address} will be created"
    return f"# {change.address} will be destroyed (prune: not in the repo)"


def render_change(change: Change, *, colour: bool = False) -> list[str]:
    """The block for one resource."""
    sym = change.action.symbol
    lines = [
        f"  {_headline(change)}",
        "  " + _paint(sym, f'{sym} {change.kind} "{change.name}" {{', colour),
    ]
    for fc in change.diff:
        fsym, text = field_line(fc)
        lines.append("      " + _paint(fsym, f"{fsym} {text}", colour))
    lines.append("    }")
    lines += [f"    {line}" for line in prediction_lines(change)]
    return lines


def render_plan_text(plan: Plan, *, colour: bool = False) -> str:
    """Plan -> text; `colour` only when the caller knows it writes to a terminal."""
    out: list[str] = []
    if not plan.has_changes:
        out.append(f'No changes. The live tenant matches the specs for "{plan.environment}".')
    else:
        out.append(f'reconciler will perform the following actions on "{plan.environment}":')
        out.append("")
        for change in plan.changes:
            out += render_change(change, colour=colour)
            out.append("")
    if plan.warnings:
        out.append("Warnings:")
        for w in plan.warnings:
            where = f"{w.source}: " if w.source else ""
            out.append("  " + _paint("!", f"! {where}{w.message}", colour))
        out.append("")
    for note in plan.notes:
        out.append(f"Note: {note}")
    if plan.has_changes:
        line = summary_line(plan)
        out.append(f"{_BOLD}{line}{_RESET}" if colour else line)
    return "\n".join(out).rstrip("\n") + "\n"
