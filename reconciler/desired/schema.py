"""JSON Schemas for the spec documents, generated from the models and committed in `schemas/`.

    python -m reconciler.desired.schema --write   # regenerate schemas/*.schema.json
    python -m reconciler.desired.schema --check   # exit 1 when the committed files drifted

Editors use them through the `# yaml-language-server: $schema=...` line of each spec file.
Every rule a schema can express is in it: the models' own (ranges, patterns, the dial ratio
of each dialer type...) and the regulatory rules that one document can be judged by alone
(the Tenant's own cap and window against its jurisdiction; the do-not-call lists every
jurisdiction requires). What needs another document, the time zone database or a
comparison of two values (start before end) is left to `reconciler validate`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, TypeAdapter

from reconciler.desired.catalog import DocumentModel
from reconciler.desired.jurisdictions import DEFAULT_JURISDICTION, JURISDICTIONS
from reconciler.desired.models import (
    CampaignDocument,
    SettingsDocument,
    TenantDocument,
    WebhookDocument,
)
from reconciler.desired.skills import DncGroupDocument, OutboundSkillDocument
from reconciler.dialer_v1.bodies import minutes_of_day

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"

KIND_SCHEMAS: dict[str, tuple[str, type[BaseModel]]] = {
    "Tenant": ("tenant.schema.json", TenantDocument),
    "DialerSettings": ("dialer-settings.schema.json", SettingsDocument),
    "Campaign": ("campaign.schema.json", CampaignDocument),
    "Webhook": ("webhook.schema.json", WebhookDocument),
    "OutboundSkill": ("outbound-skill.schema.json", OutboundSkillDocument),
    "DncGroup": ("dnc-group.schema.json", DncGroupDocument),
}
DOCUMENT_SCHEMA = "document.schema.json"

# API bodies carry `name`, but in YAML it comes from metadata.name (the loader injects it).
_BODIES_NAMED_BY_METADATA = ("SettingsBody", "CampaignBody", "WebhookSpec")


def _without_spec_name(schema: dict[str, Any]) -> dict[str, Any]:
    for def_name in _BODIES_NAMED_BY_METADATA:
        body = schema.get("$defs", {}).get(def_name)
        if body is None:
            continue
        name = body["properties"].pop("name", None)
        body["required"] = [f for f in body.get("required", []) if f != "name"]
        body["description"] = (
            body.get("description", "").rstrip() + " The name comes from `metadata.name`."
        ).strip()
        if def_name == "SettingsBody" and name is not None:
            # The settings body holds a name: accepted when it repeats metadata.name.
            body["properties"]["name"] = {**name, "description": "if given, metadata.name"}
    return schema


def _with_regulation(schema: dict[str, Any]) -> dict[str, Any]:
    """The regulatory rules one document can be judged by alone (see the module's doc)."""
    defs = schema.get("$defs", {})
    compliance = defs.get("Compliance")
    if compliance is not None:
        compliance["allOf"] = [_jurisdiction_rule(code) for code in sorted(JURISDICTIONS)]
    campaign = defs.get("CampaignBody")
    if campaign is not None:
        everywhere = set.intersection(*(set(j.required_dnc_lists) for j in JURISDICTIONS.values()))
        campaign["properties"]["dnc_lists"]["allOf"] = [
            {"contains": {"const": name}} for name in sorted(everywhere)
        ]
    return schema


def _jurisdiction_rule(code: str) -> dict[str, Any]:
    """The Tenant's own abandonment cap and calling window may narrow the law, not widen it."""
    rules = JURISDICTIONS[code]
    named: dict[str, Any] = {"properties": {"jurisdiction": {"const": code}}}
    named["required"] = ["jurisdiction"]
    when = (
        {"anyOf": [named, {"not": {"required": ["jurisdiction"]}}]}
        if code == DEFAULT_JURISDICTION
        else named
    )
    then: dict[str, Any] = {
        "properties": {"max_abandonment_rate": {"maximum": rules.abandonment_cap}}
    }
    window = rules.calling_window
    if window is not None:
        then["properties"]["calling_hours"] = {
            "properties": {
                "start": {"pattern": hhmm_pattern(minutes_of_day(window.start), 24 * 60)},
                "end": {"pattern": hhmm_pattern(0, minutes_of_day(window.end))},
            }
        }
    return {"if": when, "then": then}


def hhmm_pattern(low: int, high: int) -> str:
    """A pattern for the times of day "HH:MM" (up to "24:00") from `low` to `high` minutes."""
    alternatives = []
    full = [h for h in range(24) if low <= h * 60 and h * 60 + 59 <= high]
    if full:
        alternatives.append(f"(?:{_two_digits(full[0], full[-1])}):[0-5][0-9]")
    for hour in sorted({low // 60, min(high, 24 * 60 - 1) // 60} - set(full)):
        first, last = max(low - hour * 60, 0), min(high - hour * 60, 59)
        if hour < 24 and first <= last:
            alternatives.append(f"{hour:02d}:(?:{_two_digits(first, last)})")
    if high >= 24 * 60:
        alternatives.append("24:00")
    return "^(?:" + "|".join(alternatives) + ")$"


def _two_digits(low: int, high: int) -> str:
    """A pattern for the two-digit numbers from `low` to `high` (0-99)."""
    parts = []
    for tens in range(low // 10, high // 10 + 1):
        first = low % 10 if tens == low // 10 else 0
        last = high % 10 if tens == high // 10 else 9
        parts.append(f"{tens}{first}" if first == last else f"{tens}[{first}-{last}]")
    return "|".join(parts)


def _finish(schema: dict[str, Any], file_name: str, title: str) -> dict[str, Any]:
    schema = _with_regulation(_without_spec_name(schema))
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": file_name, "title": title, **schema}


def generate() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, for every kind and for a document of any kind."""
    schemas: dict[str, dict[str, Any]] = {}
    for kind, (file_name, model) in KIND_SCHEMAS.items():
        schema = model.model_json_schema()
        schema.pop("title", None)
        schemas[file_name] = _finish(schema, file_name, f"dialer.cxone/v1 {kind}")
    any_document = TypeAdapter(Annotated[DocumentModel, Field(discriminator="kind")])
    schemas[DOCUMENT_SCHEMA] = _finish(
        any_document.json_schema(), DOCUMENT_SCHEMA, "dialer.cxone/v1 document (any kind)"
    )
    return schemas


def render(schema: dict[str, Any]) -> str:
    """The committed text of a schema (stable: indented, trailing newline)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def drifted(schema_dir: Path) -> list[str]:
    """Schema files in `schema_dir` that are missing or differ from the models."""
    stale = []
    for file_name, schema in generate().items():
        path = schema_dir / file_name
        if not path.is_file() or path.read_text(encoding="utf-8") != render(schema):
            stale.append(file_name)
    return stale


def write(schema_dir: Path) -> list[str]:
    """Write every schema into `schema_dir`; the names written."""
    schema_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, schema in generate().items():
        (schema_dir / file_name).write_text(render(schema), encoding="utf-8")
        written.append(file_name)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """`--write` regenerates the schemas, `--check` exits 1 when they drifted."""
    parser = argparse.ArgumentParser(prog="python -m reconciler.desired.schema")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate the schema files")
    action.add_argument("--check", action="store_true", help="exit 1 if they drifted")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help="schema directory")
    args = parser.parse_args(argv)
    if args.write:
        for name in write(args.dir):
            sys.stdout.write(f"wrote {args.dir / name}\n")
        return 0
    stale = drifted(args.dir)
    for name in stale:
        sys.stdout.write(f"{args.dir / name} is out of date\n")
    if stale:
        sys.stdout.write("run: python -m reconciler.desired.schema --write\n")
        return 1
    sys.stdout.write("schemas are up to date\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
