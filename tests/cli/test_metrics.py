"""`reconciler metrics` against the emulator over a socket: every page, every format."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli.main import main
from reconciler.cli.metrics import abandonment_chart
from reconciler.dialer_v1.api import MetricRow
from reconciler.dialer_v1.emulator import Emulator, EmulatorConfig, serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "specs" / "example")
SEED = ROOT / "reconciler" / "demo" / "live-tenant.yaml"
# Ten days of hours: 240 intervals, fixed so the test does not depend on "now".
WINDOW = ["--from", "2026-11-01T00:00:00Z", "--to", "2026-11-11T00:00:00Z"]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator.from_seed_file(SEED, EmulatorConfig())
    with serve_in_thread(emu) as url:
        monkeypatch.setenv("CXONE_BASE_URL", url)
        monkeypatch.setenv("CXONE_CLIENT_ID", "t")
        monkeypatch.setenv("CXONE_CLIENT_SECRET", "s")
        monkeypatch.setenv("RECONCILER_STATE_DIR", str(tmp_path / "state"))
        yield emu


def metrics(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(["metrics", EXAMPLE, "--campaign", "Collections_East", *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def metric_pages(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if r.path.startswith("/api/v1/analytics"))


def test_json_follows_every_page(served: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    data: dict[str, Any] = json.loads(
        metrics(capsys, *WINDOW, "--format", "json", "--page-size", "7")
    )
    assert data["campaign"] == "Collections_East"
    rows = data["results"]
    assert len(rows) == 240
    starts = [r["intervalStart"] for r in rows]
    assert starts[0] == "2026-11-01T00:00:00Z" and starts[-1] == "2026-11-10T23:00:00Z"
    assert len(set(starts)) == 240 and starts == sorted(starts)
    assert metric_pages(served) == 35  # ceil(240 / 7): every page, once
    assert set(rows[0]) == {
        "campaignId",
        "intervalStart",
        "intervalEnd",
        "efficiency",
        "abandonmentRate",
        "answerRate",
        "averageWaitTime",
    }


def test_one_metric_by_day_as_csv(served: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    served.set_metric("Collections_East", "abandonmentRate", 0.0125)
    out = metrics(
        capsys, *WINDOW, "--metric", "abandonmentRate", "--group-by", "day", "--format", "csv"
    )
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["interval_start", "interval_end", "abandonmentRate"]
    assert len(table) == 11
    assert all(row[2] == "0.0125" for row in table[1:])
    assert table[1][:2] == ["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"]


def test_table_and_markdown_with_a_chart(
    served: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    window = ["--from", "2026-11-01T00:00:00Z", "--to", "2026-11-01T06:00:00Z"]
    out = metrics(capsys, *window, "--metric", "abandonmentRate", "--metric", "efficiency")
    lines = out.splitlines()
    assert lines[0].split() == [
        "INTERVAL",
        "START",
        "INTERVAL",
        "END",
        "abandonmentRate",
        "efficiency",
    ]
    assert lines[-1] == "6 interval(s) for campaign Collections_East (grouped by hour)"
    served.set_metric("Collections_East", "abandonmentRate", 0.02)
    md = metrics(capsys, *window, "--format", "markdown")
    assert "| 2026-11-01T00:00:00Z | 2026-11-01T01:00:00Z |" in md
    assert "```mermaid\nxychart-beta\n" in md
    # The tightest limit of this campaign: its target (and verify max) of 2.5%.
    assert "abandonment_rate_target 2.50%" in md
    assert "    bar [2.00, 2.00, 2.00, 2.00, 2.00, 2.00]" in md
    assert "    line [2.50, 2.50, 2.50, 2.50, 2.50, 2.50]" in md


def test_an_unknown_campaign_is_an_error(
    served: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["metrics", EXAMPLE, "--campaign", "Nope"]) == 1
    assert "no live campaign named 'Nope'" in capsys.readouterr().err


def charts(md: str) -> list[tuple[str, list[str], list[str]]]:
    """(title, x labels, bars) of every Mermaid chart in `md`."""
    out = []
    for block in re.findall(r"```mermaid\n(.*?)```", md, flags=re.S):
        title = re.search(r'title "(.*)"', block)
        xs = re.search(r"x-axis \[(.*)\]", block)
        bars = re.search(r"bar \[(.*)\]", block)
        assert title and xs and bars, block
        labels = [x.strip().strip('"') for x in xs.group(1).split(",")]
        out.append((title.group(1), labels, bars.group(1).split(", ")))
    return out


def test_two_days_of_hours_make_one_chart_per_day_with_no_label_twice(
    served: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # Mermaid draws equal x labels as one bar: 48 hours labelled HH:MM in one chart
    # showed a single day. Each day now has its own chart, titled with its date.
    window = ["--from", "2026-11-01T00:00:00Z", "--to", "2026-11-03T00:00:00Z"]
    md = metrics(capsys, *window, "--metric", "abandonmentRate", "--format", "markdown")
    drawn = charts(md)
    assert [title.split(" (%)")[0] for title, _, _ in drawn] == [
        "abandonment per hour on 2026-11-01",
        "abandonment per hour on 2026-11-02",
    ]
    for _, labels, bars in drawn:
        assert labels == [f"{h:02d}:00" for h in range(24)]  # unique, in order
        assert len(bars) == 24
    assert "The charts show the last" not in md  # nothing left out


def test_a_longer_range_charts_the_last_48_intervals_and_says_so(
    served: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    md = metrics(capsys, *WINDOW, "--metric", "abandonmentRate", "--format", "markdown")
    drawn = charts(md)
    assert [title.split(" (%)")[0][-10:] for title, _, _ in drawn] == [
        "2026-11-09",
        "2026-11-10",
    ]
    assert sum(len(bars) for _, _, bars in drawn) == 48
    assert "_The charts show the last 48 of 240 intervals; the table above lists every one._" in md
    assert md.count("\n| 2026-11-") == 240  # the table keeps every interval


def test_a_repeated_interval_start_still_gets_a_label_of_its_own() -> None:
    def row(start: str) -> MetricRow:
        return MetricRow("c1", start, start, {"abandonmentRate": 0.01})

    rows = [row("2026-11-01T01:00:00-04:00"), row("2026-11-01T01:00:00-05:00")]
    ((_, labels, bars),) = charts(abandonment_chart(rows, 0.03, "the law", "hour"))
    assert labels == ["01:00", "01:00 #2"] and len(bars) == 2


def test_a_query_the_server_refuses_names_the_option_and_the_value(
    served: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # Six years of hours is well-formed but more intervals than the API serves in one query:
    # only the server knows its limit, so its 400 must explain itself.
    window = ["--from", "2020-01-01T00:00:00Z", "--to", "2026-01-01T00:00:00Z"]
    code = main(["metrics", EXAMPLE, "--campaign", "Collections_East", *window])
    err = capsys.readouterr().err
    assert code == 1
    assert (
        "the API refused the query: `from` (--from '2020-01-01T00:00:00Z'): at most 10000 "
        "intervals (GET /api/v1/analytics/dialer/metrics -> 400)"
    ) in err
    assert "hint: check --from and --to" in err
    assert "Traceback" not in err
