"""Random small plans under random fault schedules; THE INVARIANT after every apply.

Each example: a random live tenant and a random desired state over the settings, four
campaigns and one webhook (updates, creates, prune deletes); a random fault schedule
(failed, partially applied and hung activations, 5xx and 429 bursts, dropped connections,
and out-of-band edits that make our If-Match stale). `ApplyRun` runs against the
in-process emulator on a ManualClock (sleeps advance it: no real waiting). Then:

- every resource the plan touched holds its desired body or its pre-apply body;
- the result agrees: applied -> all desired; restored -> all pre-apply; restore-failed ->
  only the resources named as needing a person may be anything else;
- once the faults are gone, a second apply converges to the desired state.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from reconciler.dialer_v1.bodies import CampaignBody, SettingsBody, WebhookBody, body_to_json
from reconciler.dialer_v1.client import DialerV1Client
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, ManualClock
from reconciler.engine.apply import ApplyOptions, ApplyRun, Outcome
from reconciler.engine.normalize import Normalizer
from reconciler.engine.observe import observe
from reconciler.engine.pairing import DesiredResource
from reconciler.engine.planner import PlanOptions, build_plan
from reconciler.state.audit import AuditLog
from reconciler.state.journal import Journal, list_unfinished
from reconciler.state.layout import StateDir
from reconciler.state.snapshots import SnapshotStore
from tests.engine.conftest import TOKEN, TenantView, token_digest
from tests.factories import backend, campaign_json, settings_json, webhook_json

CAMPAIGNS = ("Camp_A", "Camp_B", "Camp_C", "Camp_D")
WEBHOOK = "WFM_Sync"
TOKEN_ENV = "WFM_WEBHOOK_TOKEN"
AGENTS = (10, 20, 25)
URLS = ("https://wfm.example.com/hooks/a", "https://wfm.example.com/hooks/b")
DEADLINE_SECONDS = 30.0  # fake seconds: a hang costs nothing real

Json = dict[str, Any]


class FakeTime:
    """EmulatorClock and sleep over the emulator's ManualClock."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def now(self) -> float:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(max(0.0, seconds))
        await asyncio.sleep(0)


# ---- strategies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    live: Json  # seed document
    desired: list[DesiredResource]
    desired_bodies: Json  # address -> body JSON (what the tenant should hold)


def campaign(name: str, agents: int) -> Json:
    return campaign_json(name, concurrency={"max_agents": agents})


@st.composite
def worlds(draw: st.DrawFn) -> World:
    live_settings = settings_json(concurrency={"max_agents": draw(st.sampled_from((40, 50)))})
    want_settings = settings_json(concurrency={"max_agents": draw(st.sampled_from((40, 50)))})
    live_campaigns, want_campaigns = [], []
    for name in CAMPAIGNS:
        if draw(st.booleans()):
            live_campaigns.append(campaign(name, draw(st.sampled_from(AGENTS))))
        if draw(st.booleans()):
            want_campaigns.append(campaign(name, draw(st.sampled_from(AGENTS))))
    live_hooks = []
    if draw(st.booleans()):
        hook = webhook_json(WEBHOOK, url=draw(st.sampled_from(URLS)))
        live_hooks.append({**hook, "auth": {"type": "bearer", "token": "old-token"}})
    want_hook = webhook_json(WEBHOOK, url=draw(st.sampled_from(URLS)))
    desired = [
        DesiredResource(
            "DialerSettings", want_settings["name"], SettingsBody.model_validate(want_settings)
        ),
        *(
            DesiredResource("Campaign", c["name"], CampaignBody.model_validate(c))
            for c in want_campaigns
        ),
        DesiredResource(
            "Webhook", WEBHOOK, WebhookBody.model_validate(want_hook), secret_env=TOKEN_ENV
        ),
    ]
    bodies = {
        f"DialerSettings.{want_settings['name']}": want_settings,
        f"Webhook.{WEBHOOK}": want_hook,
    }
    bodies.update({f"Campaign.{c['name']}": c for c in want_campaigns})
    live = {"settings": live_settings, "campaigns": live_campaigns, "webhooks": live_hooks}
    return World(live, desired, bodies)


