"""SnapshotStore: round trip, ordering, last-known-good, secret refusal, corruption."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.errors import StateError
from reconciler.state.layout import StateDir
from reconciler.state.snapshots import SnapshotResource, SnapshotStore

from .conftest import FakeClock


def campaign(name: str, dial_ratio: float = 3.0) -> SnapshotResource:
    body = {"name": name, "algorithm": {"mode": "predictive", "dial_ratio": dial_ratio}}
    return SnapshotResource("Campaign", name, f"c-{name}", True, "v-1", body)


RESOURCES = [
    campaign("Zeta"),
    SnapshotResource("DialerSettings", "settings", None, True, "v-9", {"maxLines": 10}),
    SnapshotResource("Webhook", "wfm", None, False, None, None),
    campaign("Alpha"),
]


def test_round_trip(state: StateDir, clock: FakeClock) -> None:
    store = SnapshotStore(state, clock=clock)
    saved = store.save("prod", "pre-apply", RESOURCES, plan_digest="sha256:ab", git_commit="f00")
    assert saved.id.startswith("20261124T051500Z-")
    assert len(saved.id.split("-")[1]) == 6
    assert saved.created_at == "2026-11-24T05:15:00.000000Z"
    assert [(r.kind, r.name) for r in saved.resources] == [
        ("Campaign", "Alpha"),
        ("Campaign", "Zeta"),
        ("DialerSettings", "settings"),
        ("Webhook", "wfm"),
    ]
    loaded = store.load(saved.id)
    assert loaded == saved
    assert loaded.resource("Campaign", "Zeta") == campaign("Zeta")
    assert loaded.resource("Webhook", "wfm") is not None
    assert loaded.resource("Campaign", "Missing") is None
    # Written canonically, with no temporary file left behind.
    files = sorted(p.name for p in state.snapshots_dir.iterdir())
    assert files == [f"{saved.id}.json"]


def test_list_is_oldest_first_and_lkg_pointer(state: StateDir, clock: FakeClock) -> None:
    store = SnapshotStore(state, clock=clock)
    assert store.list() == []
    assert store.last_known_good() is None
    first = store.save("prod", "pre-apply", [campaign("A", 1.0)])
    second = store.save("prod", "applied", [campaign("A", 2.0)])
    assert [s.id for s in store.list()] == [first.id, second.id]
    store.mark_last_known_good(second.id)
    assert store.last_known_good() == second
    store.mark_last_known_good(first.id)
    assert store.last_known_good() == first


def test_same_second_snapshots_get_distinct_ids(state: StateDir) -> None:
    frozen = FakeClock()
    store = SnapshotStore(state, clock=lambda: frozen.now)
    first = store.save("prod", "pre-apply", [campaign("A", 1.0)])
    second = store.save("prod", "applied", [campaign("A", 2.0)])
    assert first.id != second.id
    assert {s.id for s in store.list()} == {first.id, second.id}


@pytest.mark.parametrize(
    "body",
    [
        {"auth": {"type": "bearer", "token": "(sensitive)"}},
        {"nested": [{"Client_Secret": "x"}]},
        {"accessToken": "abc"},
        {"headers": {"AUTHORIZATION": "Bearer abc"}},
    ],
)
def test_secret_fields_are_refused(state: StateDir, body: dict[str, Any]) -> None:
    store = SnapshotStore(state)
    resource = SnapshotResource("Webhook", "wfm", "w-1", True, "v-1", body)
    with pytest.raises(StateError, match="carries a secret field"):
        store.save("prod", "pre-apply", [resource])
    assert not state.snapshots_dir.exists() or list(state.snapshots_dir.iterdir()) == []


def test_webhook_without_token_is_accepted(state: StateDir) -> None:
    body = {"name": "wfm", "auth": {"type": "bearer"}, "token_ttl_hint": 5}
    resource = SnapshotResource("Webhook", "wfm", "w-1", True, "v-1", body)
    saved = SnapshotStore(state).save("prod", "pre-apply", [resource])
    assert SnapshotStore(state).load(saved.id).resources[0].body == body


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ([campaign("A"), campaign("A")], "listed twice"),
        ([SnapshotResource("Tenant", "t", None, True, None, {})], "unknown kind"),
        ([SnapshotResource("Campaign", "A", None, True, None, None)], "present=True but no"),
        ([SnapshotResource("Campaign", "A", None, False, None, {})], "present=False but a"),
    ],
)
def test_inconsistent_resources_are_refused(
    state: StateDir, resources: list[SnapshotResource], message: str
) -> None:
    with pytest.raises(StateError, match=message):
        SnapshotStore(state).save("prod", "pre-apply", resources)


def test_other_environment_is_refused(state: StateDir) -> None:
    with pytest.raises(StateError, match="environment 'staging' refused"):
        SnapshotStore(state).save("staging", "pre-apply", [campaign("A")])


def test_unknown_snapshot(state: StateDir) -> None:
    store = SnapshotStore(state)
    with pytest.raises(StateError, match="no snapshot '20990101T000000Z-abcdef'"):
        store.load("20990101T000000Z-abcdef")
    with pytest.raises(StateError, match="no snapshot"):
        store.load("../../etc/passwd")
    with pytest.raises(StateError, match="no snapshot"):
        store.mark_last_known_good("nope")


def test_truncated_file_is_reported_by_name(state: StateDir, clock: FakeClock) -> None:
    store = SnapshotStore(state, clock=clock)
    saved = store.save("prod", "pre-apply", [campaign("A")])
    path = state.snapshots_dir / f"{saved.id}.json"
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(StateError, match=f"snapshot file .*{saved.id}.json is corrupt"):
        store.load(saved.id)
    with pytest.raises(StateError, match="is corrupt"):
        store.list()


def test_edited_file_fails_its_digest(state: StateDir, clock: FakeClock) -> None:
    store = SnapshotStore(state, clock=clock)
    saved = store.save("prod", "pre-apply", [campaign("A", 3.0)])
    path = state.snapshots_dir / f"{saved.id}.json"
    raw = json.loads(path.read_text())
    raw["resources"][0]["body"]["algorithm"]["dial_ratio"] = 9.0
    path.write_text(json.dumps(raw))
    with pytest.raises(StateError, match="does not match its digest"):
        store.load(saved.id)


def test_corrupt_last_known_good_pointer(state: StateDir, clock: FakeClock) -> None:
    store = SnapshotStore(state, clock=clock)
    store.mark_last_known_good(store.save("prod", "applied", [campaign("A")]).id)
    state.last_known_good_path.write_text("{not json")
    with pytest.raises(StateError, match=r"last-known-good pointer .* is corrupt"):
        store.last_known_good()
