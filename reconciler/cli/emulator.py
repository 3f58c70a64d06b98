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
    TOP_CAP,
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
        "--write-limit",
        type=PER_MINUTE_LIMIT,
        help="writes per minute (dialer-v1: default 100, the contract's; cxone-admin: none)",
    )
    parser.add_argument(
        "--read-limit",
        type=PER_MINUTE_LIMIT,
        help="reads per minute (dialer-v1: default 1000; cxone-admin: none)",
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
    _add_cxone_admin_arguments(parser)
    parser.set_defaults(func=run)


def _add_cxone_admin_arguments(parser: argparse.ArgumentParser) -> None:
    """The switches of `--api cxone-admin`: one per behaviour the public record leaves open."""
    group = parser.add_argument_group(
        "--api cxone-admin", "behaviours of a real tenant the public record leaves open"
    )
    group.add_argument("--access-key-id", help="the only access key id accepted")
    group.add_argument("--access-key-secret", help="the only access key secret accepted")
    group.add_argument("--put-semantics", choices=("merge", "replace"), default="merge")
    group.add_argument(
        "--put-answer", choices=("empty", "object"), default="empty", help="a PUT's 200 body"
    )
    group.add_argument(
        "--error-body",
        choices=("object", "bare"),
        default="object",
        help="{error, errorDescription} or a bare code",
    )
    group.add_argument("--case-sensitive", action="store_true", help="bind JSON keys exactly")
    group.add_argument("--retry-after", action="store_true", help="a 429 says Retry-After")
    group.add_argument(
        "--start-stop-seconds",
        type=EMULATOR_OPERATION_SECONDS,
        default=2.0,
        help="how long after a start or stop isRunning flips",
    )
    group.add_argument("--skill-get", choices=("flat", "wrapped"), default="flat")
    group.add_argument("--schedule-day", choices=("name", "lower", "number"), default="name")
    group.add_argument("--time-zones-get", choices=("wrapped", "list"), default="wrapped")
    group.add_argument("--total-records", choices=("number", "string", "absent"), default="number")
    group.add_argument("--top-cap", type=TOP_CAP, default=100, help="the largest page (0: no cap)")
    group.add_argument("--tenant-id", help="the tenant id tokens carry")


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
        write_limit_per_minute=args.write_limit or 100,
        read_limit_per_minute=args.read_limit or 1000,
        token_ttl_seconds=args.token_ttl,
        client_id=args.client_id,
        client_secret=args.client_secret,
        deliver_http=args.deliver_webhooks,
    )
    return Emulator.from_seed_file(args.seed, config) if args.seed else Emulator(config)


def _cxone_admin(args: argparse.Namespace) -> Servable:
    from reconciler.cxone_admin.emulator import AdminEmulator, AdminEmulatorConfig

    extra = {"tenant_id": args.tenant_id} if args.tenant_id else {}
    config = AdminEmulatorConfig(
        put_semantics=args.put_semantics,
        put_answer=args.put_answer,
        error_body=args.error_body,
        case_insensitive=not args.case_sensitive,
        read_limit_per_minute=args.read_limit,
        write_limit_per_minute=args.write_limit,
        retry_after=args.retry_after,
        start_stop_seconds=args.start_stop_seconds,
        skill_get=args.skill_get,
        schedule_day=args.schedule_day,
        time_zones_get=args.time_zones_get,
        total_records=args.total_records,
        top_cap=args.top_cap or None,
        access_key_id=args.access_key_id,
        access_key_secret=args.access_key_secret,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_ttl_seconds=args.token_ttl,
        **extra,
    )
    return AdminEmulator.from_seed_file(args.seed, config) if args.seed else AdminEmulator(config)