def fault_schedules(targets: tuple[str, ...]) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Up to three faults, activation faults aimed at resources the plan changes."""
    aimed = targets or (*CAMPAIGNS, "settings")
    edited = tuple(t for t in targets if t != "settings") or CAMPAIGNS
    one = st.one_of(
        st.tuples(st.just("fail"), st.sampled_from(aimed), st.booleans()),
        st.tuples(st.just("hang"), st.sampled_from(aimed)),
        st.tuples(
            st.just("http"),
            st.sampled_from((429, 500, 502, 503)),
            st.integers(1, 3),
            st.sampled_from(("GET", "PUT", "POST", "DELETE")),
        ),
        st.tuples(st.just("drop"), st.sampled_from(("PUT", "POST", "DELETE"))),
        st.tuples(st.just("edit"), st.sampled_from(edited)),
    )
    return st.lists(one, max_size=3)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[World, list[tuple[Any, ...]]]:
    """A world and a fault schedule for it."""
    world = draw(worlds())
    live = {c["name"]: c for c in world.live["campaigns"]}
    targets = tuple(
        name for name in CAMPAIGNS if live.get(name) != world.desired_bodies.get(f"Campaign.{name}")
    )
    settings_address = f"DialerSettings.{world.live['settings']['name']}"
    if world.live["settings"] != world.desired_bodies[settings_address]:
        targets += ("settings",)
    return world, draw(fault_schedules(targets))


# ---- one apply ----------------------------------------------------------------------------


def view(emu: Emulator) -> TenantView:
    return TenantView.of(emu.tenant_json())


def model_json(address: str, body: Json) -> Json:
    kind = address.split(".", 1)[0]
    if kind == "DialerSettings":
        return body_to_json(SettingsBody.model_validate(body))
    if kind == "Campaign":
        return body_to_json(CampaignBody.model_validate(body))
    return body_to_json(WebhookBody.model_validate(body))


async def apply_once(
    emu: Emulator, time: FakeTime, state: StateDir, world: World, edits: list[str]
) -> tuple[Outcome | None, list[str]]:
    """Plan against the live tenant and run the apply; (outcome, touched addresses)."""
    client = DialerV1Client(
        "http://127.0.0.1:8443",
        "ci",
        SecretStr("s3cret"),
        transport=emu.transport(),
        clock=time.now,
        sleep=time.sleep,
    )
    async with client as api:
        live = await observe(backend(api))
        plan = build_plan(
            environment="prop",
            spec_digest="sha256:" + "0" * 64,
            desired=world.desired,
            live=live,
            options=PlanOptions(prune=True),
        )
        touched = [c.address for c in plan.changes]
        if not plan.has_changes:
            return None, touched
        run_id = uuid.uuid4().hex[:12]
        apply_run = ApplyRun(
            backend(api),
            plan=plan,
            live=live,
            snapshots=SnapshotStore(state),
            journal_factory=lambda snap_id: Journal.begin(
                state,
                run_id=run_id,
                command="apply",
                plan_digest=plan.digest,
                snapshot_id=snap_id,
                pid=os.getpid(),
            ),
            audit=AuditLog(state.audit_path),
            secrets={TOKEN_ENV: SecretStr(TOKEN)},
            normalizer=Normalizer(),
            options=ApplyOptions(operation_deadline_seconds=DEADLINE_SECONDS),
        )
        for name in edits:  # out of band, after the plan read the versionTags
            if f"Campaign.{name}" in view(emu).bodies:
                emu.edit_campaign(name, {"concurrency": {"call_spacing_ms": 77}})
        return await apply_run.run(), touched


def inject(emu: Emulator, faults: list[tuple[Any, ...]]) -> list[str]:
    """Schedule the faults; returns the campaigns to edit out of band mid-apply."""
    edits = []
    for fault in faults:
        if fault[0] == "fail":
            _, name, partial = fault
            if name == "settings":
                emu.faults.fail_operation(resource_type="settings", partially_applied=partial)
            else:
                emu.faults.fail_operation(name=name, partially_applied=partial)
        elif fault[0] == "hang":
            name = fault[1]
            if name == "settings":
                emu.faults.hang_operation(resource_type="settings")
            else:
                emu.faults.hang_operation(name=name)
        elif fault[0] == "http":
            _, status, count, method = fault
            retry_after = 1 if status == 429 else None
            emu.faults.http_error(
                status, count=count, method=method, path="/api/v1/", retry_after=retry_after
            )
        elif fault[0] == "drop":
            emu.faults.drop_connection(method=fault[1], path="/api/v1/", after_handling=True)
        else:
            edits.append(fault[1])
    return edits


def check_invariant(
    outcome: Outcome,
    touched: list[str],
    before: dict[str, list[Json | None]],
    now: TenantView,
    want: Json,
) -> None:
    """`before[address]`: the bodies that count as its pre-apply content."""
    attention = {r.address for r in outcome.needs_attention}
    for address in touched:
        body = now.bodies.get(address)
        desired = model_json(address, want[address]) if address in want else None
        was = before.get(address, [None])
        if address in attention:
            continue
        assert body == desired or body in was, f"{address}: {body} is neither {desired} nor {was}"
        if outcome.result == "applied":
            assert body == desired, address
        else:
            assert body in was, f"{address} not restored ({outcome.result}): {body} not in {was}"
    if outcome.result == "restore-failed":
        assert attention
    else:
        assert not attention


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios())
def test_random_plans_under_random_faults_keep_the_invariant(
    scenario: tuple[World, list[tuple[Any, ...]]],
) -> None:
    world, faults = scenario
    clock = ManualClock(1_790_000_000.0)
    time = FakeTime(clock)
    emu = Emulator(EmulatorConfig(operation_seconds=2.0), clock, world.live)
    with tempfile.TemporaryDirectory() as tmp:
        state = StateDir(Path(tmp), "prop")
        edits = inject(emu, faults)
        before_edits = view(emu)
        outcome, touched = asyncio.run(apply_once(emu, time, state, world, edits))
        now = view(emu)
        event(f"first apply: {outcome.result if outcome else 'nothing to do'}")
        if outcome is not None:
            # An out-of-band edit is part of the pre-apply content: a write it made stale is
            # refused and leaves it alone. But when a write's answer is lost and the re-read
            # finds the edit, the client cannot tell it from our own write having landed
            # (WriteOutcomeUnknown), and restoring the snapshot taken before the edit is
            # then within the promise too.
            before: dict[str, list[Json | None]] = {a: [b] for a, b in before_edits.bodies.items()}
            for n in edits:
                b = before_edits.bodies.get(f"Campaign.{n}")
                if b is not None:
                    spaced = {**b["concurrency"], "call_spacing_ms": 77}
                    before[f"Campaign.{n}"] = [{**b, "concurrency": spaced}, b]
            check_invariant(outcome, touched, before, now, world.desired_bodies)
            assert not list_unfinished(state)
            assert AuditLog(state.audit_path).verify().ok

        # The faults gone (hung activations resume and end), a second apply converges.
        emu.faults.clear()
        clock.advance(10.0)
        second, _ = asyncio.run(apply_once(emu, time, state, world, []))
        assert second is None or second.result == "applied", second
        final = view(emu)
        want = {a: model_json(a, b) for a, b in world.desired_bodies.items()}
        assert final.bodies == want
        # A write-only token cannot be compared, so it is only sent with a webhook write.
        assert final.tokens[WEBHOOK] in (token_digest(TOKEN), token_digest("old-token"))
