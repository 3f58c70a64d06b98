"""Entry point: parse arguments, dispatch to a command module, map errors to exit codes.

Each command lives in its own module under `reconciler/cli/` exposing
`register(subparsers) -> None`, which adds its sub-parser and sets `func=run`,
where `run(args: argparse.Namespace) -> int` returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence

from reconciler import __version__
from reconciler.errors import ReconcilerError

# Order is the order of `reconciler --help`.
COMMAND_MODULES: tuple[str, ...] = (
    "validate",
    "plan",
    "show",
    "apply",
    "drift",
    "rollback",
    "snapshots",
    "audit",
    "doctor",
    "simulate",
    "metrics",
    "export",
    "emulator",
    "demo",
    "ci",
)

# One table maps error classes to exit codes (first match wins; subclasses first).
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = ((ReconcilerError, 1),)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with `only`, just that sub-command (fast start: no other imports)."""
    parser = argparse.ArgumentParser(
        prog="reconciler",
        description="GitOps for contact-center outbound dialers: validate, plan, apply, "
        "roll back and watch a dialer tenant from YAML specs.",
    )
    parser.add_argument("--version", action="version", version=f"reconciler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES if only is None else (only,):
        module = importlib.import_module(f"reconciler.cli.{name}")
        module.register(sub)
    return parser


def exit_code_for(exc: BaseException) -> int:
    """The exit code for an error raised by a command."""
    if isinstance(exc, ReconcilerError):
        return exc.exit_code
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; never lets a traceback reach the user for errors we expect."""
    # httpcore's connection attempts to a refused port leave a coroutine unawaited when the
    # loop closes; the user already got a clean "connection failed" error, not this noise.
    warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(first if first in COMMAND_MODULES else None)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:
        # --help and --version exit 0; a usage error exits 1, never 2: exit 2 means
        # "changes" (plan --detailed-exitcode) or "drift" to the pipelines that call us.
        return 0 if exc.code in (0, None) else 1
    try:
        code: int = args.func(args)
    except ReconcilerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: still no traceback unless asked for
        if os.environ.get("RECONCILER_DEBUG"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc}\n  hint: this is a bug in "
            "reconciler; rerun with RECONCILER_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return 1
    return code
