"""`reconciler export --out DIR`: write the live tenant as YAML specs (bootstrap a repo)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from reconciler.cli.context import BASE_URL_VARIABLE
from reconciler.dialer_v1.client import ClientOptions, DialerV1Client
from reconciler.dialer_v1.kinds import DIALER_V1
from reconciler.engine.export import export_files, exported_secret_envs
from reconciler.errors import ConfigError
from reconciler.kinds import Backend
from reconciler.state.atomic import write_atomic

HELP = "write the live tenant as YAML specs, one file per resource (bootstrap a repo)"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help=HELP,
        description=HELP + ". Reads CXONE_BASE_URL, CXONE_CLIENT_ID and "
        "CXONE_CLIENT_SECRET. Webhook tokens are write-only: each becomes a token_from "
        "reference to WEBHOOK_<NAME>_TOKEN.",
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
        "--force", action="store_true", help="overwrite files in a non-empty output directory"
    )
    p.set_defaults(func=run)


async def _export(
    base_url: str, client_id: str, secret: str, environment: str
) -> tuple[dict[str, str], list[str], int]:
    client = DialerV1Client(
        base_url, client_id, SecretStr(secret), options=ClientOptions(command="reconciler export")
    )
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
    return files, exported_secret_envs(live), requests


def run(args: argparse.Namespace) -> int:
    env = os.environ
    missing = [
        v for v in (BASE_URL_VARIABLE, "CXONE_CLIENT_ID", "CXONE_CLIENT_SECRET") if not env.get(v)
    ]
    if missing:
        raise ConfigError(
            f"missing: set {' and '.join(missing)}",
            hint=f"{BASE_URL_VARIABLE} is the dialer API's address (e.g. the emulator's URL)",
        )
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.force:
        existing = {str(p.relative_to(out)) for p in out.rglob("*.yaml")}
        if existing:
            raise ConfigError(
                f"{out} already holds specs; refusing to overwrite them",
                hint="export into an empty directory, or add --force",
            )
    environment = args.environment or out.resolve().name
    files, tokens, requests = asyncio.run(
        _export(
            env[BASE_URL_VARIABLE],
            env["CXONE_CLIENT_ID"],
            env["CXONE_CLIENT_SECRET"],
            environment,
        )
    )
    for rel, text in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
    print(
        f"Exported {len(files)} file(s) to {out} with {requests} API request(s).", file=sys.stderr
    )
    if tokens:
        print(
            "Webhook tokens are write-only; set these before applying: " + ", ".join(tokens),
            file=sys.stderr,
        )
    return 0
