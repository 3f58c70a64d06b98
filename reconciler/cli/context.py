"""The edge: read the environment and the spec once, build the objects commands use.

This is the only module that reads `os.environ` (besides command modules passing it here);
everything below receives values.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from reconciler import __version__
from reconciler.cli.arguments import OPERATION_TIMEOUT
from reconciler.cxone_admin.auth import AccessKeyCredentials
from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.cxone_admin.kinds import CXONE_ADMIN, cxone_admin_api
from reconciler.desired import DesiredState, load_desired_state
from reconciler.desired.models import RateLimits, TenantSpec
from reconciler.dialer_v1.client import ClientOptions, DialerV1Client
from reconciler.dialer_v1.kinds import DIALER_V1
from reconciler.engine.from_specs import secret_envs
from reconciler.engine.workspace import Workspace
from reconciler.errors import ApplyFailed, ConfigError, SpecError
from reconciler.kinds import Backend, CarrierCapacity
from reconciler.state.audit import AuditLog, detect_actor, detect_git_commit
from reconciler.state.layout import StateDir

DEFAULT_STATE_DIR = ".reconciler"
BASE_URL_VARIABLE = "CXONE_BASE_URL"
ISSUER_URL_VARIABLE = "CXONE_ISSUER_URL"
API_URL_VARIABLE = "CXONE_API_URL"


@dataclass(frozen=True)
class Context:
    """What one command invocation works with."""

    spec_dir: Path
    desired: DesiredState
    env: Mapping[str, str]
    command: str

    @property
    def environment(self) -> str:
        return self.desired.environment

    @property
    def base_url(self) -> str:
        """CXONE_BASE_URL, else the Tenant's `base_url`; there is no default host."""
        url = self.env.get(BASE_URL_VARIABLE) or (
            self.desired.tenant.spec.base_url if self.desired.tenant is not None else None
        )
        if not url:
            raise ConfigError(
                f"no API address: set {BASE_URL_VARIABLE} or the Tenant's spec.base_url",
                hint=f"for the local emulator: export {BASE_URL_VARIABLE}=http://127.0.0.1:8080",
            )
        return url

    @property
    def carrier(self) -> CarrierCapacity | None:
        tenant = self.desired.tenant
        if tenant is None or tenant.spec.carrier is None:
            return None
        c = tenant.spec.carrier
        return CarrierCapacity(c.max_trunks, c.current_utilization_percent)

    @property
    def prune(self) -> bool:
        return bool(self.desired.tenant and self.desired.tenant.spec.prune)

    @contextlib.asynccontextmanager
    async def backend(self) -> AsyncIterator[Backend[Any]]:
        """The tenant's API client bound to its kinds (the engine's seam); closed after."""
        if self.desired.api == CXONE_ADMIN.name:
            assert self.desired.tenant is not None
            api = cxone_admin_api(self.desired.tenant.spec.metrics_source)
            async with self.admin_client() as admin:
                yield Backend(api, admin)
            return
        async with self.client() as client:
            yield Backend(DIALER_V1, client)

    def admin_client(self, transport: httpx.AsyncBaseTransport | None = None) -> CxoneAdminClient:
        """A client of a real CXone tenant's admin API (`api: cxone-admin`); `transport`
        replaces the HTTP transport (doctor's recording tap)."""
        tenant = self.desired.tenant
        assert tenant is not None, "api: cxone-admin is chosen by a Tenant document"
        return admin_client_for(tenant.spec, self.env, self.client_options, transport)

    def workspace(self, *, deadline: float, auto_approve: bool) -> Workspace:
        """What a run that writes needs: state directory, secrets, operator, confirmation."""
        state = self.state_dir()
        return Workspace(
            state=state,
            audit=AuditLog(state.audit_path),
            secrets=self.webhook_secrets(),
            secret_envs=secret_envs(self.desired),
            actor=self.actor,
            operation_deadline=deadline,
            say=say_to(sys.stderr),
            confirm=lambda question, verb: confirm(question, verb, auto_approve),
        )

    def client(self) -> DialerV1Client:
        """An API client for the tenant, credentials from the variables the Tenant names."""
        tenant = self.desired.tenant
        id_var = tenant.spec.credentials.client_id_env if tenant else "CXONE_CLIENT_ID"
        secret_var = tenant.spec.credentials.client_secret_env if tenant else "CXONE_CLIENT_SECRET"
        missing = [v for v in (id_var, secret_var) if not self.env.get(v)]
        if missing:
            raise ConfigError(
                f"credentials missing: set {' and '.join(missing)}",
                hint="the Tenant spec's `credentials` names the variables; for the local "
                "emulator any values work",
            )
        return DialerV1Client(
            self.base_url,
            self.env[id_var],
            SecretStr(self.env[secret_var]),
            options=self.client_options,
        )

    @property
    def client_options(self) -> ClientOptions:
        """The client's tuning: the rate limits the Tenant declares, else the contract's."""
        tenant = self.desired.tenant
        declared = tenant.spec.rate_limits if tenant else RateLimits()
        defaults = ClientOptions()
        return ClientOptions(
            command=f"reconciler {self.command}",
            write_limit_per_minute=declared.writes_per_minute or defaults.write_limit_per_minute,
            read_limit_per_minute=declared.reads_per_minute or defaults.read_limit_per_minute,
        )

    def webhook_secrets(self) -> dict[str, SecretStr]:
        """The webhook tokens the specs reference, for the variables that are set."""
        out = {}
        for w in self.desired.webhooks:
            value = self.env.get(w.token_env)
            if value:
                out[w.token_env] = SecretStr(value)
        return out

    def state_dir(self, *, create: bool = True) -> StateDir:
        """The environment's state directory (created unless `create` is false)."""
        root = Path(self.env.get("RECONCILER_STATE_DIR") or DEFAULT_STATE_DIR)
        state = StateDir(root, self.environment)
        if create:
            state.ensure()
        return state

    def audit(self) -> AuditLog:
        return AuditLog(self.state_dir().audit_path)

    @property
    def actor(self) -> str:
        return detect_actor(self.env)

    @property
    def git_commit(self) -> str | None:
        return detect_git_commit(self.spec_dir)


