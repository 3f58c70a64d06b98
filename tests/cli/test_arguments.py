"""Every number and time on the command line is checked when the arguments are parsed.

A refused value exits 1 with a message naming the option, the value and what is allowed,
before anything is read, sent or written; the values at each bound are accepted.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from reconciler.cli import arguments
from reconciler.cli.main import COMMAND_MODULES, build_parser, main
from reconciler.desired.models import SEED_MAX, SimulationBlock

SPEC = "specs/example"
ROOT = Path(__file__).resolve().parents[2]

# (command words before the option, option, the values it must accept with what they parse
# to, the values it must refuse, and a word the refusal must contain)
Row = tuple[list[str], str, list[tuple[str, object]], list[str], str]

TABLE: list[Row] = [
    (
        ["apply", SPEC],
        "--operation-timeout",
        [("0.001", 0.001), ("300", 300.0), ("86400", 86400.0)],
        ["0", "-1", "86400.5", "1e9", "nan", "inf", "five", ""],
        "> 0 and <= 86400",
    ),
    (
        ["drift", SPEC, "--heal"],
        "--operation-timeout",
        [("0.5", 0.5), ("86400", 86400.0)],
        ["0", "-2", "86401", "soon"],
        "> 0 and <= 86400",
    ),
    (
        ["rollback", SPEC],
        "--operation-timeout",
        [("0.5", 0.5), ("86400", 86400.0)],
        ["0", "-0.1", "86401"],
        "> 0 and <= 86400",
    ),
    (
        ["apply", SPEC],
        "--verify-watch-seconds",
        [("0.01", 0.01), ("86400", 86400.0)],
        ["0", "-5", "90000", "-inf"],
        "> 0 and <= 86400",
    ),
    (
        ["simulate", SPEC],
        "--duration-minutes",
        [("0.5", 0.5), ("1440", 1440.0)],
        ["0", "-60", "1441", "NaN"],
        "> 0 and <= 1440",
    ),
    (
        ["simulate", SPEC],
        "--replications",
        [("1", 1), ("1000", 1000)],
        ["0", "-1", "1001", "2.5", "ten"],
        ">= 1 and <= 1000",
    ),
    (
        ["simulate", SPEC],
        "--seed",
        [("0", 0), (str(SEED_MAX), SEED_MAX)],
        ["-1", str(SEED_MAX + 1), "1.5", "0x10"],
        ">= 0 and <= 9223372036854775807",
    ),
    (
        ["metrics", SPEC, "--campaign", "Collections_East"],
        "--page-size",
        [("1", 1), ("500", 500)],
        ["0", "501", "-3", "50.0"],
        ">= 1 and <= 500",
    ),
    (
        ["emulator"],
        "--port",
        [("0", 0), ("65535", 65535)],
        ["-1", "65536", "http"],
        ">= 0 and <= 65535",
    ),
    (
        ["emulator"],
        "--operation-seconds",
        [("0", 0.0), ("86400", 86400.0)],
        ["-0.2", "86401", "inf"],
        ">= 0 and <= 86400",
    ),
    (
        ["emulator"],
        "--write-limit",
        [("1", 1), ("1000000", 1_000_000)],
        ["0", "-100", "1000001", "1.5"],
        ">= 1 and <= 1000000",
    ),
    (
        ["emulator"],
        "--read-limit",
        [("1", 1), ("1000000", 1_000_000)],
        ["0", "1000001"],
        ">= 1 and <= 1000000",
    ),
    (
        ["emulator", "--api", "cxone-admin"],
        "--start-stop-seconds",
        [("0", 0.0), ("86400", 86400.0)],
        ["-1", "86401", "nan"],
        ">= 0 and <= 86400",
    ),
    (
        ["emulator", "--api", "cxone-admin"],
        "--top-cap",
        [("0", 0), ("10000", 10_000)],
        ["-1", "10001", "2.5"],
        ">= 0 and <= 10000",
    ),
    (
        ["export", "--out", "x"],
        "--api-version",
        [("1", 1), ("99", 99)],
        ["0", "100", "30.5", "v30"],
        ">= 1 and <= 99",
    ),
    (
        ["emulator"],
        "--token-ttl",
        [("1", 1), ("86400", 86400)],
        ["0", "-3600", "86401", "1.5"],
        ">= 1 and <= 86400",
    ),
    (
        ["ci", "plan", "--base", "main", "--out", "ci-out"],
        "--pr",
        [("1", 1), ("2147483647", 2_147_483_647)],
        ["0", "-7", "2147483648", "#7"],
        ">= 1 and <= 2147483647",
    ),
    (
        ["metrics", SPEC, "--campaign", "Collections_East"],
        "--from",
        [
            ("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"),
            ("2026-11-01", "2026-11-01T00:00:00Z"),
            ("2026-11-01T08:30:00-05:00", "2026-11-01T13:30:00Z"),
            ("2026-11-01T08:30", "2026-11-01T08:30:00Z"),
            ("2026-11-01T08:30:00.250Z", "2026-11-01T08:30:00.250000Z"),
        ],
        ["yesterday", "2026-02-30", "2026-11-01T25:00:00Z", "1700000000", "01/11/2026", ""],
        "not an ISO 8601 time: e.g. 2026-11-01T08:00:00Z",
    ),
    (
        ["metrics", SPEC, "--campaign", "Collections_East"],
        "--to",
        [("2026-11-11T00:00:00+00:00", "2026-11-11T00:00:00Z")],
        ["tomorrow", "2026-11-11T00:00:00+25:00"],
        "not an ISO 8601 time",
    ),
    (
        ["audit", SPEC],
        "--from",
        [("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z")],
        ["yesterday", "now", "2026-13-01"],
        "not an ISO 8601 time",
    ),
    (
        ["audit", SPEC],
        "--to",
        [("2026-11-02", "2026-11-02T00:00:00Z")],
        ["later", "2026-11-02T00:00:00+0100"],
        "not an ISO 8601 time",
    ),
]

DESTS = {"--from": "start", "--to": "end"}


def _dest(option: str) -> str:
    return DESTS.get(option, option.removeprefix("--").replace("-", "_"))


def _parse(words: list[str]) -> argparse.Namespace:
    return build_parser(words[0]).parse_args(words)


def _refuses_before_doing_anything(
    words: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    """main(words) exits 1 with no output, no file written and no request sent."""
    work = tmp_path / "work"
    (work / "specs").mkdir(parents=True)
    (work / "specs" / "example").symlink_to(ROOT / "specs" / "example")
    monkeypatch.chdir(work)
    monkeypatch.setenv("RECONCILER_STATE_DIR", str(work / "state"))
    # Nothing listens here: a command that got as far as the network would fail differently.
    monkeypatch.setenv("CXONE_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CXONE_CLIENT_ID", "id")
    monkeypatch.setenv("CXONE_CLIENT_SECRET", "secret")
    before = sorted(os.listdir(work))
    assert main(words) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert sorted(os.listdir(work)) == before
    assert "Traceback" not in err
    return err


def _rows() -> list[tuple[list[str], str, str, str]]:
    return [
        (words, option, value, needle)
        for words, option, _, refused, needle in TABLE
        for value in refused
    ]


@pytest.mark.parametrize(
    ("words", "option", "value", "needle"),
    _rows(),
    ids=[f"{w[0]} {o} {v!r}" for w, o, v, _ in _rows()],
)
def test_a_bad_value_is_refused_at_parse_time(
    words: list[str],
    option: str,
    value: str,
    needle: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = _refuses_before_doing_anything(
        [*words, f"{option}={value}"], tmp_path, monkeypatch, capsys
    )
    message = err.strip().splitlines()[-1]
    assert f"argument {option}: {value!r}" in message  # which option, what was given
    assert needle in message  # what is allowed
    assert "e.g." in message


@pytest.mark.parametrize(
    ("words", "option", "value", "parsed"),
    [(w, o, v, p) for w, o, accepted, _, _ in TABLE for v, p in accepted],
)
def test_the_bounds_and_usual_values_are_accepted(
    words: list[str], option: str, value: str, parsed: object
) -> None:
    args = _parse([*words, option, value])
    got = getattr(args, _dest(option))
    assert got == parsed
    assert type(got) is type(parsed)


@pytest.mark.parametrize("command", [["metrics", SPEC, "--campaign", "X"], ["audit", SPEC]])
@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-11-02", "2026-11-01"),
        ("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"),
        ("2026-11-01T09:00:00+01:00", "2026-11-01T08:00:00Z"),  # the same instant
    ],
)
@pytest.mark.parametrize("to_first", [False, True])
def test_from_must_be_before_to(
    command: list[str],
    start: str,
    end: str,
    to_first: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pair = ["--to", end, "--from", start] if to_first else ["--from", start, "--to", end]
    err = _refuses_before_doing_anything([*command, *pair], tmp_path, monkeypatch, capsys)
    assert "is not before --to" in err
    assert "give a time range such as --from 2026-11-01T08:00:00Z" in err


def test_a_range_in_order_is_kept_as_utc() -> None:
    args = _parse(
        ["audit", SPEC, "--from", "2026-11-01T09:00:00+01:00", "--to", "2026-11-01T08:00:01Z"]
    )
    assert (args.start, args.end) == ("2026-11-01T08:00:00Z", "2026-11-01T08:00:01Z")


def _numeric_actions() -> list[tuple[str, argparse.Action]]:
    """Every option of every command (sub-commands included) with a `type=`."""
    found: list[tuple[str, argparse.Action]] = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, f"{prefix} {name}".strip())
            elif action.type is not None and action.option_strings:
                found.append((prefix, action))

    walk(build_parser(), "")
    return found


def test_every_typed_option_uses_a_checked_type_and_is_in_the_table() -> None:
    checked = {id(v) for v in vars(arguments).values() if isinstance(v, arguments.Number)}
    checked.add(id(arguments.instant))
    in_table = {
        (words[0] if words[0] != "ci" else "ci plan", option) for words, option, *_ in TABLE
    }
    seen = set()
    for command, action in _numeric_actions():
        if action.type is Path:
            continue
        option = action.option_strings[-1]
        assert id(action.type) in checked, f"{command} {option}: type={action.type!r}"
        seen.add((command, option))
    assert seen == in_table
    assert set(COMMAND_MODULES) >= {c.split()[0] for c, _ in seen}


def test_the_seed_range_is_the_specs_range() -> None:
    schema = SimulationBlock.model_json_schema()["properties"]["seed"]["anyOf"][0]
    assert (schema["minimum"], schema["maximum"]) == (0, SEED_MAX) == (0, arguments.SEED_MAX)
