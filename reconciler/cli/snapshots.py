"""`reconciler snapshots`: list the snapshots, marking the last-known-good."""

from __future__ import annotations

import argparse
from typing import Any

from reconciler.cli.context import add_spec_dir, load_context
from reconciler.state.snapshots import SnapshotStore

HELP = "list the snapshots in the state directory, marking the last-known-good"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("snapshots", help=HELP, description=HELP + ".")
    add_spec_dir(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "snapshots")
    store = SnapshotStore(ctx.state_dir())
    lkg = store.last_known_good()
    snaps = store.list()
    if not snaps:
        print(f'No snapshots for "{ctx.environment}" yet (they are written by apply).')
        return 0
    print(f"{'':2}{'SNAPSHOT':<34} {'REASON':<12} {'CREATED':<22} RESOURCES")
    for s in snaps:
        mark = "* " if lkg is not None and s.id == lkg.id else "  "
        print(f"{mark}{s.id:<34} {s.reason:<12} {s.created_at:<22} {len(s.resources)}")
    print("* last-known-good")
    return 0
