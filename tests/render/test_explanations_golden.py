"""Golden files for what the guardrails explain: stale plans (every format) and heals.

`pytest --update-goldens` rewrites them; review the diff.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.engine.heal import HealReport, NotHealed
from reconciler.engine.outcome import Outcome
from reconciler.engine.plan import FieldChange
from reconciler.engine.staleness import NOT_RECORDED, SAME_FIELDS, MovedResource, Staleness
from reconciler.kinds import ResourceAddress
from reconciler.render.markdown import render_drift_markdown
from reconciler.render.staleness import (
    render_staleness_json,
    render_staleness_markdown,
    render_staleness_text,
)
from reconciler.render.text import render_drift_text
from tests.render.scenarios import SCENARIOS

GOLDEN = Path(__file__).parent / "golden"
DIGEST = "sha256:" + "cd" * 32


def stale() -> Staleness:
    """One resource of each kind of move the explanation words differently."""
    return Staleness(
        "prod",
        DIGEST,
        "2026-11-24T05:00:00Z",
        (
            MovedResource(
                ResourceAddress("Campaign", "Collections_East"),
                "v-19c2",
                "v-20d1",
                (
                    FieldChange("algorithm.dial_ratio", 1.4, 2.5),
                    FieldChange("dnc_lists", ["internal", "national"], ["national"]),
                    FieldChange("concurrency.call_spacing_ms", None, 200),
                ),
            ),
            MovedResource(ResourceAddress("Campaign", "Summer_Promo"), None, "v-0001"),
            MovedResource(ResourceAddress("Campaign", "Winter_Promo"), "v-7a7a", None),
            MovedResource(
                ResourceAddress("Campaign", "Legacy_<01>"), "v-1", "v-2", note=NOT_RECORDED
            ),
            MovedResource(
                ResourceAddress("Webhook", "WFM_Dialer_Sync"), "v-9", "v-10", note=SAME_FIELDS
            ),
        ),
    )


def fresh() -> Staleness:
    return Staleness("prod", DIGEST, "2026-11-24T05:00:00Z", ())


STALENESS: dict[str, Callable[[], Staleness]] = {"stale": stale, "fresh": fresh}
RENDER_STALENESS: dict[str, Callable[[Staleness], str]] = {
    "staleness.txt": render_staleness_text,
    "staleness.md": render_staleness_markdown,
    "staleness.json": render_staleness_json,
}


def check(path: Path, out: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"missing golden {path}: run pytest --update-goldens"
    assert out == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("renderer", sorted(RENDER_STALENESS))
@pytest.mark.parametrize("scenario", sorted(STALENESS))
def test_staleness_golden(scenario: str, renderer: str, update_goldens: bool) -> None:
    out = RENDER_STALENESS[renderer](STALENESS[scenario]())
    check(GOLDEN / "stale" / f"{scenario}.{renderer}", out, update_goldens)


def heals() -> dict[str, HealReport]:
    drift = SCENARIOS["update"]()
    first, second = drift.changes[0], drift.changes[1]
    window = (
        "outside its change windows: closed now (outside every allow window: allow "
        '"0 22 * * mon-fri" for 8h (campaign time zone) at specs/prod/campaigns/east.yaml:21:5); '
        "next allowed 2026-11-25T03:00:00Z (2026-11-24T22:00:00-05:00 America/New_York)"
    )
    applied = Outcome("apply", "applied", "20261124T050000Z-abc123")
    restored = Outcome("apply", "restored", "20261124T050000Z-abc123")
    return {
        "partly": HealReport(drift, (first,), (NotHealed(second.address, window),), applied),
        "failed": HealReport(drift, drift.changes, (), restored),
        "opt_out": HealReport(
            drift,
            not_healed=tuple(
                NotHealed(c.address, "the Tenant does not set `self_heal: true`")
                for c in drift.changes
            ),
        ),
    }


@pytest.mark.parametrize("renderer", ["drift.md", "drift.txt"])
@pytest.mark.parametrize("scenario", ["partly", "failed", "opt_out"])
def test_heal_golden(scenario: str, renderer: str, update_goldens: bool) -> None:
    report = heals()[scenario]
    if renderer == "drift.md":
        out = render_drift_markdown(report.drift, spec_dir="specs/prod", heal=report)
    else:
        out = render_drift_text(report.drift, spec_dir="specs/prod", heal=report)
    check(GOLDEN / "heal" / f"{scenario}.{renderer}", out, update_goldens)
