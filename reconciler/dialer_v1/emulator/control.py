"""`/_emulator/...`: the fault and edit API over HTTP, for an emulator in another process.

No auth, not rate-limited, not recorded in `emu.requests`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reconciler.dialer_v1.emulator.bodies import InvalidBody
from reconciler.dialer_v1.emulator.clock import EmulatorClock, ManualClock
from reconciler.dialer_v1.emulator.faults import Faults
from reconciler.dialer_v1.emulator.records import RequestRecord

if TYPE_CHECKING:
    from reconciler.dialer_v1.emulator.core import Emulator

FAULT_KINDS = (
    "http_error",
    "drop_connection",
    "latency",
    "replace_body",
    "page_token",
    "fail_operation",
    "hang_operation",
    "expire_tokens",
    "clear",
)


Action = Callable[[dict[str, Any]], Any]


def json_action(fn: Action) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint calling `fn` with the JSON object of the request as keyword arguments;
    a bad body or a refused argument is a 400 naming why."""

    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            args = json.loads(raw) if raw.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("the body must be a JSON object of keyword arguments")
            result = fn(args)
        except InvalidBody as exc:
            return JSONResponse({"error": "invalid_request", "details": exc.details}, 400)
        except (ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": "invalid_request", "message": str(exc)}, 400)
        return JSONResponse(result if result is not None else {"ok": True})

    return endpoint


class ControlHost(Protocol):
    """What the shared control routes need of an emulator (either API's)."""

    @property
    def faults(self) -> Faults: ...

    @property
    def clock(self) -> EmulatorClock: ...

    @property
    def requests(self) -> list[RequestRecord]: ...

    def tenant_json(self) -> dict[str, Any]: ...


def shared_routes(emu: ControlHost, fault_kinds: tuple[str, ...]) -> list[BaseRoute]:
    """Faults, the manual clock, the request record and the tenant: every emulator's."""

    async def fault(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in fault_kinds:
            return JSONResponse({"error": "not_found", "message": f"no fault kind {kind}"}, 404)
        method = getattr(emu.faults, kind)
        return await json_action(lambda args: method(**args))(request)

    def advance(args: dict[str, Any]) -> Any:
        if not isinstance(emu.clock, ManualClock):
            raise ValueError("the emulator runs on the system clock")
        emu.clock.advance(float(args["seconds"]))
        return {"now": emu.clock.now()}

    async def requests(_: Request) -> Response:
        return JSONResponse([dataclasses.asdict(r) for r in list(emu.requests)])

    async def tenant(_: Request) -> Response:
        return JSONResponse(emu.tenant_json())

    return [
        Route("/_emulator/faults/{kind}", fault, methods=["POST"]),
        Route("/_emulator/clock/advance", json_action(advance), methods=["POST"]),
        Route("/_emulator/requests", requests, methods=["GET"]),
        Route("/_emulator/tenant", tenant, methods=["GET"]),
    ]


def control_routes(emu: Emulator) -> list[BaseRoute]:
    """The control endpoints, bound to one emulator."""
    action = json_action

    async def deliveries(_: Request) -> Response:
        return JSONResponse([dataclasses.asdict(d) for d in list(emu.deliveries)])

    post = ["POST"]
    return [
        *shared_routes(emu, FAULT_KINDS),
        Route(
            "/_emulator/edit/settings",
            action(lambda a: emu.edit_settings(a["changes"])),
            methods=post,
        ),
        Route(
            "/_emulator/edit/campaign",
            action(lambda a: emu.edit_campaign(a["name"], a["changes"])),
            methods=post,
        ),
        Route(
            "/_emulator/edit/webhook",
            action(lambda a: emu.edit_webhook(a["name"], a["changes"])),
            methods=post,
        ),
        Route(
            "/_emulator/campaigns",
            action(lambda a: {"id": emu.add_campaign(a["body"])}),
            methods=post,
        ),
        Route(
            "/_emulator/campaigns/remove",
            action(lambda a: emu.remove_campaign(a["name"])),
            methods=post,
        ),
        Route(
            "/_emulator/webhooks",
            action(lambda a: {"id": emu.add_webhook(a["body"])}),
            methods=post,
        ),
        Route("/_emulator/metrics", action(lambda a: emu.set_metric(**a)), methods=post),
        Route("/_emulator/deliveries", deliveries, methods=["GET"]),
    ]
