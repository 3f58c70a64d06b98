"""Properties: valid specs round-trip model -> YAML -> model; invalid values are located."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.desired import SimulationBlock, VerifyBlock, validate_spec_dir
from reconciler.dialer_v1.bodies import CampaignBody

NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,30}", fullmatch=True)
LIST_NAMES = st.from_regex(r"[a-z][a-z-]{0,15}", fullmatch=True)
# Windows inside the US 08:00-21:00, in whole quarter hours.
QUARTERS = st.integers(min_value=8 * 4, max_value=21 * 4)
ZONES = st.sampled_from(["America/New_York", "America/Chicago", "America/Denver", "UTC"])
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _hhmm(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


@st.composite
def campaign_bodies(draw: st.DrawFn) -> CampaignBody:
    """Campaign bodies that pass every rule (US, no carrier)."""
    dialer = draw(st.sampled_from(["predictive", "progressive", "preview"]))
    algorithm: dict[str, Any] = {
        "type": dialer,
        "abandonment_rate_target": draw(st.floats(min_value=0.001, max_value=0.03)),
        "agent_availability_estimate": draw(st.floats(min_value=0.01, max_value=1.0)),
        "warm_line_timeout_sec": draw(st.floats(min_value=0, max_value=120)),
    }
    if dialer == "predictive":
        algorithm["dial_ratio"] = draw(st.floats(min_value=1.0, max_value=10.0))
    start = draw(st.integers(min_value=8 * 4, max_value=21 * 4 - 1))
    end = draw(st.integers(min_value=start + 1, max_value=21 * 4))
    return CampaignBody.model_validate(
        {
            "name": draw(NAMES),
            "type": dialer,
            "concurrency": {
                "max_agents": draw(st.integers(1, 5000)),
                "max_simultaneous_calls": draw(st.integers(1, 20000)),
                "call_spacing_ms": draw(st.integers(0, 60000)),
            },
            "algorithm": algorithm,
            "calling_hours": {"start": _hhmm(start), "end": _hhmm(end), "timezone": draw(ZONES)},
            "dnc_lists": ["national", *draw(st.lists(LIST_NAMES, max_size=3))],
        }
    )


SIMULATIONS = st.builds(
    SimulationBlock,
    answer_rate=st.floats(min_value=0.001, max_value=1.0),
    talk_time_sec=st.floats(min_value=0.1, max_value=3600),
    wrap_time_sec=st.floats(min_value=0, max_value=600),
    ring_time_sec=st.floats(min_value=0.1, max_value=120),
    talk_time_distribution=st.sampled_from(["exponential", "lognormal"]),
    replications=st.none() | st.integers(1, 1000),
    seed=st.none() | st.integers(0, 2**31),
)
VERIFIES = st.builds(
    VerifyBlock,
    metrics=st.dictionaries(
        st.sampled_from(["efficiency", "abandonmentRate", "answerRate", "averageWaitTime"]),
        st.builds(dict, max=st.floats(0, 1)),
        min_size=1,
    ),
    watch_seconds=st.floats(min_value=60, max_value=7200),
    interval_seconds=st.floats(min_value=1, max_value=60),
)


def _blocks(simulation: SimulationBlock | None, verify: VerifyBlock | None) -> dict[str, Any]:
    """The tool-only blocks of a campaign document, as YAML holds them."""
    extra: dict[str, Any] = {}
    if simulation is not None:
        extra["simulation"] = simulation.model_dump(mode="json", exclude_none=True)
    if verify is not None:
        extra["verify"] = verify.model_dump(mode="json", exclude_none=True)
    return extra


def _document(body: CampaignBody, extra: dict[str, Any]) -> dict[str, Any]:
    spec = body.model_dump(mode="json", exclude_none=True)
    del spec["name"]
    return {
        "apiVersion": "dialer.cxone/v1",
        "kind": "Campaign",
        "metadata": {"name": body.name},
        "spec": spec,
        **extra,
    }


def _validate(text: str) -> tuple[Any, tuple[Any, ...]]:
    with tempfile.TemporaryDirectory() as tmp:
        # surrogatepass: lone surrogates become invalid UTF-8, which must be reported too
        (Path(tmp) / "c.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
        return validate_spec_dir(Path(tmp))


@PROPERTY_SETTINGS
@given(body=campaign_bodies(), simulation=st.none() | SIMULATIONS, verify=st.none() | VERIFIES)
def test_valid_campaigns_round_trip(
    body: CampaignBody, simulation: SimulationBlock | None, verify: VerifyBlock | None
) -> None:
    extra = _blocks(simulation, verify)
    state, diagnostics = _validate(yaml.safe_dump(_document(body, extra), sort_keys=False))
    assert [d for d in diagnostics if d.severity == "error"] == []
    assert state is not None
    (campaign,) = state.campaigns
    assert campaign.body == body
    assert campaign.simulation == simulation
    assert campaign.verify == verify


# (field, values the contract refuses); each field is a unique key in the dumped YAML.
INVALID: list[tuple[str, st.SearchStrategy[Any]]] = [
    ("max_agents", st.integers(max_value=0) | st.integers(min_value=5001)),
    ("max_agents", st.text(alphabet="abcxyz", max_size=5)),  # a string for an integer
    ("max_simultaneous_calls", st.integers(max_value=0) | st.integers(min_value=20001)),
    ("call_spacing_ms", st.integers(max_value=-1) | st.integers(min_value=60001)),
    ("call_spacing_ms", st.floats(min_value=0.5, max_value=100.5)),  # a float for an integer
    ("agent_availability_estimate", st.floats(max_value=0) | st.floats(min_value=1.0001)),
    ("warm_line_timeout_sec", st.floats(max_value=-0.001) | st.floats(min_value=120.001)),
    ("dnc_lists", st.integers() | st.just({}) | st.just("national")),
]


FIELD_AND_BAD_VALUE = st.integers(0, len(INVALID) - 1).flatmap(
    lambda i: st.tuples(st.just(INVALID[i][0]), INVALID[i][1])
)


def _with_bad_value(body: CampaignBody, field: str, bad: Any) -> dict[str, Any]:
    """The campaign's document with `bad` in place of the field's value."""
    document = _document(body, {})
    parent = document["spec"]
    for section in ("concurrency", "algorithm"):
        if field in document["spec"][section]:
            parent = document["spec"][section]
    assert field in parent
    parent[field] = bad
    return document


@PROPERTY_SETTINGS
@given(body=campaign_bodies(), field_and_value=FIELD_AND_BAD_VALUE)
def test_invalid_values_are_rejected_where_they_are(
    body: CampaignBody, field_and_value: tuple[str, Any]
) -> None:
    field, bad = field_and_value
    document = _with_bad_value(body, field, bad)
    text = yaml.safe_dump(document, sort_keys=False)
    state, diagnostics = _validate(text)
    assert state is None
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if t.lstrip().startswith(f"{field}:"))
    col = lines[line - 1].index(f"{field}:") + len(field) + 3  # 1-based column of the value
    errors = [
        (d.path.rsplit("/", 1)[-1], d.line, d.col) for d in diagnostics if d.severity == "error"
    ]
    assert ("c.yaml", line, col) in errors, (errors, text)


ARBITRARY_YAMLISH = st.text(
    alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@`, \n\t0123456789.~")) | st.characters(),
    max_size=200,
)


@PROPERTY_SETTINGS
@given(text=ARBITRARY_YAMLISH)
def test_any_text_gives_diagnostics_never_an_exception(text: str) -> None:
    state, diagnostics = _validate(text)
    for d in diagnostics:
        assert d.line >= 1 and d.col >= 1 and d.path
    if state is None:
        assert any(d.severity == "error" for d in diagnostics)
