"""`reconciler validate SPEC_DIR`: offline validation, every problem reported; no network."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from reconciler.desired import Diagnostic, validate_spec_dir
from reconciler.desired.diagnostics import errors_of, warnings_of

FORMATS = ("text", "json", "github")


def register(subparsers: Any) -> None:
    """Add the `validate` sub-command."""
    parser = subparsers.add_parser(
        "validate",
        help="check a spec directory offline (schema, semantics, regulation, capacity)",
        description="Check SPEC_DIR offline: schema, cross-document, regulatory and"
        " carrier-capacity rules. Exit 0 when there is no error (warnings allowed), 1 otherwise.",
    )
    parser.add_argument("spec_dir", metavar="SPEC_DIR", type=Path)
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate and print every diagnostic in the chosen format."""
    spec_dir: Path = args.spec_dir
    state, diagnostics = validate_spec_dir(spec_dir)
    environment = state.environment if state else spec_dir.resolve().name
    if args.format == "json":
        heal = state.guardrails.self_heal if state is not None else None
        sys.stdout.write(render_json(environment, diagnostics, self_heal=heal))
    else:
        render = {"text": render_text, "github": render_github}[args.format]
        sys.stdout.write(render(environment, diagnostics))
    return 1 if errors_of(diagnostics) else 0


def render_text(environment: str, diagnostics: tuple[Diagnostic, ...]) -> str:
    """`path:LINE:COL: severity: message`, a hint line, then a summary line."""
    lines: list[str] = []
    for d in diagnostics:
        lines.append(f"{d.path}:{d.line}:{d.col}: {d.severity}: {d.message} [{d.code}]")
        if d.hint:
            lines.append(f"  hint: {d.hint}")
    lines.append(_summary(environment, diagnostics))
    return "\n".join(lines) + "\n"


def _summary(environment: str, diagnostics: tuple[Diagnostic, ...]) -> str:
    errors, warnings = len(errors_of(diagnostics)), len(warnings_of(diagnostics))
    verdict = "invalid" if errors else "valid"
    return (
        f"{environment}: {verdict} ({errors} error{'s' * (errors != 1)},"
        f" {warnings} warning{'s' * (warnings != 1)})"
    )


def _as_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "path": d.path,
        "line": d.line,
        "col": d.col,
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "hint": d.hint,
    }


def render_json(
    environment: str, diagnostics: tuple[Diagnostic, ...], *, self_heal: bool | None = None
) -> str:
    """The machine-readable report (format_version 1); `self_heal` (the Tenant's, null when
    the specs are invalid) tells the drift workflow which environments heal."""
    errors = errors_of(diagnostics)
    report = {
        "format_version": 1,
        "environment": environment,
        "valid": not errors,
        "self_heal": self_heal,
        "errors": [_as_json(d) for d in errors],
        "warnings": [_as_json(d) for d in warnings_of(diagnostics)],
    }
    return json.dumps(report, indent=2) + "\n"


def _escape_data(text: str) -> str:
    # GitHub workflow-command escaping for the message part.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    # Property values also escape the separators of the property list.
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(environment: str, diagnostics: tuple[Diagnostic, ...]) -> str:
    """GitHub Actions workflow annotations, one per diagnostic, and a summary line."""
    lines = []
    for d in diagnostics:
        message = d.message + (f"\n hint: {d.hint}" if d.hint else "")
        properties = (
            f"file={_escape_property(d.path)},line={d.line},col={d.col},"
            f"title={_escape_property(d.code)}"
        )
        lines.append(f"::{d.severity} {properties}::{_escape_data(message)}")
    lines.append(_summary(environment, diagnostics))
    return "\n".join(lines) + "\n"