def admin_client_for(
    spec: TenantSpec,
    env: Mapping[str, str],
    options: ClientOptions,
    transport: httpx.AsyncBaseTransport | None = None,
) -> CxoneAdminClient:
    """The admin API client a Tenant spec describes, with the environment's overrides
    (CXONE_ISSUER_URL, CXONE_API_URL) and the credentials from the variables it names."""
    names = spec.credentials
    variables = (
        names.access_key_id_env,
        names.access_key_secret_env,
        names.client_id_env,
        names.client_secret_env,
    )
    missing = [v for v in variables if not env.get(v)]
    if missing:
        raise ConfigError(
            f"credentials missing: set {' and '.join(missing)}",
            hint="an access key (id, secret) and the registered app's client id and "
            "secret; the Tenant spec's `credentials` names the variables",
        )
    key_id, key_secret, client_id, client_secret = (env[v] for v in variables)
    credentials = AccessKeyCredentials(
        key_id, SecretStr(key_secret), client_id, SecretStr(client_secret)
    )
    return CxoneAdminClient(
        credentials,
        issuer_url=env.get(ISSUER_URL_VARIABLE) or spec.issuer_url,
        api_url=env.get(API_URL_VARIABLE) or spec.api_url,
        api_version=spec.api_version,
        options=options,
        transport=transport,
    )


def load_context(spec_dir: str, command: str, env: Mapping[str, str] | None = None) -> Context:
    """Load and validate the specs; print every diagnostic and raise on errors."""
    path = Path(spec_dir)
    try:
        desired = load_desired_state(path)
    except SpecError as exc:
        for d in getattr(exc, "diagnostics", ()):
            print(d.render(), file=sys.stderr)
        raise SpecError(
            "the specs are invalid; nothing was sent to the API",
            hint=f"run `reconciler validate {spec_dir}` for details",
        ) from exc
    return Context(path, desired, dict(os.environ if env is None else env), command)


def now_iso() -> str:
    """The current UTC time, ISO 8601, seconds precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def add_spec_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec_dir", metavar="SPEC_DIR", help="one environment's spec directory")


def add_write_options(parser: argparse.ArgumentParser, *, activation: str) -> None:
    """--auto-approve and --operation-timeout, shared by the commands that write."""
    parser.add_argument(
        "--auto-approve",
        action="store_true",
        help="do not ask for confirmation (required when not interactive)",
    )
    parser.add_argument(
        "--operation-timeout",
        type=OPERATION_TIMEOUT,
        default=300.0,
        metavar="SECONDS",
        help=f"deadline for each {activation} to complete (default 300)",
    )


def colour_enabled(stream: object, env: Mapping[str, str]) -> bool:
    """Colours only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in env and env.get("TERM") != "dumb"


TOOL_VERSION = __version__


def confirm(question: str, verb: str, auto_approve: bool) -> None:
    """Ask on a terminal; refuse without --auto-approve when nobody can answer."""
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ConfigError(
            f"refusing to {verb} without confirmation in a non-interactive session",
            hint="review what it will do, then run again with --auto-approve",
        )
    if input(f"{question} Only 'yes' will be accepted: ").strip() != "yes":
        raise ApplyFailed(f"{verb} cancelled; nothing was written")


def say_to(stream: Any) -> Callable[[str], None]:
    """A progress hook printing one line per event to `stream`."""

    def say(message: str) -> None:
        print(message, file=stream, flush=True)

    return say
