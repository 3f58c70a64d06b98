"""Run one `reconciler` command the way every workflow step does.

Its standard output is shown in the log and saved to `--report` (the PR comment, summary or
issue body); its standard error is shown and, with `--errors`, saved too. The exit code is
written as `exit-code=` (and the report path as `report=`) to `--github-output`. The step
succeeds when the code is 0 or listed in `--allow-exit-codes` (e.g. `2`: changes or drift),
and otherwise exits with the tool's own code.

    run_reconciler.py --report plan.md --allow-exit-codes 2 -- plan specs/prod --format markdown
    run_reconciler.py --report out.txt --args 'drift specs/prod --format markdown'
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO


def parse_codes(text: str) -> frozenset[int]:
    """`"2"`, `"0,2"`, `"1 2"` -> the codes; 0 is always allowed."""
    codes = {int(part) for part in text.replace(",", " ").split()}
    return frozenset(codes | {0})


def _tee(source: IO[bytes], sinks: Sequence[IO[bytes]]) -> None:
    for chunk in iter(source.readline, b""):
        for sink in sinks:
            sink.write(chunk)
            sink.flush()


def run(command: Sequence[str], report: Path, errors: Path | None) -> int:
    """Run `command`, streaming its output to the log and the report files; its exit code."""
    report.parent.mkdir(parents=True, exist_ok=True)
    with report.open("wb") as report_file:
        err_file = errors.open("wb") if errors else None
        try:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            assert proc.stdout is not None and proc.stderr is not None
            err_sinks: list[IO[bytes]] = [sys.stderr.buffer]
            if err_file:
                err_sinks.append(err_file)
            # Both pipes are drained at once, or a chatty stderr could block the tool.
            err_thread = threading.Thread(target=_tee, args=(proc.stderr, err_sinks))
            err_thread.start()
            _tee(proc.stdout, [sys.stdout.buffer, report_file])
            err_thread.join()
            return proc.wait()
        finally:
            if err_file:
                err_file.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", required=True, type=Path, help="save standard output here")
    parser.add_argument("--errors", type=Path, help="save standard error here")
    parser.add_argument("--allow-exit-codes", default="0", help="codes that pass, e.g. 2 or 0,2")
    parser.add_argument("--github-output", help="append exit-code= and report= here")
    parser.add_argument("--program", default="reconciler", help="the executable to run")
    parser.add_argument("--args", help="the command's arguments as one shell-quoted string")
    parser.add_argument("argv", nargs="*", help="the command's arguments (after --)")
    args = parser.parse_args(argv)
    if (args.args is None) == (not args.argv):
        parser.error("give the command's arguments either after -- or as --args, not both")
    # shlex, never a shell: the string is split like a command line but nothing is expanded.
    command_args = shlex.split(args.args) if args.args is not None else list(args.argv)
    allowed = parse_codes(args.allow_exit_codes)
    try:
        code = run([args.program, *command_args], args.report, args.errors)
    except FileNotFoundError:
        print(f"error: {args.program!r} is not installed", file=sys.stderr)
        code = 127
    if args.github_output:
        with open(args.github_output, "a", encoding="utf-8") as out:
            out.write(f"exit-code={code}\nreport={args.report}\n")
    return 0 if code in allowed else code


if __name__ == "__main__":
    sys.exit(main())
