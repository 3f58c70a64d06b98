"""Refusals that come before any write: a missing secret, no API address, a saved plan
without approval."""

from __future__ import annotations

import pytest

from tests.engine.conftest import Cli


def test_an_unset_webhook_token_is_refused_before_the_prompt_and_any_post(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WFM_WEBHOOK_TOKEN")
    plan = cli.run("plan", str(cli.spec))
    assert plan.code == 0
    assert "warning: Webhook.WFM_Dialer_Sync needs WFM_WEBHOOK_TOKEN, which is not set" in plan.err
    mark = cli.mark()
    # No --auto-approve and no terminal: had it reached the prompt, it would say so.
    refused = cli.run("apply", str(cli.spec), "--no-verify")
    assert refused.code == 1
    assert "WFM_WEBHOOK_TOKEN, which is not set" in refused.err
    assert "non-interactive" not in refused.err
    assert [r.method for r in cli.emu.requests[mark:]].count("POST") <= 1  # the token only
    assert not cli.writes_since(mark)


def test_a_saved_plan_is_checked_for_secrets_before_any_request(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    saved = cli.state_root.parent / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(saved)).code == 0
    monkeypatch.delenv("WFM_WEBHOOK_TOKEN")
    mark = cli.mark()
    refused = cli.run("apply", str(cli.spec), "--plan", str(saved), "--no-verify")
    assert refused.code == 1 and "WFM_WEBHOOK_TOKEN" in refused.err
    assert cli.emu.requests[mark:] == []


def test_a_saved_plan_needs_approval_like_any_apply(cli: Cli) -> None:
    saved = cli.state_root.parent / "plan.json"
    assert cli.run("plan", str(cli.spec), "--out", str(saved)).code == 0
    mark = cli.mark()
    refused = cli.run("apply", str(cli.spec), "--plan", str(saved), "--no-verify")
    assert refused.code == 1 and "--auto-approve" in refused.err
    assert cli.writes_since(mark) == []
    applied = cli.run("apply", str(cli.spec), "--plan", str(saved), "--no-verify", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "Apply complete" in applied.out


def test_no_api_address_names_the_variable_and_sends_nothing(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CXONE_BASE_URL")
    mark = cli.mark()
    for command in ("plan", "drift"):
        run = cli.run(command, str(cli.spec))
        assert run.code == 1
        assert "no API address: set CXONE_BASE_URL or the Tenant's spec.base_url" in run.err
    assert cli.emu.requests[mark:] == []
