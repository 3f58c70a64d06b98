"""`AdminEmulator`: one in-memory CXone tenant (issuer, discovery and admin API on one port).

The request-level fault machinery, the clock, the server runner and the request records
are the dialer-v1 emulator's (`reconciler/dialer_v1/emulator/`), shared as they are; this
module adds what differs: the issuer, the tenant, the switches of `config.py`.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.cxone_admin.emulator import issuer as issuing
from reconciler.cxone_admin.emulator.answers import (
    CODES,
    AdminProblem,
    problem_body,
    problem_response,
)
from reconciler.cxone_admin.emulator.config import AdminEmulatorConfig
from reconciler.cxone_admin.emulator.control import control_routes
from reconciler.cxone_admin.emulator.routes import api_routes
from reconciler.cxone_admin.emulator.seed import default_seed, load_seed_file
from reconciler.cxone_admin.emulator.tenant import EditMoment, Tenant
from reconciler.dialer_v1.emulator.access import RateLimiter
from reconciler.dialer_v1.emulator.clock import EmulatorClock, SystemClock
from reconciler.dialer_v1.emulator.config import EmulatorConfig
from reconciler.dialer_v1.emulator.faults import Faults, RequestFault
from reconciler.dialer_v1.emulator.middleware import FaultMiddleware
from reconciler.dialer_v1.emulator.records import RequestRecord

JsonDict = dict[str, Any]
_UNLIMITED = 10**9


class AdminEmulator:
    """An emulated tenant: `app` serves issuer, discovery and API; `faults` scripts trouble."""

    def __init__(
        self,
        config: AdminEmulatorConfig | None = None,
        clock: EmulatorClock | None = None,
        seed: JsonDict | None = None,
    ) -> None:
        self.config = config or AdminEmulatorConfig()
        self.clock: EmulatorClock = clock or SystemClock()
        self.issuer = issuing.Issuer(self.config, self.clock)
        self.faults = Faults(self.issuer.expire_all, self._drop_pending_edits)
        self._limiter = self._rate_limiter()
        self.tenant = Tenant(
            copy.deepcopy(seed) if seed is not None else default_seed(),
            clock=self.clock,
            config=self.config,
        )
        self._lock = threading.Lock()
        self.requests: list[RequestRecord] = []
        self.app = Starlette(
            routes=[
                Route("/auth/token", self._token, methods=["POST"]),
                Route("/.well-known/cxone-configuration", self._discovery, methods=["GET"]),
                *api_routes(self),
                *control_routes(self),
            ],
            middleware=[Middleware(FaultMiddleware, emu=self, render_error=self.render_fault)],
            exception_handlers={HTTPException: self._http_exception},
        )

    @classmethod
    def from_seed_file(cls, path: Path, config: AdminEmulatorConfig | None = None) -> AdminEmulator:
        """An emulator seeded from a YAML or JSON seed document."""
        return cls(config, seed=load_seed_file(path))

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport into the app (no sockets); dropped connections raise like one."""
        from reconciler.dialer_v1.emulator.server import EmulatorTransport

        return EmulatorTransport(self.app)

    # --- what tests and the control API change --------------------------------------------

    def edit_block(
        self, skill_name: str, block: str, changes: Any, *, after: EditMoment | None = None
    ) -> None:
        """Another admin edits a block: now, or just after our next read or write of it."""
        if after is None:
            self.tenant.tick()
            self.tenant.edit_block(skill_name, block, changes)
        else:
            self.tenant.edit_block_later(skill_name, block, changes, after)

    def _drop_pending_edits(self) -> None:
        """`faults.clear()` also forgets out-of-band edits still waiting for a read or write."""
        with self.tenant.lock:
            self.tenant.pending.clear()

    def set_running(self, skill_name: str, running: bool) -> None:
        """Start or stop a skill at once (someone used the console)."""
        with self.tenant.lock:
            state = self.tenant.by_name(skill_name)
            state.record["isRunning"] = running
            state.run_target = None

    def set_metric(self, skill_name: str, name: str, value: float) -> None:
        """Every dialer-contacts interval of that skill reports `value` for `name`."""
        with self.tenant.lock:
            skill_id = self.tenant.by_name(skill_name).id
            self.tenant.metric_overrides.setdefault(skill_id, {})[name] = value

    def block(self, skill_name: str, block: str) -> Any:
        """A block as stored (the PUT form), for tests."""
        with self.tenant.lock:
            return copy.deepcopy(self.tenant.block_values(self.tenant.by_name(skill_name), block))

    def tenant_json(self) -> JsonDict:
        """The whole tenant: business unit, skills with their blocks, DNC groups and links."""
        tenant = self.tenant
        tenant.tick()
        with tenant.lock:
            skills = []
            for _, state in sorted(tenant.skills.items()):
                entry: JsonDict = {"skill": dict(state.record)}
                if state.is_pc:
                    entry["parameters"] = {n: tenant.block_values(state, n) for n in state.blocks}
                    entry["parameters"]["timeZoneSettings"] = tenant.block_values(
                        state, "timeZoneSettings"
                    )
                    entry["writeOnly"] = copy.deepcopy(state.write_only)
                skills.append(entry)
            groups = [
                {**g, "scrubbedSkills": sorted(tenant.dnc.links[g["dncGroupId"]])}
                for g in tenant.dnc.listing()
            ]
            return copy.deepcopy(
                {"businessUnit": tenant.business_unit, "skills": skills, "dncGroups": groups}
            )

    # --- plumbing the shared middleware and the routes call --------------------------------

    def record_request(self, record: RequestRecord) -> None:
        """Append to `requests` (called by the middleware)."""
        with self._lock:
            self.requests.append(record)

    def after_request(self) -> None:
        """Nothing runs in the background of this API."""

    def render_fault(self, rule: RequestFault) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """An injected error in this API's dialect (Retry-After only when the rule says)."""
        raw, content_type = problem_body(
            rule.status, f"injected fault: HTTP {rule.status}", self.config.error_body
        )
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(raw)).encode()),
        ]
        if rule.retry_after is not None:
            headers.append((b"retry-after", str(rule.retry_after).encode()))
        return rule.status, headers, raw

    def take_rate(self, write: bool, headers: dict[str, str]) -> None:
        """Count one API call; 429 when its window is full (Retry-After only when switched on)."""
        if self._limiter is None:
            return
        decision = self._limiter.take("write" if write else "read")
        if not decision.allowed:
            if self.config.retry_after:
                headers["Retry-After"] = str(decision.reset_seconds)
            raise AdminProblem(429, "Too many requests")

    def _rate_limiter(self) -> RateLimiter | None:
        reads, writes = self.config.read_limit_per_minute, self.config.write_limit_per_minute
        if reads is None and writes is None:
            return None
        limits = EmulatorConfig(
            read_limit_per_minute=reads or _UNLIMITED, write_limit_per_minute=writes or _UNLIMITED
        )
        return RateLimiter(limits, self.clock)

    async def _token(self, request: Request) -> Response:
        return await issuing.token_endpoint(self.issuer, request)

    async def _discovery(self, request: Request) -> Response:
        return issuing.discovery(self.config, request)

    async def _http_exception(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        description = "Not Found" if exc.status_code == 404 else str(exc.detail)
        code = CODES.get(exc.status_code)
        return problem_response(
            AdminProblem(exc.status_code, description, code), self.config.error_body
        )
