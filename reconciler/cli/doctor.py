"""`reconciler doctor SPEC_DIR`: can this CXone tenant be managed, and how does it behave?"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from reconciler.cli.context import Context, add_spec_dir, load_context
from reconciler.cxone_admin.doctor import DoctorInput, DoctorReport, diagnose
from reconciler.cxone_admin.tap import Tap
from reconciler.engine.doctor import doctor_input
from reconciler.render.doctor import render_doctor_json, render_doctor_text

HELP = "check, read-only, that a real CXone tenant (api: cxone-admin) can be managed"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "doctor",
        help=HELP,
        description=HELP + ": credentials, discovery, API version, business unit, every "
        "PC skill's blocks, DNC groups, the skills the specs name, metrics; and what the "
        "tenant's answers settle about the API. Only GETs (and the token request) are sent. "
        "Exit 0 when the tenant can be managed, 1 when not.",
    )
    add_spec_dir(p)
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default), or json: a report to attach to an issue",
    )
    p.set_defaults(func=run)


async def examine(ctx: Context, wanted: DoctorInput) -> DoctorReport:
    """Every check, through a client whose transport keeps the raw answers."""
    tap = Tap()
    async with ctx.admin_client(transport=tap) as client:
        return await diagnose(client, tap, wanted)


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "doctor")
    report = asyncio.run(examine(ctx, doctor_input(ctx.desired)))
    render = render_doctor_json if args.format == "json" else render_doctor_text
    sys.stdout.write(render(report))
    return 0 if report.manageable else 1
