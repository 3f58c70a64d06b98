"""The plan (and the drift report) as GitHub Markdown. Pure functions.

A marker on the first line lets a workflow find and update its own comment or issue
instead of posting a new one. The output always fits GitHub's 65,536-character limit:
per-resource details, then table rows, are dropped from the end with a note saying how
many were cut and where the full plan is.
"""

from __future__ import annotations

from reconciler.engine.plan import Change, Plan
from reconciler.render.values import field_line, prediction_lines, summary_line, value

GITHUB_COMMENT_LIMIT = 65_536
# Leave room for a workflow to wrap the body (links, run numbers).
DEFAULT_BUDGET = 60_000


def plan_marker(environment: str) -> str:
    return f"<!-- reconciler:plan:{environment} -->"


def drift_marker(environment: str) -> str:
    return f"<!-- reconciler:drift:{environment} -->"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _row(change: Change) -> str:
    fields = ", ".join(f"`{c.path}`" for c in change.diff[:4])
    if len(change.diff) > 4:
        fields += f" and {len(change.diff) - 4} more"
    return (
        f"| {change.action.symbol} {change.action.value} | {change.kind} "
        f"| `{_escape(change.name)}` | {fields} |"
    )


def _details(change: Change) -> str:
    body: list[str] = []
    for fc in change.diff:
        if fc.sensitive:
            body.append(f"{'+' if fc.before is None else '!'} {field_line(fc)[1]}")
            continue
        if fc.before is not None:
            body.append(f"- {fc.path}: {value(fc.before)}")
        if fc.after is not None:
            body.append(f"+ {fc.path}: {value(fc.after)}")
    extra = prediction_lines(change)
    tag = f" · live versionTag `{change.live_version_tag}`" if change.live_version_tag else ""
    parts = [
        "<details>",
        f"<summary>{change.action.symbol} {change.action.value} {change.kind} "
        f"<code>{_escape(change.name)}</code> ({len(change.diff)} field(s)){tag}</summary>",
        "",
        "```diff",
        *body,
        "```",
    ]
    if extra:
        parts += ["", *[f"- {line}" for line in extra]]
    parts += ["</details>", ""]
    return "\n".join(parts)


def _warnings(plan: Plan) -> list[str]:
    if not plan.warnings:
        return []
    lines = ["#### Warnings", ""]
    for w in plan.warnings:
        where = f"`{w.source}`: " if w.source else ""
        lines.append(f"- :warning: {where}{_escape(w.message)}")
    return [*lines, ""]


def _fit_tail(tail: list[str], limit: int) -> list[str]:
    """Warnings dropped from the end until the tail fits `limit`, or the changes get no room."""
    kept = list(tail)
    warnings = [i for i, line in enumerate(kept) if line.startswith("- :warning:")]
    dropped = 0
    while warnings and len("\n".join(kept)) > limit:
        at = warnings.pop()
        del kept[at]
        dropped += 1
    if dropped:
        kept.insert(
            at,
            f"- :warning: {dropped} more warning(s) not shown: "
            "`reconciler validate` lists every one",
        )
    return kept


def _assemble(
    head: list[str],
    rows: list[str],
    details: list[str],
    tail: list[str],
    budget: int,
    artifact_hint: str,
) -> str:
    """Join the parts, cutting details then rows from the end until it fits."""
    table_head = ["| action | kind | name | fields |", "|---|---|---|---|"] if rows else []
    # Hundreds of warnings must not crowd out every change: they get a quarter at most.
    tail = _fit_tail(tail, budget // 4)

    def join(n_rows: int, n_details: int, cut_note: str) -> str:
        parts = [*head, *table_head, *rows[:n_rows]]
        if rows:
            parts.append("")
        parts += details[:n_details]
        if cut_note:
            parts += [cut_note, ""]
        parts += tail
        return "\n".join(parts).rstrip("\n") + "\n"

    text = join(len(rows), len(details), "")
    if len(text) <= budget:
        return text
    n_rows, n_details = len(rows), len(details)
    while n_details > 0 or n_rows > 0:
        if n_details > 0:
            n_details = max(0, n_details - max(1, n_details // 8))
        else:
            n_rows = max(0, n_rows - max(1, n_rows // 8))
        note = (
            f"> :scissors: Truncated to fit a GitHub comment: {len(details) - n_details} of "
            f"{len(details)} resource diffs and {len(rows) - n_rows} of {len(rows)} table rows "
            f"are not shown. {artifact_hint}"
        )
        text = join(n_rows, n_details, note)
        if len(text) <= budget:
            return text
    return text[:budget]


def render_plan_markdown(plan: Plan, *, budget: int = DEFAULT_BUDGET) -> str:
    """Plan -> a PR comment (marker, summary table, collapsible diffs, warnings)."""
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
    tail = _warnings(plan) + [f"_{note}_" for note in plan.notes]
    return _assemble(
        head,
        [_row(c) for c in plan.changes],
        [_details(c) for c in plan.changes],
        tail,
        budget,
        "The complete plan is the saved `plan.json` (the workflow's `plan-<env>` artifact); "
        "`reconciler plan --format text` shows it whole.",
    )


def render_drift_markdown(plan: Plan, *, budget: int = DEFAULT_BUDGET) -> str:
    """A drift report fit to open or update one issue per environment."""
    if plan.has_changes:
        status = (
            f"Drift detected in `{plan.environment}`: {len(plan.changes)} resource(s) "
            "differ from the specs"
        )
        advice = [
            "Live settings were changed outside the repo. Either apply the repo "
            f"(`reconciler apply specs/{plan.environment}`) to restore them, or change the "
            "specs to adopt them. Each diff below reads from live (`-`) to the repo (`+`).",
            "",
        ]
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
        *advice,
    ]
    tail = _warnings(plan) + [f"_{note}_" for note in plan.notes]
    return _assemble(
        head,
        [_row(c) for c in plan.changes],
        [_details(c) for c in plan.changes],
        tail,
        budget,
        "Run `reconciler drift --format text` for the full report.",
    )
