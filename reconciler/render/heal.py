"""What a self-heal did, for the drift report (text and the issue's Markdown). Pure functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the heal (and the apply it runs) is not loaded to render a plan
    from reconciler.engine.heal import HealReport

_HEADLINES = {
    "healed": "Self-heal: re-applied the specs to every drifted resource ({healed}), verified.",
    "partly-healed": "Self-heal: re-applied the specs to {healed} drifted resource(s), verified;"
    " {held} not healed.",
    "not-healed": "Self-heal: nothing re-applied; {held} drifted resource(s) not healed.",
    "failed-restored": "Self-heal FAILED: the re-apply failed and every touched resource was"
    " restored to its pre-heal content (snapshot {snapshot}).",
    "restore-failed": "Self-heal FAILED and the restore failed too: the live tenant needs a"
    " person (snapshot {snapshot}).",
}


def heal_headline(report: HealReport) -> str | None:
    """One sentence: what the heal did (None when there was no drift)."""
    template = _HEADLINES.get(report.result)
    if template is None:
        return None
    snapshot = report.outcome.snapshot_id if report.outcome is not None else ""
    return template.format(
        healed=len(report.healed), held=len(report.not_healed), snapshot=snapshot
    )


def heal_lines(report: HealReport) -> list[str]:
    """The headline, then each resource healed and each not healed with why."""
    headline = heal_headline(report)
    if headline is None:
        return []
    lines = [headline]
    lines += [f"  healed: {c.action.symbol} {c.address}" for c in report.healed]
    lines += [f"  not healed: {n.address}: {n.reason}" for n in report.not_healed]
    return lines


def heal_markdown(report: HealReport) -> list[str]:
    """The issue's self-heal section."""
    headline = heal_headline(report)
    if headline is None:
        return []
    lines = ["#### Self-heal", "", headline, ""]
    lines += [
        f"- :white_check_mark: healed: `{c.address}` ({c.action.value})" for c in report.healed
    ]
    lines += [f"- :no_entry: not healed: `{n.address}`: {n.reason}" for n in report.not_healed]
    return [*lines, ""]
