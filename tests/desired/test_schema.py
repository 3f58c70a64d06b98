"""The committed JSON Schemas match the models, accept every valid document and refuse
every invalid one whose reason a schema can express."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from reconciler.desired import SimulationBlock, VerifyBlock, validate_spec_dir
from reconciler.desired.diagnostics import errors_of
from reconciler.desired.schema import (
    DOCUMENT_SCHEMA,
    KIND_SCHEMAS,
    SCHEMA_DIR,
    drifted,
    hhmm_pattern,
    main,
)
from reconciler.desired.yaml_reader import discover, read_file
from reconciler.dialer_v1.bodies import CampaignBody, minutes_of_day
from tests.desired.test_properties import (
    FIELD_AND_BAD_VALUE,
    PROPERTY_SETTINGS,
    SIMULATIONS,
    VERIFIES,
    _blocks,
    _document,
    _with_bad_value,
    campaign_bodies,
)

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


# Bad cases whose reason no JSON Schema of one document can express, and why. Every other
# case of the corpus must be rejected by the schemas; these must be accepted by them (so
# the list stays honest: a case the schemas learn to catch has to move out of it).
BEYOND_A_SCHEMA = {
    "alias-bomb": "YAML: aliases are expanded before any schema sees the data",
    "duplicate-key": "YAML: a parsed mapping keeps one of the keys",
    "merge-key": "YAML: merge keys are resolved before any schema sees the data",
    "not-utf8": "bytes: not text at all",
    "python-tag": "YAML: tags are resolved before any schema sees the data",
    "yaml-syntax": "YAML: not parsed",
    "bad-timezone": "the time zone database (the pattern only shapes the name)",
    "hours-order": "compares two values (start before end)",
    "metric-min-max": "compares two values (min not above max)",
    "duplicate-name": "across documents",
    "second-settings": "across documents",
    "second-tenant": "across documents",
    "seed-trunk-capacity": "the carrier is in the Tenant document",
    "calling-hours-start": "the jurisdiction is in the Tenant document",
    "calling-hours-end-sexagesimal": "the jurisdiction is in the Tenant document",
    "calling-hours-once": "the jurisdiction is in the Tenant document",
    "calling-hours-tenant-narrower": "the tenant's window is in the Tenant document",
    "us-abandonment-cap": "the jurisdiction is in the Tenant document",
    "verify-interval": "merged with the Tenant document's verify defaults",
    "cxone-calling-window": "the jurisdiction is in the Tenant document",
    "cxone-us-abandon-threshold": "the jurisdiction is in the Tenant document",
    "cxone-required-group": "the required groups are in the Tenant document",
    "cxone-kind-of-dialer-v1": "the API is chosen in the Tenant document",
    "cxone-kind-in-dialer-v1": "the API is chosen in the Tenant document (dialer-v1 without one)",
    "cxone-skill-twice": "across documents",
}


def _documents(case_dir: Path) -> list[tuple[str, Any]]:
    """(file, data) of every document of a case that YAML can read."""
    out = []
    for spec_file in discover(case_dir):
        _, documents, _ = read_file(spec_file, 1_048_576)
        out += [(spec_file.relative, d.data) for d in documents if d.data is not None]
    return out


def _schema_errors(data: Any) -> list[str]:
    """What the schemas say of one document: the one for any kind, and its kind's own."""
    validators = [_validator(DOCUMENT_SCHEMA)]
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind in KIND_SCHEMAS:
        validators.append(_validator(KIND_SCHEMAS[kind][0]))
    return [e.message for v in validators for e in v.iter_errors(data)]


@pytest.mark.parametrize("case", sorted(p.name for p in BAD.iterdir() if p.is_dir()))
def test_the_schemas_reject_what_the_tool_rejects_for_a_reason_they_can_express(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BAD)
    _, diagnostics = validate_spec_dir(Path(case))
    failing = {Path(d.path).relative_to(case).as_posix() for d in errors_of(diagnostics)}
    for rel, data in _documents(BAD / case):
        found = _schema_errors(data)
        if case.startswith("warn-") or case in BEYOND_A_SCHEMA or rel not in failing:
            assert found == [], f"{case}/{rel}: the tool accepts what the schema refuses"
    if case.startswith("warn-") or case in BEYOND_A_SCHEMA:
        return
    rejected = {rel for rel, data in _documents(BAD / case) if _schema_errors(data)}
    assert rejected, f"{case}: the tool refuses it, the schemas accept every document"
    assert rejected <= failing


