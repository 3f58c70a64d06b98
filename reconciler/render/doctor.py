"""Doctor's report as text (for a person) and JSON (to attach to an issue): pure functions."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from typing import Any

from reconciler.cxone_admin.doctor import DoctorReport

FORMAT_VERSION = 1
WIDTH = 100
_MARK = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def _requests(report: DoctorReport) -> str:
    parts = [f"{n} {m}" for m, n in report.requests.items()]
    written = (
        "nothing was written"
        if report.writes == 0
        else f"{report.writes} request(s) could have written: a bug, please report it"
    )
    return f"Requests: {', '.join(parts) or 'none'} (the only POST: the token); {written}."


def _wrapped(first: str, text: str, indent: int) -> list[str]:
    """`first` then `text`, wrapped at WIDTH with the rest indented under the text."""
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=" " * indent,
        break_on_hyphens=False,
        break_long_words=False,
    ) or [first.rstrip()]


def render_doctor_text(report: DoctorReport) -> str:
    """The checks, the open questions with this tenant's answers, and the verdict."""
    where = f" at {report.api_base}" if report.api_base else ""
    lines = [f'Doctor for "{report.environment}" (cxone-admin, API v{report.api_version}.0{where})']
    lines += ["", "Checks:"]
    for check in report.checks:
        lines += _wrapped(f"  {_MARK[check.status]:<5} {check.name:<14} ", check.summary, 23)
        for detail in check.details:
            lines += _wrapped(" " * 23 + "- ", detail, 25)
        if check.hint:
            lines += _wrapped(" " * 23 + "hint: ", check.hint, 29)
    if report.findings:
        lines += [
            "",
            "What this tenant's answers settle (the API's documentation leaves these open):",
        ]
        for f in report.findings:
            lines += _wrapped(f"  {f.status:<12} {f.key:<21} ", f.question, 37)
            lines += _wrapped(" " * 37 + "-> ", f.answer, 40)
    if report.emulator_flags:
        lines += [
            "",
            "An emulator that answers like this tenant where doctor could tell:",
            "  reconciler emulator --api cxone-admin " + " ".join(report.emulator_flags),
        ]
    lines += ["", *_wrapped("", _requests(report), 0)]
    failed = [c.name for c in report.checks if c.status == "fail"]
    if failed:
        lines.append(
            f"The tenant cannot be managed as configured: {len(failed)} check(s) failed "
            f"({', '.join(failed)})."
        )
    else:
        lines.append("The tenant can be managed with these specs.")
    return "\n".join(lines) + "\n"


def doctor_json(report: DoctorReport) -> dict[str, Any]:
    """The report as one JSON object (stable keys; no secret is ever in a report)."""
    return {
        "format_version": FORMAT_VERSION,
        "environment": report.environment,
        "api": "cxone-admin",
        "api_version": report.api_version,
        "api_base": report.api_base,
        "tenant_id": report.tenant_id,
        "manageable": report.manageable,
        "checks": [dataclasses.asdict(c) for c in report.checks],
        "findings": [dataclasses.asdict(f) for f in report.findings],
        "business_unit": dict(report.business_unit),
        "metrics_source": report.metrics_source,
        "recommended_metrics_source": report.recommended_metrics_source,
        "emulator_flags": report.emulator_flags,
        "requests": dict(report.requests),
        "writes": report.writes,
    }


def render_doctor_json(report: DoctorReport) -> str:
    """`doctor --format json`."""
    return json.dumps(doctor_json(report), indent=2) + "\n"
