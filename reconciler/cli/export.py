"""`reconciler export --out DIR`: write the live tenant as YAML specs (bootstrap a repo)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from reconciler.cli.arguments import API_VERSION
from reconciler.cli.context import (
    API_URL_VARIABLE,
    BASE_URL_VARIABLE,
    ISSUER_URL_VARIABLE,
    admin_client_for,
)
from reconciler.cxone_admin.defaults import DEFAULT_API_VERSION
from reconciler.cxone_admin.kinds import CXONE_ADMIN
from reconciler.desired.models import Credentials, TenantSpec
from reconciler.dialer_v1.client import ClientOptions, DialerV1Client
from reconciler.dialer_v1.kinds import DIALER_V1
from reconciler.engine.export import export_files, exported_secret_envs, left_out
from reconciler.errors import ConfigError
from reconciler.kinds import Backend
from reconciler.state.atomic import write_atomic

HELP = "write the live tenant as YAML specs, one file per resource (bootstrap a repo)"
OPTIONS = ClientOptions(command="reconciler export")
ADMIN_COMMENT = (
    "# Exported from the live CXone tenant. Add `staffing: {agents: N}` beside a skill's\n"
    "# spec so `simulate` and the plan can predict it, and the DNC groups every skill must\n"
    "# use under compliance.dnc_groups_required.\n"
)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help=HELP,
        description=HELP + ". dialer-v1 reads CXONE_BASE_URL, CXONE_CLIENT_ID and "
        "CXONE_CLIENT_SECRET; webhook tokens are write-only: each becomes a token_from "
        "reference to WEBHOOK_<NAME>_TOKEN. cxone-admin (chosen when CXONE_ISSUER_URL or "
        "CXONE_API_URL is set) reads those and CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET, "
        "CXONE_CLIENT_ID, CXONE_CLIENT_SECRET.",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output directory, e.g. specs/prod (created if missing)",
    )
    p.add_argument(
        "--environment",
        metavar="NAME",
        help="the Tenant's name (default: the output directory's name)",
    )
    p.add_argument(
        "--api",
        choices=("dialer-v1", "cxone-admin"),
        help="the API to read (default: cxone-admin when CXONE_ISSUER_URL or CXONE_API_URL "
        "is set, else dialer-v1)",
    )
    p.add_argument(
        "--api-version",
        type=API_VERSION,
        default=DEFAULT_API_VERSION,
        metavar="N",
        help=f"cxone-admin: the API version to read (default {DEFAULT_API_VERSION})",
    )
    p.add_argument(
        "--force", action="store_true", help="overwrite files in a non-empty output directory"
    )
    p.set_defaults(func=run)


@dataclass(frozen=True)
class Exported:
    """The files of an export and what the user is told about them."""

    files: dict[str, str]
    requests: int
    secret_envs: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def chosen_api(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """--api, else the API the environment's variables point at."""
    if args.api:
        return str(args.api)
    admin = [v for v in (ISSUER_URL_VARIABLE, API_URL_VARIABLE) if env.get(v)]
    if admin and env.get(BASE_URL_VARIABLE):
        raise ConfigError(
            f"both {BASE_URL_VARIABLE} (dialer-v1) and {' and '.join(admin)} (cxone-admin) are "
            "set: which tenant to export is not clear",
            hint="add --api dialer-v1 or --api cxone-admin",
        )
    return "cxone-admin" if admin else "dialer-v1"


async def export_dialer_v1(env: Mapping[str, str], environment: str) -> Exported:
    """The modelled dialer API's tenant at CXONE_BASE_URL."""
    missing = [
        v for v in (BASE_URL_VARIABLE, "CXONE_CLIENT_ID", "CXONE_CLIENT_SECRET") if not env.get(v)
    ]
    if missing:
        raise ConfigError(
            f"missing: set {' and '.join(missing)}",
            hint=f"{BASE_URL_VARIABLE} is the dialer API's address (e.g. the emulator's URL)",
        )
    base_url = env[BASE_URL_VARIABLE]
    secret = SecretStr(env["CXONE_CLIENT_SECRET"])
    client = DialerV1Client(base_url, env["CXONE_CLIENT_ID"], secret, options=OPTIONS)
    async with client:
        live = await Backend(DIALER_V1, client).observe()
        requests = client.stats.requests + client.stats.token_requests
    tenant_spec = {
        "base_url": base_url,
        "credentials": {
            "client_id_env": "CXONE_CLIENT_ID",
            "client_secret_env": "CXONE_CLIENT_SECRET",
        },
        "compliance": {"jurisdiction": "US"},
        "prune": False,
    }
    files = export_files(live, environment=environment, tenant_spec=tenant_spec)
    return Exported(files, requests, exported_secret_envs(live))


async def export_cxone_admin(
    env: Mapping[str, str], environment: str, api_version: int
) -> Exported:
    """A real CXone tenant: its PC skills (every block a spec can hold) and DNC groups."""
    spec = TenantSpec(api="cxone-admin", api_version=api_version)
    async with admin_client_for(spec, env, OPTIONS) as client:
        live = await Backend(CXONE_ADMIN, client).observe()
        requests = client.stats.requests
    names = Credentials()
    tenant_spec: dict[str, Any] = {
        "api": "cxone-admin",
        "issuer_url": env.get(ISSUER_URL_VARIABLE) or spec.issuer_url,
    }
    if env.get(API_URL_VARIABLE):
        tenant_spec["api_url"] = env[API_URL_VARIABLE]
    tenant_spec |= {
        "api_version": api_version,
        "credentials": {
            "access_key_id_env": names.access_key_id_env,
            "access_key_secret_env": names.access_key_secret_env,
            "client_id_env": names.client_id_env,
            "client_secret_env": names.client_secret_env,
        },
        "compliance": {"jurisdiction": "US"},
        "prune": False,
    }
    files = export_files(
        live, environment=environment, tenant_spec=tenant_spec, comment=ADMIN_COMMENT
    )
    return Exported(files, requests, left_out=left_out(live))


def _refuse_overwrite(out: Path, force: bool) -> None:
    if out.exists() and any(out.iterdir()) and not force:
        existing = {str(p.relative_to(out)) for p in out.rglob("*.yaml")}
        if existing:
            raise ConfigError(
                f"{out} already holds specs; refusing to overwrite them",
                hint="export into an empty directory, or add --force",
            )


def run(args: argparse.Namespace) -> int:
    env = os.environ
    api = chosen_api(args, env)
    out = Path(args.out)
    _refuse_overwrite(out, args.force)
    environment = args.environment or out.resolve().name
    if api == "cxone-admin":
        exported = asyncio.run(export_cxone_admin(env, environment, int(args.api_version)))
    else:
        exported = asyncio.run(export_dialer_v1(env, environment))
    for rel, text in sorted(exported.files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
    print(
        f"Exported {len(exported.files)} file(s) to {out} with {exported.requests} API request(s).",
        file=sys.stderr,
    )
    if exported.secret_envs:
        print(
            "Webhook tokens are write-only; set these before applying: "
            + ", ".join(exported.secret_envs),
            file=sys.stderr,
        )
    if exported.left_out:
        print("Left out of the specs (the tenant keeps these values):", file=sys.stderr)
        for note in exported.left_out:
            print(f"  {note}", file=sys.stderr)
    return 0
