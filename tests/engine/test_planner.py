"""The planner: no phantom diffs, no missed changes, order, ignore rules, prune, secrets."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from reconciler.engine.normalize import IgnoreRule, Normalizer
from reconciler.engine.plan import Action, load_plan, plan_from_json, save_plan
from reconciler.engine.planner import PlanOptions, build_plan
from reconciler.errors import PlanError
from tests.factories import campaign_json, desired, live_state, settings_json, webhook_json
from tests.render.scenarios import SCENARIOS

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())


def plan(d, live, **options):  # type: ignore[no-untyped-def]
    return build_plan(
        environment="t",
        spec_digest="sha256:" + "0" * 64,
        desired=d,
        live=live,
        options=PlanOptions(**options),
    )


def test_defaults_numeric_types_and_set_order_make_no_phantom_diff() -> None:
    live = live_state(
        campaigns=[
            campaign_json("A", dnc_lists=["internal", "national"], algorithm={"dial_ratio": 2})
        ]
    )
    # The same campaign spelled differently: float ratio, other DNC order, default left out.
    spec = campaign_json("A", dnc_lists=["national", "internal"], algorithm={"dial_ratio": 2.0})
    assert not plan(desired(campaigns=[spec]), live).has_changes


def test_every_changed_leaf_is_reported() -> None:
    live = live_state(campaigns=[campaign_json("A")])
    spec = campaign_json("A", concurrency={"call_spacing_ms": 0}, calling_hours={"end": "19:30"})
    change = plan(desired(campaigns=[spec]), live).changes[0]
    assert [(c.path, c.before, c.after) for c in change.diff] == [
        ("calling_hours.end", "20:00", "19:30"),
        ("concurrency.call_spacing_ms", 150, 0),
    ]
    assert change.live_version_tag == "v-c1" and change.resource_id == "c-000001"


def test_order_is_settings_then_campaigns_then_webhooks_and_deletes_last() -> None:
    live = live_state(
        campaigns=[campaign_json("Gone"), campaign_json("B")], webhooks=[webhook_json("OldHook")]
    )
    d = desired(
        settings=settings_json(concurrency={"max_agents": 40}),
        campaigns=[campaign_json("B", concurrency={"max_agents": 10}), campaign_json("A")],
        webhooks=[webhook_json("NewHook")],
    )
    p = plan(d, live, prune=True)
    assert [(c.action.value, str(c.address)) for c in p.changes] == [
        ("update", "DialerSettings.Predictive_Outbound_01"),
        ("create", "Campaign.A"),
        ("update", "Campaign.B"),
        ("create", "Webhook.NewHook"),
        ("delete", "Campaign.Gone"),
        ("delete", "Webhook.OldHook"),
    ]


def test_without_prune_live_extras_are_unmanaged_not_deleted() -> None:
    live = live_state(campaigns=[campaign_json("Extra")])
    p = plan(desired(), live)
    assert not p.has_changes
    assert p.unmanaged == (("Campaign", "Extra"),)
    assert p.notes == ()  # the renderers list unmanaged resources by name, not a count


def test_ignored_fields_are_not_diffed_and_keep_their_live_value_on_update() -> None:
    live = live_state(campaigns=[campaign_json("A", concurrency={"max_agents": 33})])
    rules = Normalizer((IgnoreRule("Campaign", ("concurrency.max_agents",), name="A*"),))
    spec = campaign_json("A", concurrency={"max_agents": 20})
    assert not plan(desired(campaigns=[spec]), live, normalizer=rules).has_changes
    spec2 = campaign_json("A", concurrency={"max_agents": 20}, dnc_lists=["national"])
    change = plan(desired(campaigns=[spec2]), live, normalizer=rules).changes[0]
    assert [c.path for c in change.diff] == ["dnc_lists"]
    assert change.desired is not None
    assert change.desired["concurrency"]["max_agents"] == 33


def test_write_only_token_is_sent_on_create_not_compared_and_forced_by_option() -> None:
    live = live_state(webhooks=[webhook_json("H")])
    d = desired(webhooks=[webhook_json("H"), webhook_json("New")])
    p = plan(d, live)
    assert [str(c.address) for c in p.changes] == ["Webhook.New"]
    token = next(c for c in p.changes[0].diff if c.path == "auth.token")
    assert token.sensitive and token.after == "(sensitive)"
    forced = plan(d, live, resend_secrets=True)
    assert [str(c.address) for c in forced.changes] == ["Webhook.H", "Webhook.New"]
    assert forced.changes[0].secret_env == "WFM_WEBHOOK_TOKEN"
    assert "token" not in json.dumps(forced.changes[0].desired)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_plan_validates_against_the_schema(scenario: str) -> None:
    jsonschema.validate(SCENARIOS[scenario]().to_json(), SCHEMA)


def test_saved_plan_round_trips_and_detects_tampering(tmp_path: Path) -> None:
    p = SCENARIOS["update"]()
    path = tmp_path / "plan.json"
    save_plan(p, path)
    assert load_plan(path) == p
    data = json.loads(path.read_text())
    data["changes"][0]["desired"]["concurrency"]["max_agents"] = 5000
    with pytest.raises(PlanError, match="modified"):
        plan_from_json(data)


def test_plan_summary_and_has_changes_agree() -> None:
    p = SCENARIOS["delete"]()
    assert p.summary() == {"create": 0, "update": 0, "delete": 2}
    assert p.has_changes
    assert all(c.action is Action.DELETE for c in p.changes)
