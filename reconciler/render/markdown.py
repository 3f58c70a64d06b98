"""The plan (and the drift report) as GitHub Markdown. Pure functions.

A marker on the first line lets a workflow find and update its own comment or issue
instead of posting a new one. Reading order: the summary table, the warnings, the deletes
(set apart: they are the changes a reviewer must not miss), then every other diff, each
in a collapsible block with a ```diff fence so GitHub colours `+` and `-` lines. GitHub
renders no Markdown inside `<summary>`, so those lines use HTML (`<b>`, `<code>`).

The output always fits GitHub's 65,536-character limit: per-resource details, then table
rows, are dropped from the end with a note saying how many were cut and where the full
plan is; warnings get a quarter of the budget at most.
"""

from __future__ import annotations

import html
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.engine.plan import Action, Change, Plan
from reconciler.render.guardrails import gate_lines, window_line
from reconciler.render.heal import heal_markdown
from reconciler.render.values import (
    field_line,
    prediction_lines,
    summary_line,
    unmanaged_sentence,
    unmanaged_shown,
    value,
)

GITHUB_COMMENT_LIMIT = 65_536
# Leave room for a workflow to wrap the body (links, run numbers).
DEFAULT_BUDGET = 60_000
_WARNING = "- :warning:"

if TYPE_CHECKING:  # the heal (and the apply it runs) is not loaded to render a plan
    from reconciler.engine.heal import HealReport


def plan_marker(environment: str) -> str:
    return f"<!-- reconciler:plan:{environment} -->"


def drift_marker(environment: str) -> str:
    return f"<!-- reconciler:drift:{environment} -->"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    """Inline code in HTML: safe in `<summary>`, tables and lists whatever the text holds."""
    return f"<code>{html.escape(text, quote=False).replace('|', '&#124;')}</code>"


def _row(change: Change) -> str:
    fields = ", ".join(f"`{c.path}`" for c in change.diff[:4])
    if len(change.diff) > 4:
        fields += f" and {len(change.diff) - 4} more"
    flag = ":warning: " if change.action is Action.DELETE else ""
    return (
        f"| {flag}{change.action.symbol} {change.action.value} | {change.kind} "
        f"| `{_escape(change.name)}` | {fields} |"
    )


def _diff_lines(change: Change) -> list[str]:
    body: list[str] = []
    for fc in change.diff:
        if fc.sensitive:
            body.append(f"{'+' if fc.before is None else '!'} {field_line(fc)[1]}")
            continue
        if fc.before is not None:
            body.append(f"- {fc.path}: {value(fc.before)}")
        if fc.after is not None:
            body.append(f"+ {fc.path}: {value(fc.after)}")
    return body


def _details(change: Change) -> str:
    tag = f" · live versionTag {_code(change.live_version_tag)}" if change.live_version_tag else ""
    flag = "⚠️ " if change.action is Action.DELETE else ""
    parts = [
        "<details>",
        f"<summary>{flag}<b>{change.action.symbol} {change.action.value}</b> {change.kind} "
        f"{_code(change.name)} ({len(change.diff)} field(s)){tag}</summary>",
        "",
        "```diff",
        *_diff_lines(change),
        "```",
    ]
    extra = prediction_lines(change)
    window = window_line(change)
    if window is not None:
        extra = [*extra, (":no_entry: " if not change.window_open else "") + window]
    if extra:
        parts += ["", *[f"- {line}" for line in extra]]
    parts += ["</details>", ""]
    return "\n".join(parts)


def _guardrails(plan: Plan) -> list[str]:
    gate = gate_lines(plan)
    closed = [c for c in plan.changes if not c.window_open]
    if not gate and not closed:
        return []
    lines = ["#### Guardrails", ""]
    lines += [f"{_WARNING} {_escape(line)}" for line in gate]
    if closed:
        lines.append(
            f"- :no_entry: {len(closed)} change(s) outside their change windows now: apply "
            'refuses them without `--override-window "REASON"` (see each change below)'
        )
    return [*lines, ""]


def _warnings(plan: Plan) -> list[str]:
    if not plan.warnings:
        return []
    lines = ["#### Warnings", ""]
    for w in plan.warnings:
        where = f"`{w.source}`: " if w.source else ""
        lines.append(f"{_WARNING} {where}{_escape(w.message)}")
    return [*lines, ""]


def _fit_warnings(lines: list[str], limit: int) -> list[str]:
    """Warnings dropped from the end until they fit `limit`, or the changes get no room."""
    kept = list(lines)
    warnings = [i for i, line in enumerate(kept) if line.startswith(_WARNING)]
    dropped = 0
    while warnings and len("\n".join(kept)) > limit:
        at = warnings.pop()
        del kept[at]
        dropped += 1
    if dropped:
        kept.insert(
            at,
            f"{_WARNING} {dropped} more warning(s) not shown: "
            "`reconciler validate` lists every one",
        )
    return kept


def _unmanaged(plan: Plan, command: str) -> list[str]:
    if not plan.unmanaged:
        return []
    shown, more = unmanaged_shown(plan, command)
    lines = ["#### Not managed by the repo", "", unmanaged_sentence(plan), ""]
    lines += [f"- {kind} {_code(name)}" for kind, name in shown]
    if more:
        lines.append(f"- {more}")
    return [*lines, ""]


@dataclass(frozen=True)
class _Section:
    """A heading and the collapsible diffs under it; the heading goes when all are cut."""

    heading: list[str]
    blocks: list[str]


