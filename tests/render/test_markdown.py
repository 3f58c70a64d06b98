"""The PR comment and drift issue as GitHub shows them: HTML summaries, coloured diffs,
warnings before the diffs, deletes set apart (and the last thing a cut removes)."""

from __future__ import annotations

import re

import pytest

from reconciler.engine.plan import Plan
from reconciler.engine.planner import PlanOptions
from reconciler.render.markdown import render_drift_markdown, render_plan_markdown
from tests.factories import campaign_json, desired, live_state, webhook_json
from tests.render.scenarios import SCENARIOS, _plan

RENDERERS = {"plan": render_plan_markdown, "drift": render_drift_markdown}


def mixed() -> Plan:
    """Two updates, a create and two deletes (prune on)."""
    live = live_state(
        campaigns=[
            campaign_json("Keep_A"),
            campaign_json("Keep_B"),
            campaign_json("Old_Promo"),
        ],
        webhooks=[webhook_json("Old_Hook")],
    )
    d = desired(
        campaigns=[
            campaign_json("Keep_A", concurrency={"max_agents": 25}),
            campaign_json("Keep_B", algorithm={"dial_ratio": 1.9}),
            campaign_json("New_West"),
        ]
    )
    return _plan(d, live, PlanOptions(prune=True))


def details_blocks(md: str) -> list[str]:
    return re.findall(r"<details>\n(.*?)</details>", md, flags=re.S)


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("scenario", sorted(set(SCENARIOS) - {"huge"}))
def test_summaries_are_html_and_diffs_are_diff_fences(scenario: str, renderer: str) -> None:
    md = RENDERERS[renderer](SCENARIOS[scenario]())
    for block in details_blocks(md):
        summary = block.splitlines()[0]
        # GitHub renders no Markdown inside <summary>: a backtick would show as a backtick.
        assert summary.startswith("<summary>") and "`" not in summary, summary
        fence = re.search(r"```diff\n(.*?)```", block, flags=re.S)
        assert fence, block
        assert all(line[:2] in ("+ ", "- ", "! ") for line in fence.group(1).splitlines())


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_warnings_come_before_every_diff(renderer: str) -> None:
    for scenario in ("warnings", "predictions", "delete"):
        md = RENDERERS[renderer](SCENARIOS[scenario]())
        assert md.index("#### Warnings") < md.index("<details>"), scenario


def test_deletes_have_their_own_section_before_the_other_diffs() -> None:
    md = render_plan_markdown(mixed())
    deletes = md.index("#### :warning: 2 resource(s) will be destroyed")
    others = md.index("#### Changes")
    assert deletes < others
    in_deletes = [b.splitlines()[0] for b in details_blocks(md[deletes:others])]
    assert in_deletes == [
        "<summary>⚠️ <b>- delete</b> Campaign <code>Old_Promo</code> (14 field(s)) · "
        "live versionTag <code>v-c3</code></summary>",
        "<summary>⚠️ <b>- delete</b> Webhook <code>Old_Hook</code> (7 field(s)) · "
        "live versionTag <code>v-w1</code></summary>",
    ]
    assert all("delete" not in b.splitlines()[0] for b in details_blocks(md[others:]))
    assert len(details_blocks(md[others:])) == 3
    assert "| :warning: - delete | Campaign | `Old_Promo` |" in md
    drift = render_drift_markdown(mixed())
    assert drift.index("#### :warning: 2 live resource(s) are not in the specs") < drift.index(
        "#### Differences"
    )


def test_a_cut_keeps_the_deletes_and_drops_the_heading_of_an_emptied_section() -> None:
    plan = mixed()
    assert len(render_plan_markdown(plan)) > 3000
    cut = render_plan_markdown(plan, budget=2700)  # room for the two deletes' diffs only
    assert len(cut) <= 2700
    assert "Truncated to fit a GitHub comment: 3 of 5 resource diffs" in cut
    assert "#### Changes" not in cut  # its three diffs were cut, so is its heading
    assert len(details_blocks(cut)) == 2 and "Old_Promo" in cut and "Old_Hook" in cut


def test_names_are_escaped_for_html() -> None:
    live = live_state(campaigns=[campaign_json("A<b>|`x`")])
    plan = _plan(
        desired(campaigns=[campaign_json("A<b>|`x`", concurrency={"max_agents": 3})]), live
    )
    summary = details_blocks(render_plan_markdown(plan))[0].splitlines()[0]
    assert "<code>A&lt;b&gt;&#124;`x`</code>" in summary
