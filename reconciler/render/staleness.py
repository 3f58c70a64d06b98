"""Why a saved plan is stale, as text, Markdown and JSON. Pure functions of a Staleness."""

from __future__ import annotations

import json

from reconciler.engine.staleness import MovedResource, Staleness
from reconciler.render.values import value

MISSING = "(absent)"


def _shown(v: object) -> str:
    return MISSING if v is None else value(v)


def _intro(s: Staleness) -> str:
    when = f" (made {s.plan_created_at})" if s.plan_created_at else ""
    if not s.stale:
        return f'The saved plan{when} still matches the live tenant of "{s.environment}".'
    return (
        f"The saved plan{when} is stale: {len(s.resources)} live resource(s) of "
        f'"{s.environment}" changed since it was made. Each field reads what the plan saw'
        " -> live now."
    )


def _field_lines(r: MovedResource) -> list[str]:
    lines = [f"{f.path}: {_shown(f.before)} -> {_shown(f.after)}" for f in r.fields]
    if r.note:
        lines.append(f"({r.note})")
    return lines


def render_staleness_text(s: Staleness) -> str:
    """Terminal text: one block per moved resource."""
    out = [_intro(s)]
    for r in s.resources:
        out += ["", f"  {r.headline}"]
        out += [f"      {line}" for line in _field_lines(r)]
    if s.stale:
        out += ["", "Run `reconciler plan --out` again and review the new plan."]
    return "\n".join(out) + "\n"


def render_staleness_markdown(s: Staleness) -> str:
    """GitHub Markdown: one collapsible block per resource, fields in a ```diff fence."""
    out = [f"### Saved plan for `{s.environment}`: {'stale' if s.stale else 'fresh'}", ""]
    out += [_intro(s), ""]
    if s.stale:
        out += [f"Plan digest `{s.plan_digest}`.", ""]
    for r in s.resources:
        if not r.fields and not r.note:  # created or deleted since: the headline says it
            out += [f"- {_html(r.headline)}", ""]
            continue
        out += ["<details>", f"<summary>{_html(r.headline)}</summary>", ""]
        if r.fields:
            out += ["```diff"]
            for f in r.fields:
                out += [f"- {f.path}: {_shown(f.before)}", f"+ {f.path}: {_shown(f.after)}"]
            out += ["```"]
        if r.note:
            out += [f"_{r.note}_"]
        out += ["</details>", ""]
    if s.stale:
        out += ["Run `reconciler plan --out` again and review the new plan.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_staleness_json(s: Staleness) -> str:
    """Stable, indented JSON."""
    return json.dumps(s.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
