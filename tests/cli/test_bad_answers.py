"""`plan`, `drift` and `apply` against a server that misbehaves: one clean located error.

Each case runs `python -m reconciler` as a separate process against the emulator on a
127.0.0.1 socket, with the emulator's `replace_body`/`page_token` faults rewriting real
answers, and asserts stderr is exactly the golden error (no traceback, no "unhandled
exception" from a task left running, a few lines), exit code 1, bounded time, and for apply
that nothing was written. `pytest --update-goldens` rewrites tests/cli/golden/bad_answers/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reconciler.dialer_v1.emulator import Emulator
from tests.engine.conftest import (
    TOKEN,
    Cli,
    CliFactory,
    desired_seed,
    drifted_seed,
    extra_campaign,
)

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "bad_answers"
PROCESS_SECONDS = 60  # a loop that was not stopped fails the test here instead of hanging
MAX_STDERR_LINES = 3  # the error and its hint
SETTINGS = "/api/v1/dialer/settings"
CAMPAIGNS = "/api/v1/campaigns"
WEBHOOKS = "/api/v1/integrations/webhooks"

Fault = Callable[[Emulator], None]


@dataclass(frozen=True)
class Case:
    name: str
    fault: Fault
    extra_campaigns: int = 0  # 520: two pages of 500; 1020: three


def slow_others(emu: Emulator, *paths: str) -> None:
    """The other reads still in flight when the broken answer arrives (the race of the issue)."""
    for path in paths:
        emu.faults.latency(0.3, path=path)


def campaign_page(emu: Emulator, change: dict[str, Any]) -> str:
    """The first campaign of the live tenant as a one-item page, with `change` applied."""
    campaign = emu.tenant_json()["campaigns"][0]
    for key, value in change.items():
        if value is None:
            campaign.pop(key, None)
        else:
            campaign[key] = value
    return json.dumps({"campaigns": [campaign], "nextPageToken": None})


def settings_html(emu: Emulator) -> None:
    slow_others(emu, CAMPAIGNS, WEBHOOKS)
    page = (
        "<!DOCTYPE html><html><head><title>Sign in to continue</title></head><body></body></html>"
    )
    emu.faults.replace_body(page, content_type="text/html; charset=utf-8", path=SETTINGS)


def settings_no_render(emu: Emulator) -> None:
    slow_others(emu, CAMPAIGNS, WEBHOOKS)
    emu.faults.replace_body("No known way to render data", content_type="text/plain", path=SETTINGS)


def settings_null(emu: Emulator) -> None:
    slow_others(emu, CAMPAIGNS, WEBHOOKS)
    emu.faults.replace_body("null", path=SETTINGS)


def campaigns_cut_short(emu: Emulator) -> None:
    slow_others(emu, SETTINGS, WEBHOOKS)
    emu.faults.replace_body('{"campaigns": [{"id": "c-000001", "name": "Collec', path=CAMPAIGNS)


def webhooks_empty(emu: Emulator) -> None:
    slow_others(emu, SETTINGS, CAMPAIGNS)
    emu.faults.replace_body("", content_type="", path=WEBHOOKS)


def campaign_without_version_tag(emu: Emulator) -> None:
    emu.faults.replace_body(campaign_page(emu, {"versionTag": None}), path=CAMPAIGNS)


def campaign_with_numeric_id(emu: Emulator) -> None:
    emu.faults.replace_body(campaign_page(emu, {"id": 17}), path=CAMPAIGNS)


def campaign_without_name_or_id(emu: Emulator) -> None:
    emu.faults.replace_body(campaign_page(emu, {"id": None, "name": None}), path=CAMPAIGNS)


def token_repeats(emu: Emulator) -> None:
    emu.faults.page_token(path=CAMPAIGNS)


def pages_cycle(emu: Emulator) -> None:
    emu.faults.page_token(mode="restart", path=CAMPAIGNS)


PLAN_CASES = [
    Case("settings-html", settings_html),
    Case("settings-no-render", settings_no_render),
    Case("settings-null", settings_null),
    Case("campaigns-cut-short", campaigns_cut_short),
    Case("webhooks-empty", webhooks_empty),
    Case("campaign-without-version-tag", campaign_without_version_tag),
    Case("campaign-with-numeric-id", campaign_with_numeric_id),
    Case("campaign-without-name-or-id", campaign_without_name_or_id),
    Case("token-repeats", token_repeats, extra_campaigns=520),
    Case("pages-cycle", pages_cycle, extra_campaigns=1020),
]


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def reconciler(cli: Cli, *argv: str) -> Result:
    """`python -m reconciler ARGV...` as its own process, with the test's environment."""
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", *argv],
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=PROCESS_SECONDS,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def seed(case: Case, base: dict[str, Any]) -> dict[str, Any]:
    like = base["campaigns"][0]
    base["campaigns"] += [
        extra_campaign(f"Bulk_{i:04d}", like) for i in range(case.extra_campaigns)
    ]
    return base