def test_the_beyond_list_names_only_cases_of_the_corpus() -> None:
    assert set(BEYOND_A_SCHEMA) <= {p.name for p in BAD.iterdir()}


@PROPERTY_SETTINGS
@given(body=campaign_bodies(), simulation=st.none() | SIMULATIONS, verify=st.none() | VERIFIES)
def test_the_schemas_accept_every_valid_campaign(
    body: CampaignBody, simulation: SimulationBlock | None, verify: VerifyBlock | None
) -> None:
    assert _schema_errors(_document(body, _blocks(simulation, verify))) == []


@PROPERTY_SETTINGS
@given(body=campaign_bodies(), field_and_value=FIELD_AND_BAD_VALUE)
def test_the_schemas_reject_every_value_out_of_the_contract(
    body: CampaignBody, field_and_value: tuple[str, Any]
) -> None:
    field, value = field_and_value
    # JSON has one kind of number: 3.0 is the integer 3 to a schema, not to the tool.
    assume(not (isinstance(value, float) and value.is_integer()))
    assert _schema_errors(_with_bad_value(body, field, value)) != []


def test_a_tenant_may_narrow_the_law_in_the_schema_too() -> None:
    def tenant(compliance: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "dialer.cxone/v1",
            "kind": "Tenant",
            "metadata": {"name": "prod"},
            "spec": {"compliance": compliance},
        }

    hours = {"start": "08:00", "end": "21:00"}
    assert _schema_errors(tenant({"calling_hours": hours})) == []  # US by default
    assert (
        _schema_errors(
            tenant({"jurisdiction": "UK", "calling_hours": {"start": "07:00", "end": "23:00"}})
        )
        == []
    )
    assert _schema_errors(tenant({"max_abandonment_rate": 0.05, "jurisdiction": "CA"})) == []
    assert _schema_errors(tenant({"jurisdiction": "CA", "calling_hours": hours})) != []
    assert _schema_errors(tenant({"calling_hours": {"start": "07:59", "end": "21:00"}})) != []
    assert _schema_errors(tenant({"calling_hours": {"start": "08:00", "end": "21:01"}})) != []
    assert _schema_errors(tenant({"max_abandonment_rate": 0.031})) != []


@pytest.mark.parametrize(
    ("low", "high"),
    [(480, 1440), (0, 1260), (540, 1290), (0, 1440), (1440, 1440), (59, 61), (605, 607)],
)
def test_the_time_of_day_patterns_are_exact(low: int, high: int) -> None:
    pattern = re.compile(hhmm_pattern(low, high))
    times = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)] + ["24:00"]
    assert [t for t in times if pattern.search(t)] == [
        t for t in times if low <= minutes_of_day(t) <= high
    ]


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://wfm.example.com/hooks", True),
        ("http://localhost:8080/hooks", True),
        ("http://LOCALHOST/hooks", True),
        ("http://127.0.0.1:9000", True),
        ("http://[::1]:9000/x", True),
        ("http://wfm.example.com/hooks", False),
        ("http://localhost.example.com/", False),
        ("http://localhost@example.com/", False),
        ("ftp://localhost/", False),
    ],
)
def test_plain_http_only_to_loopback_in_the_schema_as_in_the_tool(url: str, accepted: bool) -> None:
    webhook = {
        "apiVersion": "dialer.cxone/v1",
        "kind": "Webhook",
        "metadata": {"name": "hook"},
        "spec": {
            "url": url,
            "events": ["dialer.campaign.activated"],
            "auth": {"type": "bearer", "token_from": {"env": "TOKEN"}},
        },
    }
    tenant = {
        "apiVersion": "dialer.cxone/v1",
        "kind": "Tenant",
        "metadata": {"name": "prod"},
        "spec": {"base_url": url},
    }
    for document in (webhook, tenant):
        assert (_schema_errors(document) == []) is accepted
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "doc.yaml").write_text(yaml.safe_dump(document))
            state, _ = validate_spec_dir(Path(tmp))
        assert (state is not None) is accepted


def test_spec_bodies_do_not_ask_for_name() -> None:
    schema = json.loads((SCHEMA_DIR / "campaign.schema.json").read_text())
    body = schema["$defs"]["CampaignBody"]
    assert "name" not in body["properties"] and "name" not in body["required"]
    webhook = json.loads((SCHEMA_DIR / "webhook.schema.json").read_text())
    assert set(webhook["$defs"]["WebhookAuthSpec"]["properties"]) == {"type", "token_from"}
