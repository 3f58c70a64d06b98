"""The committed JSON Schemas match the models and accept the example specs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from reconciler.desired.schema import DOCUMENT_SCHEMA, KIND_SCHEMAS, SCHEMA_DIR, drifted, main
from reconciler.desired.yaml_reader import discover, read_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "specs" / "example"
BAD = Path(__file__).parent / "fixtures" / "bad"


def _validator(file_name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / file_name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schemas_do_not_drift() -> None:
    assert drifted(SCHEMA_DIR) == [], "run: python -m reconciler.desired.schema --write"


def test_check_flag_fails_on_drift(tmp_path: Path) -> None:
    assert main(["--check", "--dir", str(tmp_path)]) == 1
    assert main(["--write", "--dir", str(tmp_path)]) == 0
    assert main(["--check", "--dir", str(tmp_path)]) == 0
    (tmp_path / DOCUMENT_SCHEMA).write_text("{}\n")
    assert main(["--check", "--dir", str(tmp_path)]) == 1


@pytest.mark.parametrize("spec_file", discover(EXAMPLE), ids=lambda f: f.relative)
def test_example_files_carry_the_schema_line_and_validate(spec_file: object) -> None:
    from reconciler.desired.yaml_reader import SpecFile

    assert isinstance(spec_file, SpecFile)
    first_line = spec_file.path.read_text().splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first_line.startswith(prefix)
    referenced = (spec_file.path.parent / first_line.removeprefix(prefix)).resolve()
    _, documents, problems = read_file(spec_file, 1_048_576)
    assert problems == []
    for document in documents:
        kind_file = KIND_SCHEMAS[document.data["kind"]][0]
        assert referenced == SCHEMA_DIR / kind_file
        _validator(kind_file).validate(document.data)
        _validator(DOCUMENT_SCHEMA).validate(document.data)


@pytest.mark.parametrize("case", ["quoted-integer", "out-of-range", "unknown-field"])
def test_schema_rejects_what_the_loader_rejects(case: str) -> None:
    (spec_file,) = discover(BAD / case)
    _, (document,), _ = read_file(spec_file, 1_048_576)
    assert not _validator("campaign.schema.json").is_valid(document.data)


def test_spec_bodies_do_not_ask_for_name() -> None:
    schema = json.loads((SCHEMA_DIR / "campaign.schema.json").read_text())
    body = schema["$defs"]["CampaignBody"]
    assert "name" not in body["properties"] and "name" not in body["required"]
    webhook = json.loads((SCHEMA_DIR / "webhook.schema.json").read_text())
    assert set(webhook["$defs"]["WebhookAuthSpec"]["properties"]) == {"type", "token_from"}
