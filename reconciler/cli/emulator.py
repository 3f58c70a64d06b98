"""`reconciler emulator`: serve the local CXone emulator over HTTP until stopped."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.cli.arguments import (
    EMULATOR_OPERATION_SECONDS,
    PER_MINUTE_LIMIT,
    PORT,
    TOKEN_TTL_SECONDS,
)
from reconciler.cxone_admin.emulator.cli_options import (
    add_arguments as add_cxone_admin_arguments,
)
from reconciler.errors import ConfigError
from reconciler.net import is_loopback_host

if TYPE_CHECKING:
    from reconciler.dialer_v1.emulator.server import Servable


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `emulator` sub-command."""
    parser = subparsers.add_parser(
        "emulator",
        help="serve the local CXone emulator (a sandbox tenant on 127.0.0.1)",
        description="Serve an in-memory CXone dialer tenant that follows the API contract. "
        "Without --client-id/--client-secret any credentials are accepted.",
    )
    parser.add_argument(
        "--api",
        choices=("dialer-v1", "cxone-admin"),
        default="dialer-v1",
        help="the modelled dialer API (default) or the real CXone admin API",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=PORT, default=8080, help="port (0: pick a free one)")
    parser.add_argument("--seed", type=Path, help="seed document (YAML or JSON) of the tenant")
    parser.add_argument("--client-id", help="the only client id accepted")
    parser.add_argument("--client-secret", help="the only client secret accepted")
    parser.add_argument(
        "--operation-seconds",
        type=EMULATOR_OPERATION_SECONDS,
        default=0.2,
        help="how long an activation stays IN_PROGRESS",
    )
    parser.add_argument(
        "--write-limit", type=PER_MINUTE_LIMIT, default=100, help="writes per minute"
    )
    parser.add_argument(
        "--read-limit", type=PER_MINUTE_LIMIT, default=1000, help="reads per minute"
    )
    parser.add_argument(
        "--token-ttl", type=TOKEN_TTL_SECONDS, default=3600, help="token lifetime, seconds"
    )
    parser.add_argument(
        "--deliver-webhooks",
        action="store_true",
        help="really POST webhook deliveries (to loopback URLs only)",
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow listening on a non-loopback address"
    )
    add_cxone_admin_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; prints `emulator listening on URL` once ready."""
    from reconciler.dialer_v1.emulator.server import base_url, bind_socket, make_server

    if not is_loopback_host(args.host) and not args.allow_remote:
        raise ConfigError(
            f"refusing to listen on {args.host}: the emulator accepts any credentials",
            hint="use 127.0.0.1, or pass --allow-remote if you really mean it",
        )
    if (args.client_id is None) != (args.client_secret is None):
        raise ConfigError("give both --client-id and --client-secret, or neither")
    try:
        emu = _cxone_admin(args) if args.api == "cxone-admin" else _dialer_v1(args)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot start the emulator: {exc}") from exc
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {exc}") from exc
    server = make_server(emu)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            print(f"emulator listening on {base_url(sock)}", flush=True)
        await task

    # uvicorn installs its own signal handlers inside serve(); ours only cover start-up.
    asyncio.run(serve())
    sock.close()
    return 0 if server.started else 1


def _dialer_v1(args: argparse.Namespace) -> Servable:
    from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig

    config = EmulatorConfig(
        operation_seconds=args.operation_seconds,
        write_limit_per_minute=args.write_limit,
        read_limit_per_minute=args.read_limit,
        token_ttl_seconds=args.token_ttl,
        client_id=args.client_id,
        client_secret=args.client_secret,
        deliver_http=args.deliver_webhooks,
    )
    return Emulator.from_seed_file(args.seed, config) if args.seed else Emulator(config)


def _cxone_admin(args: argparse.Namespace) -> Servable:
    from reconciler.cxone_admin.emulator import AdminEmulator
    from reconciler.cxone_admin.emulator.cli_options import config_from_args

    config = config_from_args(args)
    return AdminEmulator.from_seed_file(args.seed, config) if args.seed else AdminEmulator(config)
