"""`reconciler audit`: `verify` parses as a sub-command; a refused query explains itself."""

from __future__ import annotations

import pytest

from reconciler.cli.main import main
from tests.engine.conftest import Cli


def test_verify_without_spec_dir_is_a_usage_error_not_a_directory_named_verify(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "`audit verify` checks the local audit log of one environment and needs" in err
    assert "reconciler audit verify SPEC_DIR" in err
    assert "spec directory verify does not exist" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["audit", "verify", "a", "b"], "`audit verify` takes one SPEC_DIR, not 2"),
        (["audit", "a", "b"], "one SPEC_DIR expected, not 2: a b"),
    ],
)
def test_extra_words_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "usage: reconciler audit SPEC_DIR" in err


def test_verify_refuses_the_options_that_filter_the_api_log(cli: Cli) -> None:
    run = cli.run("audit", "--from", "2026-11-01T00:00:00Z", "verify", str(cli.spec))
    assert run.code == 1
    assert "--from filters the API's audit log; `audit verify` checks the whole" in run.err
    assert cli.emu.requests == []


def test_verify_and_the_api_log_both_work(cli: Cli) -> None:
    ok = cli.run("audit", "verify", str(cli.spec))
    assert ok.code == 0 and "hash chain intact" in ok.out
    log = cli.run("audit", str(cli.spec), "--entity", "campaign")
    assert log.code == 0 and log.out.splitlines()[0].startswith("TIMESTAMP")


def test_a_refusal_naming_no_parameter_says_what_was_sent(cli: Cli) -> None:
    cli.emu.faults.http_error(400, path="/api/v1/audit/logs")
    run = cli.run("audit", str(cli.spec), "--from", "2026-11-01T00:00:00Z", "--entity", "webhook")
    assert run.code == 1
    assert (
        "the API refused the query without naming a parameter; it was sent --entity 'webhook', "
        "--from '2026-11-01T00:00:00Z' (GET /api/v1/audit/logs -> 400)"
    ) in run.err
    assert "hint: check --from and --to" in run.err
