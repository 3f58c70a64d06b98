"""Golden files for every renderer on the fixed scenarios (`pytest --update-goldens`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.engine.plan import Plan
from reconciler.render.json import render_plan_json
from reconciler.render.markdown import (
    GITHUB_COMMENT_LIMIT,
    render_drift_markdown,
    render_plan_markdown,
)
from reconciler.render.text import render_drift_text, render_plan_text
from tests.render.scenarios import SCENARIOS

GOLDEN = Path(__file__).parent / "golden"
RENDERERS = {
    "plan.txt": lambda p: render_plan_text(p),
    "plan.color.txt": lambda p: render_plan_text(p, colour=True),
    "plan.md": render_plan_markdown,
    "drift.md": render_drift_markdown,
    "drift.txt": lambda p: render_drift_text(p),
    "plan.json": render_plan_json,
}
_cache: dict[str, Plan] = {}


def plan_for(name: str) -> Plan:
    if name not in _cache:
        _cache[name] = SCENARIOS[name]()
    return _cache[name]


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_golden(scenario: str, renderer: str, update_goldens: bool) -> None:
    if scenario == "huge" and renderer in ("plan.txt", "plan.color.txt", "plan.json", "drift.txt"):
        pytest.skip("the huge scenario is about Markdown truncation")
    out = RENDERERS[renderer](plan_for(scenario))
    path = GOLDEN / scenario / renderer
    if update_goldens:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"missing golden {path}: run pytest --update-goldens"
    assert out == path.read_text(encoding="utf-8")


def test_huge_markdown_fits_a_github_comment_and_says_what_was_cut() -> None:
    md = render_plan_markdown(plan_for("huge"))
    assert len(md) < GITHUB_COMMENT_LIMIT
    assert "Truncated to fit a GitHub comment" in md
    assert md.startswith("<!-- reconciler:plan:prod -->")
    assert "0 to create, 2000 to update, 0 to delete." in md


def test_no_colour_codes_unless_asked() -> None:
    assert "\x1b[" not in render_plan_text(plan_for("update"))
    assert "\x1b[" in render_plan_text(plan_for("update"), colour=True)


def test_secrets_are_never_rendered() -> None:
    for renderer in RENDERERS.values():
        out = renderer(plan_for("sensitive"))
        assert "(sensitive)" in out
