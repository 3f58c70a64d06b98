"""`reconciler validate` in its three formats, through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli.main import main
from reconciler.cli.validate import render_github
from reconciler.desired import Diagnostic

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).parent / "fixtures" / "bad"


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


def test_text_clean(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    code, out = _run(["validate", "specs/example"], capsys)
    assert (code, out) == (0, "example: valid (0 errors, 0 warnings)\n")


def test_text_errors_warnings_and_hints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(BAD)
    code, out = _run(["validate", "quoted-integer", "--format", "text"], capsys)
    assert code == 1
    assert out.splitlines() == [
        "quoted-integer:1:1: warning: no carrier in the Tenant spec: carrier-capacity rules are"
        " skipped [no-carrier]",
        "  hint: add `carrier: {max_trunks: N, current_utilization_percent: P}`",
        "quoted-integer/campaign.yaml:8:17: error: `spec.concurrency.max_agents` must be an"
        " integer, got the string '25' [wrong-type]",
        '  hint: remove the quotes: write 25, not "25"',
        "quoted-integer: invalid (1 error, 1 warning)",
    ]


def test_warnings_alone_exit_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(BAD)
    code, out = _run(["validate", "warn-pacing"], capsys)
    assert code == 0
    assert out.endswith("warn-pacing: valid (0 errors, 2 warnings)\n")


def test_json(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(BAD)
    code, out = _run(["validate", "simulation-range", "--format", "json"], capsys)
    report = json.loads(out)
    assert code == 1
    assert report["format_version"] == 1
    assert report["environment"] == "simulation-range"
    assert report["valid"] is False
    assert [(e["path"], e["line"], e["col"], e["code"]) for e in report["errors"]] == [
        ("simulation-range/campaign.yaml", 19, 16, "out-of-range"),
        ("simulation-range/campaign.yaml", 20, 27, "invalid-value"),
    ]
    assert set(report["errors"][0]) == {
        "path",
        "line",
        "col",
        "severity",
        "code",
        "message",
        "hint",
    }
    assert [w["code"] for w in report["warnings"]] == ["no-carrier"]


def test_json_clean(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    code, out = _run(["validate", "specs/example", "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out) == {
        "format_version": 1,
        "environment": "example",
        "valid": True,
        "self_heal": False,
        "errors": [],
        "warnings": [],
    }


def test_github(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(BAD)
    code, out = _run(["validate", "seed-trunk-capacity", "--format", "github"], capsys)
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == (
        "::error file=seed-trunk-capacity/dialer-settings.yaml,line=7,col=57,title=trunk-capacity"
        "::max_simultaneous_calls 200 exceeds the 82.5 trunks still free (max_trunks 150 x"
        " (1 - 45%25 utilisation))%0A hint: lower max_simultaneous_calls to at most 82, or free"
        " trunks"
    )
    assert lines[1].startswith(
        "::warning file=seed-trunk-capacity/dialer-settings.yaml,line=13,col=28,"
        "title=warm-line-abandonment::"
    )
    assert lines[-1] == "seed-trunk-capacity: invalid (1 error, 1 warning)"


def test_github_escaping() -> None:
    diagnostic = Diagnostic("a,b:c.yaml", 3, 4, "error", "50% off\r\nnext", None, "x")
    out = render_github("env", (diagnostic,))
    assert out.splitlines()[0] == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=x::50%25 off%0D%0Anext"
    )


def test_missing_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = _run(["validate", str(tmp_path / "nope"), "--format", "json"], capsys)
    assert code == 1
    assert json.loads(out)["errors"][0]["code"] == "no-spec-dir"


def test_subprocess_smoke() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "specs/example"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "example: valid (0 errors, 0 warnings)\n",
        "",
    )
