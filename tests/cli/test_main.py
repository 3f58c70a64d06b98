"""The entry point: exit codes of usage errors."""

from __future__ import annotations

import pytest

from reconciler.cli.main import main


def test_usage_errors_exit_1_never_2(capsys: pytest.CaptureFixture[str]) -> None:
    # exit 2 means "changes" or "drift" to a pipeline; a typo must not look like either
    assert main(["plan"]) == 1
    assert main(["drift", "specs/example", "--no-such-flag"]) == 1
    assert main(["--help"]) == 0
    assert "usage" in capsys.readouterr().err
