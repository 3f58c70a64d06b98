# ruff: noqa: E501  (expected messages are quoted whole, as users see them)
"""The bad-input corpus: every case under fixtures/bad/ is reported at its exact place."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cli.main import main
from reconciler.desired import SpecInvalid, load_desired_state, validate_spec_dir

FIXTURES = Path(__file__).parent / "fixtures" / "bad"

# (file relative to the case directory, line, col, code, message)
Expected = tuple[str, int, int, str, str]

CASES: dict[str, list[Expected]] = {
    "alias-bomb": [
        (
            "bomb.yaml",
            1,
            1,
            "too-many-nodes",
            "document expands to more than 50000 nodes (an alias bomb?)",
        ),
    ],
    "api-version": [
        (
            "campaign.yaml",
            1,
            13,
            "api-version",
            "unsupported apiVersion 'dialer.cxone/v2': use `dialer.cxone/v1`",
        ),
    ],
    "bad-timezone": [
        (
            "campaign.yaml",
            16,
            15,
            "invalid-value",
            "`spec.calling_hours.timezone`: 'America/New_Yrok' is not an IANA time zone (e.g. \"America/New_York\")",
        ),
    ],
    "bool-for-int": [
        (
            "campaign.yaml",
            8,
            17,
            "wrong-type",
            "`spec.concurrency.max_agents` must be an integer, got the boolean true",
        ),
    ],
    "calling-hours-end-sexagesimal": [
        (
            "campaign.yaml",
            15,
            10,
            "us-calling-hours",
            "calling_hours end 21:30 (America/New_York) is outside 08:00-21:00 (47 CFR 64.1200(c)(1): 08:00-21:00 in the called party's local time)",
        ),
    ],
    "calling-hours-once": [
        # The tenant's window repeats the law's: one error per end, not one per rule.
        (
            "campaign.yaml",
            13,
            12,
            "us-calling-hours",
            "calling_hours start 07:30 (America/New_York) is outside 08:00-21:00 (47 CFR 64.1200(c)(1): 08:00-21:00 in the called party's local time)",
        ),
        (
            "campaign.yaml",
            14,
            10,
            "us-calling-hours",
            "calling_hours end 21:30 (America/New_York) is outside 08:00-21:00 (47 CFR 64.1200(c)(1): 08:00-21:00 in the called party's local time)",
        ),
    ],
    "calling-hours-start": [
        (
            "campaign.yaml",
            14,
            12,
            "us-calling-hours",
            "calling_hours start 07:30 (America/New_York) is outside 08:00-21:00 (47 CFR 64.1200(c)(1): 08:00-21:00 in the called party's local time)",
        ),
    ],
    "calling-hours-tenant-narrower": [
        (
            "campaign.yaml",
            13,
            12,
            "us-calling-hours",
            "calling_hours start 07:30 (America/New_York) is outside 08:00-21:00 (47 CFR 64.1200(c)(1): 08:00-21:00 in the called party's local time) and 09:00-20:00 (the tenant's compliance.calling_hours)",
        ),
        (
            "campaign.yaml",
            14,
            10,
            "tenant-calling-hours",
            "calling_hours end 20:30 (America/New_York) is outside 09:00-20:00 (the tenant's compliance.calling_hours)",
        ),
    ],
    "dnc-national": [
        (
            "campaign.yaml",
            17,
            14,
            "us-dnc-national",
            "dnc_lists must include 'national' (47 CFR 64.1200(c)(2); 16 CFR 310.4(b)(1)(iii)(B): National Do Not Call Registry)",
        ),
    ],
    # api: cxone-admin (OutboundSkill, DncGroup), and kinds of the other API.
    "cxone-calling-window": [
        (
            "skill.yaml",
            7,
            22,
            "us-calling-hours",
            "the monday schedule 07:00-20:00 is outside the calling window 08:00-21:00 (47 CFR 64.1200(c)(1): 08:00-21:00 in the called party's local time)",
        ),
        (
            "skill.yaml",
            14,
            7,
            "us-calling-hours",
            "the calling window of zone 'Eastern Standard Time' 09:00-21:30 is outside the calling window 08:00-21:00 (47 CFR 64.1200(c)(1): 08:00-21:00 in the called party's local time)",
        ),
    ],
    "cxone-dnc-group": [
        (
            "group.yaml",
            6,
            3,
            "unknown-field",
            "unknown field `dncGroupDescripton` in `spec`: did you mean `dncGroupDescription`?",
        ),
        (
            "group.yaml",
            7,
            13,
            "wrong-type",
            "`spec.isActive` must be true or false, got the string 'yes'",
        ),
    ],
    "cxone-kind-in-dialer-v1": [
        (
            "skill.yaml",
            2,
            7,
            "kind-of-another-api",
            "kind OutboundSkill belongs to `api: cxone-admin`, but this environment's Tenant chooses `api: dialer-v1`",
        ),
        (
            "skill.yaml",
            9,
            7,
            "kind-of-another-api",
            "kind DncGroup belongs to `api: cxone-admin`, but this environment's Tenant chooses `api: dialer-v1`",
        ),
    ],
    "cxone-kind-of-dialer-v1": [
        (
            "skill.yaml",
            2,
            7,
            "kind-of-another-api",
            "kind Campaign belongs to `api: dialer-v1`, but this environment's Tenant chooses `api: cxone-admin`",
        ),
    ],
    "cxone-range": [
        (
            "skill.yaml",
            7,
            19,
            "out-of-range",
            "`spec.generalSettings.maximumRatio` should be less than or equal to 3 (got 4)",
        ),
        (
            "skill.yaml",
            8,
            29,
            "out-of-range",
            "`spec.generalSettings.maximumRingingDuration` should be greater than or equal to 1 (got 0)",
        ),
        (
            "skill.yaml",
            11,
            22,
            "out-of-range",
            "`spec.cpaSettings.exceptions[0].attempt_No` should be less than or equal to 6 (got 7)",
        ),
        (
            "skill.yaml",
            13,
            34,
            "out-of-range",
            "`spec.deliveryPreferences.confirmationRequiredTimeout` should be less than or equal to 300 (got 301)",
        ),
    ],
    "cxone-required-group": [
        (
            "skill.yaml",
            7,
            14,
            "skill-dnc-required",
            "the skill is not scrubbed by National_DNC, which the Tenant's compliance.dnc_groups_required lists",
        ),
        (
            "skill.yaml",
            13,
            1,
            "skill-dnc-required",
            "the skill is not scrubbed by National_DNC, which the Tenant's compliance.dnc_groups_required lists",
        ),
    ],
    "cxone-shared-field": [
        (
            "skill.yaml",
            9,
            5,
            "skill-shared-field",
            "`maximumAttempts` is one setting shown in generalSettings and retrySettings: manage it in one of the two blocks only",
        ),
    ],
    "cxone-skill-twice": [
        (
            "east.yaml",
            4,
            3,
            "duplicate-name",
            "duplicate OutboundSkill name 'Collections_East' (first at cxone-skill-twice/east-again.yaml:4:3)",
        ),
    ],
    "cxone-unknown-block": [
        (
            "skill.yaml",
            6,
            3,
            "unknown-field",
            "unknown field `generalSetings` in `spec`: did you mean `generalSettings`?",
        ),
    ],
    "cxone-unknown-block-field": [
        (
            "skill.yaml",
            7,
            5,
            "unknown-field",
            "unknown field `maximumRatoi` in `spec.generalSettings`: did you mean `maximumRatio`?",
        ),
    ],
    "cxone-us-abandon-threshold": [
        (
            "skill.yaml",
            7,
            27,
            "us-skill-abandon-threshold",
            "abandonRateThreshold 3.5 (a percent) is above the US cap of 3 % (47 CFR 64.1200(a)(7); 16 CFR 310.4(b)(4)(i): 3% of live-answered calls per campaign per 30-day period)",
        ),
    ],
    "cxone-wrong-type": [
        (
            "skill.yaml",
            7,
            19,
            "wrong-type",
            "`spec.generalSettings.maximumRatio` must be an integer, got the string '2'",
        ),
        (
            "skill.yaml",
            8,
            38,
            "wrong-type",
            "`spec.generalSettings.overrideBusinessUnitAbandonRate` must be true or false, got the string 'yes'",
        ),
        (
            "skill.yaml",
            10,
            21,
            "wrong-type",
            "`spec.cpaSettings.abandonTimeout` must be a number, got the boolean true",
        ),
    ],
    "cxone-zone-time": [
        (
            "skill.yaml",
            7,
            56,
            "invalid-value",
            "`spec.timeZoneSettings[0].startTime` '9:00' does not match the expected format"
            ' (a time of day "HH:MM", 00:00 to 23:59 or 24:00, e.g. "08:00")',
        ),
    ],
    "cxone-zone-twice": [
        (
            "skill.yaml",
            7,
            5,
            "invalid-value",
            "`spec.timeZoneSettings`: zone listed twice: eastern standard time",
        ),
        (
            "skill.yaml",
            9,
            14,
            "invalid-value",
            "`spec.dncGroups`: a DNC group is listed more than once",
        ),
    ],
    "warn-cxone-threshold-unused": [
        (
            "skill.yaml",
            7,
            27,
            "skill-abandon-threshold-unused",
            "abandonRateThreshold 3.5 is above the US cap of 3 % (47 CFR 64.1200(a)(7); 16 CFR 310.4(b)(4)(i): 3% of live-answered calls per campaign per 30-day period); it is not applied (overrideBusinessUnitAbandonRate is false: the business unit's rate applies)",
        ),
    ],
    "warn-cxone-two-second-rule": [
        (
            "skill.yaml",
            7,
            21,
            "skill-two-second-rule",
            "abandonTimeout 3 s is above 2 s: a call not connected within 2 s is abandoned whatever the dialer holds (47 CFR 64.1200(a)(7)(i): a call not connected to an agent within 2 s of the greeting is abandoned)",
        ),
    ],
    "duplicate-key": [
        ("campaign.yaml", 18, 3, "duplicate-key", "duplicate key `dnc_lists` (first at line 17)"),
    ],
    "duplicate-name": [
        (
            "campaigns/b.yaml",
            4,
            3,
            "duplicate-name",
            "duplicate Campaign name 'Collections_East' (first at duplicate-name/campaigns/a.yaml:4:3)",
        ),
    ],
    "hidden-model-error": [
        (
            "campaign.yaml",
            11,
            3,
            "invalid-value",
            "`spec`: algorithm.type 'predictive' differs from type 'progressive': make them the same",
        ),
        (
            "campaign.yaml",
            17,
            15,
            "invalid-value",
            "`spec.calling_hours.timezone`: 'America/New_Yrok' is not an IANA time zone (e.g. \"America/New_York\")",
        ),
    ],
    "hours-order": [
        (
            "campaign.yaml",
            14,
            5,
            "invalid-value",
            "`spec.calling_hours`: calling_hours start 20:00 is not before end 09:00",
        ),
    ],
    "ignore-path": [
        (
            "tenant.yaml",
            10,
            15,
            "ignore-path-unknown",
            "Campaign: unknown field `max_agent` in `concurrency` (path `concurrency.max_agent`): did you mean `concurrency.max_agents`?",
        ),
    ],
    "literal-token": [
        (
            "webhook.yaml",
            10,
            5,
            "literal-secret",
            "a literal webhook token is refused: secrets never live in the repo",
        ),
    ],
    "merge-key": [
        ("campaign.yaml", 8, 5, "merge-key", "merge keys (<<) are not supported"),
    ],
    "metric-min-max": [
        (
            "campaign.yaml",
            20,
            18,
            "invalid-value",
            "`verify.metrics.efficiency`: `min` 0.9 is above `max` 0.5",
        ),
    ],
    "missing-field": [
        (
            "campaign.yaml",
            7,
            3,
            "missing-field",
            "missing required field `max_simultaneous_calls` in `spec.concurrency`",
        ),
    ],
    "name-in-spec": [
        (
            "campaign.yaml",
            6,
            3,
            "name-in-spec",
            "`spec.name` is not allowed: the name comes from `metadata.name`",
        ),
    ],
    "not-a-mapping": [
        (
            "campaign.yaml",
            1,
            1,
            "not-a-mapping",
            "a document must be a mapping with apiVersion, kind, metadata and spec",
        ),
    ],
    "not-utf8": [
        ("campaign.yaml", 4, 21, "not-utf8", "file is not valid UTF-8"),
    ],
    "out-of-range": [
        (
            "campaign.yaml",
            8,
            17,
            "out-of-range",
            "`spec.concurrency.max_agents` should be less than or equal to 5000 (got 6000)",
        ),
    ],
    "plain-http": [
        (
            "tenant.yaml",
            7,
            13,
            "invalid-value",
            "`spec.base_url`: plain http:// is refused except to loopback addresses: use https://",
        ),
    ],
    "preview-ratio": [
        (
            "campaign.yaml",
            12,
            5,
            "invalid-value",
            "`spec.algorithm`: a preview dialer has no dial_ratio: remove it",
        ),
    ],
    "progressive-ratio": [
        (
            "campaign.yaml",
            12,
            5,
            "invalid-value",
            "`spec.algorithm`: a progressive dialer has dial_ratio 1.0 (or leave it out)",
        ),
    ],
    "python-tag": [
        (
            "campaign.yaml",
            17,
            14,
            "unsupported-tag",
            "unsupported YAML tag tag:yaml.org,2002:python/object/apply:os.system",
        ),
    ],
    "quoted-integer": [
        (
            "campaign.yaml",
            8,
            17,
            "wrong-type",
            "`spec.concurrency.max_agents` must be an integer, got the string '25'",
        ),
    ],
    "second-settings": [
        (
            "settings-b.yaml",
            1,
            1,
            "duplicate-singleton",
            "a second DialerSettings document (the first is at second-settings/settings-a.yaml:1:1): at most one DialerSettings per directory",
        ),
    ],
    "second-tenant": [
        (
            "tenant.yaml",
            8,
            1,
            "duplicate-singleton",
            "a second Tenant document (the first is at second-tenant/tenant.yaml:1:1): at most one Tenant per directory",
        ),
    ],
    "seed-trunk-capacity": [
        (
            "dialer-settings.yaml",
            7,
            57,
            "trunk-capacity",
            "max_simultaneous_calls 200 exceeds the 82.5 trunks still free (max_trunks 150 x (1 - 45% utilisation))",
        ),
    ],
    "simulation-range": [
        (
            "campaign.yaml",
            19,
            16,
            "out-of-range",
            "`simulation.answer_rate` should be less than or equal to 1 (got 1.5)",
        ),
        (
            "campaign.yaml",
            20,
            27,
            "invalid-value",
            "`simulation.talk_time_distribution` should be 'exponential' or 'lognormal', got the string 'lognormall': did you mean 'lognormal'?",
        ),
    ],
    "tenant-abandonment-cap": [
        (
            "tenant.yaml",
            7,
            56,
            "us-abandonment-cap",
            "max_abandonment_rate 0.04 is above the US cap of 0.03 (47 CFR 64.1200(a)(7); 16 CFR 310.4(b)(4)(i): 3% of live-answered calls per campaign per 30-day period)",
        ),
    ],
    "tenant-error-keeps-jurisdiction": [
        # Judged under Canada's rules although the Tenant has an error: 0.05 is within its
        # cap, 21:45 is not within its window (both would be wrong under the default, US).
        (
            "campaign.yaml",
            15,
            10,
            "ca-calling-hours",
            "calling_hours end 21:45 (America/Toronto) is outside 09:00-21:30 (CRTC Unsolicited Telecommunications Rules: weekdays 09:00-21:30, weekends 10:00-18:00)",
        ),
        (
            "tenant.yaml",
            10,
            3,
            "unknown-field",
            "unknown field `prnue` in `spec`: did you mean `prune`?",
        ),
    ],
    "type-mismatch": [
        (
            "campaign.yaml",
            10,
            3,
            "invalid-value",
            "`spec`: algorithm.type 'predictive' differs from type 'progressive': make them the same",
        ),
    ],
    "unknown-field": [
        (
            "campaign.yaml",
            12,
            5,
            "unknown-field",
            "unknown field `dial_ratoi` in `spec.algorithm`: did you mean `dial_ratio`?",
        ),
    ],
    "unknown-field-default-not-judged": [
        # Neither the default target 0.03 (above the tenant's 0.02) nor the Tenant's verify
        # defaults stand in for what the misspelt keys meant.
        (
            "campaign.yaml",
            14,
            5,
            "unknown-field",
            "unknown field `abandonment_rate_targt` in `spec.algorithm`: did you mean `abandonment_rate_target`?",
        ),
        (
            "campaign.yaml",
            21,
            1,
            "unknown-field",
            "unknown field `verfiy`: did you mean `verify`?",
        ),
    ],
    "unknown-field-hides-nothing": [
        # The misspelt key used to hide every other error of its document.
        (
            "campaign.yaml",
            10,
            29,
            "trunk-capacity",
            "max_simultaneous_calls 120 exceeds the 82.5 trunks still free (max_trunks 150 x (1 - 45% utilisation))",
        ),
        (
            "campaign.yaml",
            13,
            30,
            "us-abandonment-cap",
            "abandonment_rate_target 0.05 is above the US cap of 0.03 (47 CFR 64.1200(a)(7); 16 CFR 310.4(b)(4)(i): 3% of live-answered calls per campaign per 30-day period)",
        ),
        (
            "campaign.yaml",
            15,
            5,
            "unknown-field",
            "unknown field `warm_line_timout_sec` in `spec.algorithm`: did you mean `warm_line_timeout_sec`?",
        ),
        (
            "campaign.yaml",
            17,
            12,
            "us-calling-hours",
            "calling_hours start 07:00 (America/New_York) is outside 08:00-21:00 (47 CFR 64.1200(c)(1): 08:00-21:00 in the called party's local time)",
        ),
        (
            "campaign.yaml",
            18,
            10,
            "us-calling-hours",
            "calling_hours end 22:00 (America/New_York) is outside 08:00-21:00 (47 CFR 64.1200(c)(1): 08:00-21:00 in the called party's local time)",
        ),
        (
            "campaign.yaml",
            20,
            14,
            "us-dnc-national",
            "dnc_lists must include 'national' (47 CFR 64.1200(c)(2); 16 CFR 310.4(b)(1)(iii)(B): National Do Not Call Registry)",
        ),
    ],
    "unknown-jurisdiction": [
        (
            "tenant.yaml",
            7,
            30,
            "invalid-value",
            "`spec.compliance.jurisdiction`: unknown jurisdiction 'USA': did you mean `US`? use one of CA, UK, US",
        ),
    ],
    "unknown-kind": [
        ("campaign.yaml", 2, 7, "unknown-kind", "unknown kind 'Campain': did you mean `Campaign`?"),
    ],
    "unknown-top-level": [
        (
            "campaign.yaml",
            18,
            1,
            "unknown-field",
            "unknown field `simulations`: did you mean `simulation`?",
        ),
    ],
    "us-abandonment-cap": [
        (
            "campaign.yaml",
            13,
            30,
            "us-abandonment-cap",
            "abandonment_rate_target 0.05 is above the US cap of 0.03 (47 CFR 64.1200(a)(7); 16 CFR 310.4(b)(4)(i): 3% of live-answered calls per campaign per 30-day period)",
        ),
    ],
    "verify-interval": [
        (
            "campaign.yaml",
            18,
            1,
            "verify-interval",
            "verify interval_seconds 60 exceeds watch_seconds 30 (after merging the Tenant's defaults)",
        ),
    ],
    "verify-metric": [
        (
            "campaign.yaml",
            20,
            5,
            "invalid-value",
            "`verify.metrics` has an unknown key `abandonRate`: should be 'efficiency', 'abandonmentRate', 'answerRate' or 'averageWaitTime'; did you mean `abandonmentRate`?",
        ),
    ],
    "warn-ca-weekend": [
        (
            "campaign.yaml",
            13,
            3,
            "ca-weekend-calling-hours",
            "calling_hours 09:00-20:00 exceed the weekend window 10:00-18:00 (CRTC Unsolicited Telecommunications Rules: weekdays 09:00-21:30, weekends 10:00-18:00)",
        ),
    ],
    "warn-pacing": [
        (
            "campaign.yaml",
            9,
            29,
            "pacing-line-cap",
            "peak line demand max_agents x dial_ratio = 25 x 3 = 75 exceeds max_simultaneous_calls 40: the dialer is capped at an effective dial ratio of 1.60",
        ),
        (
            "campaign.yaml",
            17,
            14,
            "us-dnc-company-list",
            "dnc_lists has no company-specific list: people who asked this company not to call must be suppressed too",
        ),
    ],
    "warn-trunk-overlap": [
        (
            "tenant.yaml",
            6,
            3,
            "trunk-overlap",
            "campaigns whose calling windows overlap need 120 simultaneous calls at 15:00 UTC (on 2025-01-01), above the 82.5 trunks still free: Collections_Central, Collections_East",
        ),
    ],
    "warn-uk-safe-harbour": [
        (
            "campaign.yaml",
            11,
            5,
            "uk-abandonment-not-safe-harbour",
            "predictive dialing: Ofcom persistent-misuse policy: 3% of live calls per campaign per 24 hours; since 2017 not a safe harbour; Ofcom may act on abandoned calls even below the cap",
        ),
    ],
    "yaml-syntax": [
        (
            "campaign.yaml",
            18,
            1,
            "yaml-syntax",
            "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence started at line 17)",
        ),
    ],
}


def _case_ids() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def test_corpus_is_large_and_fully_described() -> None:
    assert sorted(CASES) == _case_ids()
    assert sum(1 for name in CASES if not name.startswith("warn-")) >= 25


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_reports_exact_locations_and_messages(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIXTURES)
    state, diagnostics = validate_spec_dir(Path(case))
    warning_case = case.startswith("warn-")
    wanted_severity = "warning" if warning_case else "error"
    found = [
        (d.path, d.line, d.col, d.code, d.message)
        for d in diagnostics
        if d.severity == wanted_severity and d.code != "no-carrier"
    ]
    expected = [
        (f"{case}/{rel}", line, col, code, msg) for rel, line, col, code, msg in CASES[case]
    ]
    assert found == expected
    if warning_case:
        assert state is not None
        assert all(d.severity == "warning" for d in diagnostics)
    else:
        assert state is None
        with pytest.raises(SpecInvalid) as raised:
            load_desired_state(Path(case))
        assert raised.value.diagnostics == diagnostics
        assert expected[0][0] in str(raised.value)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_cli_never_shows_a_traceback(
    case: str, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(FIXTURES)
    code = main(["validate", case, "--format", fmt])
    out, err = capsys.readouterr()
    assert code == (0 if case.startswith("warn-") else 1)
    assert "Traceback" not in out + err
    assert err == ""


def test_literal_token_never_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(FIXTURES)
    for fmt in ("text", "json", "github"):
        main(["validate", "literal-token", "--format", fmt])
        out, err = capsys.readouterr()
        assert "s3cr3t" not in out + err


def test_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    spec = Path("env")
    spec.mkdir()
    (spec / "big.yaml").write_text("# " + "x" * 2000 + "\n")
    _, diagnostics = validate_spec_dir(spec, max_file_bytes=1000)
    errors = [d for d in diagnostics if d.severity == "error"]
    assert [(d.path, d.line, d.col, d.code, d.message) for d in errors] == [
        ("env/big.yaml", 1, 1, "file-too-large", "file is 2003 bytes, over the limit of 1000 bytes")
    ]


@pytest.mark.parametrize("levels", [65, 999, 1_500, 40_000])
def test_deep_nesting_is_refused_without_crashing(tmp_path: Path, levels: int) -> None:
    # libyaml's composer recurses in C (~30,000 levels kill the interpreter), and some
    # libyaml builds stop on their own near 1,000 levels: whichever libyaml is installed,
    # the user sees one located error naming our limit, and no crash.
    (tmp_path / "deep.yaml").write_text("a: " + "[" * levels + "]" * levels + "\n")
    _, diagnostics = validate_spec_dir(tmp_path)
    errors = [d for d in diagnostics if d.severity == "error"]
    assert [(d.path.endswith("deep.yaml"), d.line, d.code) for d in errors] == [
        (True, 1, "too-deep")
    ]
    assert errors[0].message == "nesting deeper than 64 levels"
    assert 1 <= errors[0].col <= len("a: ") + levels


def test_missing_and_empty_spec_dirs(tmp_path: Path) -> None:
    _, missing = validate_spec_dir(tmp_path / "nope")
    assert [d.code for d in missing] == ["no-spec-dir"]
    _, empty = validate_spec_dir(tmp_path)
    assert [d.code for d in empty] == ["no-spec-files"]
    with pytest.raises(SpecInvalid):
        load_desired_state(tmp_path)