def _sections(plan: Plan, deletes: list[str], others: list[str]) -> list[_Section]:
    gone = [c for c in plan.changes if c.action is Action.DELETE]
    kept = [c for c in plan.changes if c.action is not Action.DELETE]
    return [
        _Section([*deletes, ""], [_details(c) for c in gone]),
        _Section([*others, ""], [_details(c) for c in kept]),
    ]


def _assemble(
    head: list[str],
    rows: list[str],
    warnings: list[str],
    sections: list[_Section],
    tail: list[str],
    budget: int,
    artifact_hint: str,
) -> str:
    """Join the parts, cutting details then rows from the end until it fits."""
    table_head = ["| action | kind | name | fields |", "|---|---|---|---|"] if rows else []
    # Hundreds of warnings must not crowd out every change: they get a quarter at most.
    warnings = _fit_warnings(warnings, budget // 4)
    total = sum(len(s.blocks) for s in sections)

    def join(n_rows: int, n_details: int, cut_note: str) -> str:
        parts = [*head, *table_head, *rows[:n_rows]]
        if rows:
            parts.append("")
        parts += warnings
        left = n_details
        for section in sections:
            blocks = section.blocks[:left]
            left -= len(blocks)
            if blocks:
                parts += [*section.heading, *blocks]
        if cut_note:
            parts += [cut_note, ""]
        parts += tail
        return "\n".join(parts).rstrip("\n") + "\n"

    text = join(len(rows), total, "")
    if len(text) <= budget:
        return text
    n_rows, n_details = len(rows), total
    while n_details > 0 or n_rows > 0:
        if n_details > 0:
            n_details = max(0, n_details - max(1, n_details // 8))
        else:
            n_rows = max(0, n_rows - max(1, n_rows // 8))
        note = (
            f"> :scissors: Truncated to fit a GitHub comment: {total - n_details} of "
            f"{total} resource diffs and {len(rows) - n_rows} of {len(rows)} table rows "
            f"are not shown. {artifact_hint}"
        )
        text = join(n_rows, n_details, note)
        if len(text) <= budget:
            return text
    return text[:budget]


def _count(plan: Plan, action: Action) -> int:
    return sum(1 for c in plan.changes if c.action is action)


def render_plan_markdown(plan: Plan, *, budget: int = DEFAULT_BUDGET) -> str:
    """Plan -> a PR comment (marker, summary table, warnings, deletes, other diffs)."""
    status = summary_line(plan).removeprefix("Plan: ") if plan.has_changes else "no changes."
    head = [
        plan_marker(plan.environment),
        f"### reconciler plan for `{plan.environment}`: {status}",
        "",
        f"Spec digest `{plan.spec_digest}`"
        + (f" · commit `{plan.git_commit[:12]}`" if plan.git_commit else "")
        + f" · plan digest `{plan.digest}`",
        "",
    ]
    if not plan.has_changes:
        head += ["The live tenant matches the specs.", ""]
    deletes = [
        f"#### :warning: {_count(plan, Action.DELETE)} resource(s) will be destroyed",
        "",
        "These live resources are not in the repo and the Tenant spec sets `prune: true`: "
        "apply deletes them after every other change.",
    ]
    return _assemble(
        head,
        [_row(c) for c in plan.changes],
        _guardrails(plan) + _warnings(plan),
        _sections(plan, deletes, ["#### Changes"]),
        _unmanaged(plan, "plan") + [f"_{note}_" for note in plan.notes],
        budget,
        "The complete plan is the saved `plan.json` (the workflow's `plan-<env>` artifact); "
        "`reconciler plan --format text` shows it whole.",
    )


HEALED_ADVICE = (
    "Live settings were changed outside the repo, and the heal re-applied the repo. If the "
    "live values were intended, put them in the specs. Each diff below reads from live "
    "before the heal (`-`) to the repo (`+`)."
)


def render_drift_markdown(
    plan: Plan,
    *,
    spec_dir: str | None = None,
    budget: int = DEFAULT_BUDGET,
    heal: HealReport | None = None,
) -> str:
    """A drift report fit to open or update one issue per environment (with `drift --heal`,
    what the heal did comes first)."""
    if plan.has_changes:
        status = (
            f"Drift detected in `{plan.environment}`: {len(plan.changes)} resource(s) "
            "differ from the specs"
        )
        advice = [
            "Live settings were changed outside the repo. Either apply the repo "
            f"(`reconciler apply {shlex.quote(spec_dir or f'specs/{plan.environment}')}`) "
            "to restore them, "
            "or change the specs to adopt them. Each diff below reads from live (`-`) to the "
            "repo (`+`).",
            "",
        ]
        if heal is not None and heal.result == "healed":
            advice = [HEALED_ADVICE, ""]
    else:
        status = f"`{plan.environment}` is in sync with the specs"
        advice = []
    head = [
        drift_marker(plan.environment),
        f"### {status}",
        "",
        f"Checked against spec digest `{plan.spec_digest}`"
        + (f" at `{plan.created_at}`" if plan.created_at else "")
        + ".",
        "",
        *(heal_markdown(heal) if heal is not None else []),
        *advice,
    ]
    deletes = [
        f"#### :warning: {_count(plan, Action.DELETE)} live resource(s) are not in the specs",
        "",
        "The Tenant spec sets `prune: true`: apply would destroy them.",
    ]
    return _assemble(
        head,
        [_row(c) for c in plan.changes],
        _warnings(plan),
        _sections(plan, deletes, ["#### Differences"]),
        _unmanaged(plan, "drift") + [f"_{note}_" for note in plan.notes],
        budget,
        "Run `reconciler drift --format text` for the full report.",
    )
