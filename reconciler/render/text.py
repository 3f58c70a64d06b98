"""The plan and the drift report as terminal text, in the Terraform style (`+ ~ -`).

Pure functions. A plan says what apply will do; a drift report says how the live tenant
differs from the specs and what apply would do to fix it: the same blocks, other words.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING

from reconciler.engine.plan import Action, Change, Plan
from reconciler.render.guardrails import gate_lines, window_line
from reconciler.render.heal import heal_lines
from reconciler.render.values import (
    field_line,
    prediction_lines,
    summary_counts,
    summary_line,
    unmanaged_sentence,
    unmanaged_shown,
)

_COLOURS = {"+": "\x1b[32m", "~": "\x1b[33m", "-": "\x1b[31m", "!": "\x1b[35m"}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"

if TYPE_CHECKING:  # the heal (and the apply it runs) is not loaded to render a plan
    from reconciler.engine.heal import HealReport


def _paint(symbol: str, text: str, colour: bool) -> str:
    return f"{_COLOURS[symbol]}{text}{_RESET}" if colour and symbol in _COLOURS else text


def _bold(text: str, colour: bool) -> str:
    return f"{_BOLD}{text}{_RESET}" if colour else text


# The headline of a resource's block, per action: a plan says what apply will do; a drift
# report says how live differs and what apply would do about it.
PLAN_HEADLINES = {
    Action.CREATE: "{address} will be created",
    Action.UPDATE: "{address} will be updated in place{tag}",
    Action.DELETE: "{address} will be destroyed (prune: not in the repo)",
}
DRIFT_HEADLINES = {
    Action.CREATE: "{address} is in the specs but not live: apply would create it",
    Action.UPDATE: "{address} differs from the specs: apply would update it{tag}",
    Action.DELETE: "{address} is live but not in the specs: apply would destroy it (prune: true)",
}


def _headline(change: Change, headlines: Mapping[Action, str]) -> str:
    tag = f" (live versionTag {change.live_version_tag})" if change.live_version_tag else ""
    return "# " + headlines[change.action].format(address=change.address, tag=tag)


def render_change(
    change: Change, *, colour: bool = False, headlines: Mapping[Action, str] = PLAN_HEADLINES
) -> list[str]:
    """The block for one resource."""
    sym = change.action.symbol
    lines = [
        f"  {_headline(change, headlines)}",
        "  " + _paint(sym, f'{sym} {change.kind} "{change.name}" {{', colour),
    ]
    for fc in change.diff:
        fsym, text = field_line(fc)
        lines.append("      " + _paint(fsym, f"{fsym} {text}", colour))
    lines.append("    }")
    lines += [f"    {line}" for line in prediction_lines(change)]
    window = window_line(change)
    if window is not None:
        lines.append("    " + _paint("!" if not change.window_open else "~", window, colour))
    return lines


def _warning_lines(plan: Plan, colour: bool) -> list[str]:
    if not plan.warnings:
        return []
    out = ["Warnings:"]
    for w in plan.warnings:
        where = f"{w.source}: " if w.source else ""
        out.append("  " + _paint("!", f"! {where}{w.message}", colour))
    return [*out, ""]


def _unmanaged_lines(plan: Plan, command: str) -> list[str]:
    if not plan.unmanaged:
        return []
    shown, more = unmanaged_shown(plan, command)
    out = [f"Not managed: {unmanaged_sentence(plan)}"]
    out += [f'  {kind} "{name}"' for kind, name in shown]
    if more:
        out.append(f"  {more}")
    return [*out, ""]


def _end(out: list[str]) -> str:
    return "\n".join(out).rstrip("\n") + "\n"


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
    out += _warning_lines(plan, colour)
    out += _unmanaged_lines(plan, "plan")
    out += [f"Note: {note}" for note in plan.notes]
    gate = gate_lines(plan)
    if gate:
        out += ["Guardrails:", *[f"  {_paint('!', f'! {line}', colour)}" for line in gate], ""]
    if plan.has_changes:
        out.append(_bold(summary_line(plan), colour))
    return _end(out)


def render_drift_text(
    plan: Plan,
    *,
    spec_dir: str | None = None,
    colour: bool = False,
    heal: HealReport | None = None,
) -> str:
    """A drift check -> text: what differs (live -> specs) and what apply would do (with
    `drift --heal`, then what the heal did)."""
    env = plan.environment
    out: list[str] = []
    if not plan.has_changes:
        out.append(f'No drift: the live tenant matches the specs for "{env}".')
    else:
        out += [
            f'Drift detected on "{env}": the live tenant differs from the specs in '
            f"{len(plan.changes)} resource(s). Each field reads live -> specs.",
            "",
        ]
        for change in plan.changes:
            out += render_change(change, colour=colour, headlines=DRIFT_HEADLINES)
            out.append("")
    out += _warning_lines(plan, colour)
    out += _unmanaged_lines(plan, "drift")
    out += [f"Note: {note}" for note in plan.notes]
    if plan.has_changes and not (heal is not None and heal.result == "healed"):
        command = f"reconciler apply {shlex.quote(spec_dir or f'specs/{env}')}"
        out.append(
            _bold(f"To fix it, run `{command}` ({summary_counts(plan)})", colour)
            + ", or change the specs to adopt the live values."
        )
    if heal is not None and heal_lines(heal):
        out += ["", *heal_lines(heal)]
    return _end(out)
