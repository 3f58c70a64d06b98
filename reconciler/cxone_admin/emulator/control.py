"""`/_emulator/...`: faults and out-of-band edits over HTTP, for an emulator in another
process. No auth, no rate limit, not recorded in `requests` (the shared fault middleware
skips this prefix)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute, Route

from reconciler.dialer_v1.emulator.control import json_action, shared_routes

if TYPE_CHECKING:
    from reconciler.cxone_admin.emulator.core import AdminEmulator

FAULT_KINDS = ("http_error", "drop_connection", "latency", "expire_tokens", "clear")


def control_routes(emu: AdminEmulator) -> list[BaseRoute]:
    """The control endpoints, bound to one emulator."""
    post = ["POST"]
    return [
        *shared_routes(emu, FAULT_KINDS),
        Route(
            "/_emulator/edit/block",
            json_action(
                lambda a: emu.edit_block(a["skill"], a["block"], a["changes"], after=a.get("after"))
            ),
            methods=post,
        ),
        Route(
            "/_emulator/skills/running",
            json_action(lambda a: emu.set_running(a["skill"], bool(a["running"]))),
            methods=post,
        ),
        Route(
            "/_emulator/metrics",
            json_action(lambda a: emu.set_metric(a["skill"], a["name"], float(a["value"]))),
            methods=post,
        ),
    ]
