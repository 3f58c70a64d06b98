"""`/_emulator/...`: faults and out-of-band edits over HTTP, for an emulator in another
process. No auth, no rate limit, not recorded in `requests` (the shared fault middleware
skips this prefix)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reconciler.dialer_v1.emulator.clock import ManualClock

if TYPE_CHECKING:
    from reconciler.cxone_admin.emulator.core import AdminEmulator

FAULT_KINDS = ("http_error", "drop_connection", "latency", "expire_tokens", "clear")


def control_routes(emu: AdminEmulator) -> list[BaseRoute]:
    """The control endpoints, bound to one emulator."""

    def action(fn: Callable[[dict[str, Any]], Any]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            try:
                args = json.loads(raw) if raw.strip() else {}
                if not isinstance(args, dict):
                    raise ValueError("the body must be a JSON object of keyword arguments")
                result = fn(args)
            except (ValueError, TypeError, KeyError) as exc:
                return JSONResponse({"error": "invalid_request", "message": str(exc)}, 400)
            return JSONResponse(result if result is not None else {"ok": True})

        return endpoint

    async def fault(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in FAULT_KINDS:
            return JSONResponse({"error": "not_found", "message": f"no fault kind {kind}"}, 404)
        method = getattr(emu.faults, kind)
        return await action(lambda args: method(**args))(request)

    def advance(args: dict[str, Any]) -> Any:
        if not isinstance(emu.clock, ManualClock):
            raise ValueError("the emulator runs on the system clock")
        emu.clock.advance(float(args["seconds"]))
        return {"now": emu.clock.now()}

    async def requests(_: Request) -> Response:
        return JSONResponse([dataclasses.asdict(r) for r in list(emu.requests)])

    async def tenant(_: Request) -> Response:
        return JSONResponse(emu.tenant_json())

    post = ["POST"]
    return [
        Route("/_emulator/faults/{kind}", fault, methods=post),
        Route(
            "/_emulator/edit/block",
            action(
                lambda a: emu.edit_block(a["skill"], a["block"], a["changes"], after=a.get("after"))
            ),
            methods=post,
        ),
        Route(
            "/_emulator/skills/running",
            action(lambda a: emu.set_running(a["skill"], bool(a["running"]))),
            methods=post,
        ),
        Route(
            "/_emulator/metrics",
            action(lambda a: emu.set_metric(a["skill"], a["name"], float(a["value"]))),
            methods=post,
        ),
        Route("/_emulator/clock/advance", action(advance), methods=post),
        Route("/_emulator/requests", requests, methods=["GET"]),
        Route("/_emulator/tenant", tenant, methods=["GET"]),
    ]