def assert_clean_error(result: Result, golden: str, update: bool) -> None:
    """Exit 1 and exactly the golden error: no traceback, nothing a leftover task printed."""
    assert result.code == 1, result.err
    for noise in ("Traceback", "unhandled exception", "Task exception", "RuntimeError"):
        assert noise not in result.err, result.err
    assert result.err.startswith("error: ") and len(result.err.splitlines()) <= MAX_STDERR_LINES
    assert TOKEN not in result.out + result.err
    assert "e2e-client-secret" not in result.out + result.err
    check_golden(golden, result.err, update)


def check_golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / f"{name}.txt"
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run `pytest tests/cli --update-goldens`"
    assert text == path.read_text(encoding="utf-8"), f"{name}: stderr differs from its golden"


@pytest.mark.parametrize("case", PLAN_CASES, ids=lambda c: c.name)
def test_plan_stops_with_one_located_error(
    cli_factory: CliFactory, case: Case, update_goldens: bool
) -> None:
    cli = cli_factory(seed(case, drifted_seed()))
    case.fault(cli.emu)

    result = reconciler(cli, "plan", str(cli.spec))

    assert_clean_error(result, f"plan-{case.name}", update_goldens)
    assert result.out == ""
    assert cli.writes_since() == []


@pytest.mark.parametrize(
    "case",
    [Case("settings-html", settings_html), Case("token-repeats", token_repeats, 520)],
    ids=lambda c: c.name,
)
def test_drift_stops_with_one_located_error_not_a_drift_verdict(
    cli_factory: CliFactory, case: Case, update_goldens: bool
) -> None:
    cli = cli_factory(seed(case, desired_seed(token=TOKEN)))
    case.fault(cli.emu)

    result = reconciler(cli, "drift", str(cli.spec))

    assert_clean_error(result, f"drift-{case.name}", update_goldens)


@pytest.mark.parametrize(
    "case",
    [
        Case("settings-html", settings_html),
        Case("campaign-without-version-tag", campaign_without_version_tag),
        Case("pages-cycle", pages_cycle, 1020),
    ],
    ids=lambda c: c.name,
)
def test_apply_stops_before_any_write(
    cli_factory: CliFactory, case: Case, update_goldens: bool
) -> None:
    cli = cli_factory(seed(case, drifted_seed()))
    before = cli.view()
    case.fault(cli.emu)

    result = reconciler(cli, "apply", str(cli.spec), "--auto-approve", "--no-verify")

    assert_clean_error(result, f"apply-{case.name}", update_goldens)
    assert cli.writes_since() == []
    assert cli.view() == before
    assert cli.unfinished() == 0


def test_apply_whose_write_is_answered_with_html_restores_the_snapshot(
    cli_factory: CliFactory,
) -> None:
    cli = cli_factory(drifted_seed())
    before = cli.view()
    cli.emu.faults.replace_body(
        "<html><title>Bad gateway</title></html>",
        content_type="text/html",
        method="PUT",
        path=SETTINGS,
    )

    result = reconciler(cli, "apply", str(cli.spec), "--auto-approve", "--no-verify")

    assert result.code == 1, result.err
    assert "Traceback" not in result.err and "unhandled exception" not in result.err
    assert "the answer is an HTML page (text/html, 39 bytes), not JSON: 'Bad gateway'" in (
        result.err
    )
    assert (
        f"the write was accepted but its outcome is unknown (PUT {SETTINGS} -> 202)" in result.err
    )
    now = cli.view()
    assert now.bodies == before.bodies  # the settings write landed; the restore undid it
    assert cli.unfinished() == 0
