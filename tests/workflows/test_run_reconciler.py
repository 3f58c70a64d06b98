"""run_reconciler.py: the step wrapper every workflow and the composite action call."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import run_reconciler

# Stands in for `reconciler`: prints its arguments, a line on stderr, exits with argv[1].
TOOL = """
import sys
print("<!-- reconciler:plan:prod -->")
print("args:", sys.argv[2:])
print("an error line", file=sys.stderr)
sys.exit(int(sys.argv[1]))
"""


@pytest.fixture
def tool(tmp_path: Path) -> Path:
    script = tmp_path / "tool.py"
    script.write_text(TOOL)
    return script


def invoke(tmp_path: Path, tool: Path, code: int, *extra: str, allow: str = "2") -> int:
    return run_reconciler.main(
        [
            "--program",
            sys.executable,
            "--report",
            str(tmp_path / "out" / "report.md"),
            "--errors",
            str(tmp_path / "out" / "report.err"),
            "--allow-exit-codes",
            allow,
            "--github-output",
            str(tmp_path / "gh-out"),
            "--",
            str(tool),
            str(code),
            *extra,
        ]
    )


@pytest.mark.parametrize(("code", "step"), [(0, 0), (2, 0), (1, 1), (3, 3)])
def test_exit_codes_pass_or_fail_the_step(
    tmp_path: Path, tool: Path, code: int, step: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert invoke(tmp_path, tool, code, "plan", "specs/prod") == step
    report = (tmp_path / "out" / "report.md").read_text()
    assert report == "<!-- reconciler:plan:prod -->\nargs: ['plan', 'specs/prod']\n"
    assert (tmp_path / "out" / "report.err").read_text() == "an error line\n"
    out_lines = (tmp_path / "gh-out").read_text().splitlines()
    assert out_lines == [f"exit-code={code}", f"report={tmp_path / 'out' / 'report.md'}"]
    # The log shows both streams as well.
    captured = capsys.readouterr()
    assert "args: ['plan', 'specs/prod']" in captured.out
    assert "an error line" in captured.err


def test_without_allowed_codes_only_zero_passes(tmp_path: Path, tool: Path) -> None:
    assert invoke(tmp_path, tool, 2, allow="") == 2
    assert invoke(tmp_path, tool, 0, allow="") == 0


def test_args_string_is_split_like_a_command_line_never_expanded(
    tmp_path: Path, tool: Path
) -> None:
    code = run_reconciler.main(
        [
            "--program",
            sys.executable,
            "--report",
            str(tmp_path / "r.md"),
            "--args",
            f"{tool} 0 drift 'specs/my env' $HOME;true",
        ]
    )
    assert code == 0
    assert "args: ['drift', 'specs/my env', '$HOME;true']" in (tmp_path / "r.md").read_text()


def test_a_missing_program_is_exit_127(tmp_path: Path) -> None:
    out = tmp_path / "gh-out"
    code = run_reconciler.main(
        [
            "--program",
            str(tmp_path / "no-such-tool"),
            "--report",
            str(tmp_path / "r.md"),
            "--github-output",
            str(out),
            "--",
            "plan",
        ]
    )
    assert code == 127
    assert out.read_text().splitlines()[0] == "exit-code=127"


def test_arguments_come_one_way(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        run_reconciler.main(["--report", str(tmp_path / "r"), "--args", "plan", "--", "plan"])
    with pytest.raises(SystemExit):
        run_reconciler.main(["--report", str(tmp_path / "r")])


def test_parse_codes() -> None:
    assert run_reconciler.parse_codes("2") == {0, 2}
    assert run_reconciler.parse_codes("0, 2 3") == {0, 2, 3}
    assert run_reconciler.parse_codes("") == {0}
