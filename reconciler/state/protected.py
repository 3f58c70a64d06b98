"""The protections remembered from the last successful apply (`protect: true`).

Terraform's `prevent_destroy` lives in the configuration, so deleting the resource block
deletes the protection with it. Here the last successful apply writes the protected
resources to `protected.json` in the state directory (atomically), and the next apply
refuses to prune any of them without `--allow-large-change`, whatever the specs say now:
removing a document never lifts its protection silently.

No file means no successful apply was recorded here: nothing is known to be protected
(a plan run without the state directory says so).
"""

from __future__ import annotations

import json

from reconciler.errors import StateError
from reconciler.kinds import ResourceAddress
from reconciler.state.atomic import canonical_json, write_atomic
from reconciler.state.clock import WallClock, format_timestamp, utc_now
from reconciler.state.layout import StateDir

FORMAT_VERSION = 1


def load_protected(state: StateDir) -> frozenset[ResourceAddress] | None:
    """The resources protected at the last successful apply; None when none was recorded."""
    path = state.protected_path
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"format_version {FORMAT_VERSION} expected")
        return frozenset(ResourceAddress(str(r["kind"]), str(r["name"])) for r in raw["protected"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StateError(
            f"the protection record {path} is corrupt: {exc}",
            hint="restore it from the state artifact or a backup; deleting it forgets every "
            "protection recorded at the last apply",
        ) from exc


def save_protected(
    state: StateDir,
    protected: frozenset[ResourceAddress],
    *,
    plan_digest: str | None,
    clock: WallClock = utc_now,
) -> None:
    """Record the protections of a successful apply (atomically)."""
    record = {
        "format_version": FORMAT_VERSION,
        "recorded_at": format_timestamp(clock()),
        "plan_digest": plan_digest,
        "protected": [{"kind": a.kind, "name": a.name} for a in sorted(protected)],
    }
    state.ensure()
    write_atomic(state.protected_path, canonical_json(record) + b"\n")
