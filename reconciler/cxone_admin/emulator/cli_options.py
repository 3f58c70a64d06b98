"""The switches of `reconciler emulator --api cxone-admin`, one flag per config field."""

from __future__ import annotations

import argparse

from reconciler.cxone_admin.emulator.config import AdminEmulatorConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the cxone-admin switches (ignored with --api dialer-v1)."""
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
    group.add_argument("--api-read-limit", type=int, help="reads per minute (default: none)")
    group.add_argument("--api-write-limit", type=int, help="writes per minute (default: none)")
    group.add_argument("--retry-after", action="store_true", help="a 429 says Retry-After")
    group.add_argument("--start-stop-seconds", type=float, default=2.0)
    group.add_argument("--skill-get", choices=("flat", "wrapped"), default="flat")
    group.add_argument("--schedule-day", choices=("name", "lower", "number"), default="name")
    group.add_argument("--time-zones-get", choices=("wrapped", "list"), default="wrapped")
    group.add_argument("--total-records", choices=("number", "string", "absent"), default="number")
    group.add_argument("--top-cap", type=int, default=100, help="largest page (0: no cap)")
    group.add_argument("--tenant-id", help="the tenant id tokens carry")


def config_from_args(args: argparse.Namespace) -> AdminEmulatorConfig:
    """The emulator's config from parsed arguments (ValueError when inconsistent)."""
    extra = {"tenant_id": args.tenant_id} if args.tenant_id else {}
    return AdminEmulatorConfig(
        put_semantics=args.put_semantics,
        put_answer=args.put_answer,
        error_body=args.error_body,
        case_insensitive=not args.case_sensitive,
        read_limit_per_minute=args.api_read_limit,
        write_limit_per_minute=args.api_write_limit,
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
