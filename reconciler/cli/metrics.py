"""`reconciler metrics`: one campaign's analytics, every page of the API's answer.

`--format markdown` adds charts of abandonment per interval against the campaign's
lowest abandonment limit as Mermaid `xychart-beta` blocks (one per day for hourly data):
plain text that GitHub renders natively in comments and files, so it needs no plotting
dependency.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
from typing import Any, cast

from reconciler.cli.arguments import PAGE_SIZE, add_time_range
from reconciler.cli.context import Context, add_spec_dir, load_context
from reconciler.cli.query import QueryOptions, explain_refusal
from reconciler.dialer_v1.api import METRIC_NAMES, MetricName
from reconciler.dialer_v1.errors import ValidationError
from reconciler.engine.predict import abandonment_limits
from reconciler.errors import ConfigError
from reconciler.kinds import MetricRow

HELP = "show one campaign's analytics (every page of the API's metrics endpoint)"
CHART_MAX_POINTS = 48  # a chart wider than two days of hours stops being readable


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "metrics", help=HELP, description=HELP + ". Exit 0, 1 on error."
    )
    add_spec_dir(p)
    p.add_argument("--campaign", required=True, metavar="NAME", help="the campaign's name")
    p.add_argument(
        "--metric",
        action="append",
        choices=METRIC_NAMES,
        metavar="M",
        help=f"a metric to show (repeatable; default all: {', '.join(METRIC_NAMES)})",
    )
    p.add_argument(
        "--group-by", choices=("hour", "day"), default="hour", help="interval size (default hour)"
    )
    add_time_range(p, from_help="first interval (inclusive)", to_help="end of the last interval")
    p.add_argument(
        "--format",
        choices=("table", "csv", "json", "markdown"),
        default="table",
        help="table (default), csv, json, or markdown with a Mermaid chart",
    )
    p.add_argument(
        "--page-size", type=PAGE_SIZE, default=500, metavar="N", help="rows per API page (1-500)"
    )
    p.set_defaults(func=run)


async def fetch(ctx: Context, args: argparse.Namespace) -> tuple[str, list[MetricRow]]:
    """The campaign's live id and every row the API returns, all pages followed."""
    metrics = cast(list[MetricName], list(dict.fromkeys(args.metric or METRIC_NAMES)))
    async with ctx.client() as api:
        campaign_id = None
        async for c in api.iter_campaigns():
            if c.body.name == args.campaign:
                campaign_id = c.id
                break
        if campaign_id is None:
            raise ConfigError(f"no live campaign named {args.campaign!r}")
        try:
            rows = [
                row
                async for row in api.iter_metrics(
                    campaign_id,
                    metrics=metrics,
                    group_by=args.group_by,
                    start=args.start,
                    end=args.end,
                    page_size=args.page_size,
                )
            ]
        except ValidationError as exc:
            raise explain_refusal(exc, query_options(args)) from exc
    return campaign_id, rows


def query_options(args: argparse.Namespace) -> QueryOptions:
    """The options behind each query parameter, to explain a refusal."""
    return {
        "metrics": ("--metric", args.metric),
        "groupBy": ("--group-by", args.group_by),
        "from": ("--from", args.start),
        "to": ("--to", args.end),
        "pageSize": ("--page-size", args.page_size),
    }


def columns(args: argparse.Namespace) -> list[str]:
    """The metric columns, in the order asked for."""
    return list(dict.fromkeys(args.metric or METRIC_NAMES))


def row_json(row: MetricRow) -> dict[str, Any]:
    """A row in the API's own shape."""
    return {
        "campaignId": row.resource_id,
        "intervalStart": row.interval_start,
        "intervalEnd": row.interval_end,
        **row.values,
    }


def _cell(row: MetricRow, metric: str) -> str:
    value = row.values.get(metric)
    return "" if value is None else f"{value:g}"


def render_json(
    name: str, campaign_id: str, rows: list[MetricRow], args: argparse.Namespace
) -> str:
    """`{"campaign": NAME, "results": [...]}` plus the query."""
    data = {
        "campaign": name,
        "campaign_id": campaign_id,
        "group_by": args.group_by,
        "metrics": columns(args),
        "from": args.start,
        "to": args.end,
        "results": [row_json(r) for r in rows],
    }
    return json.dumps(data, indent=2) + "\n"


def render_csv(rows: list[MetricRow], args: argparse.Namespace) -> str:
    """One line per interval; empty cells where the API sent no value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    cols = columns(args)
    writer.writerow(["interval_start", "interval_end", *cols])
    for r in rows:
        writer.writerow([r.interval_start, r.interval_end, *(_cell(r, m) for m in cols)])
    return out.getvalue()


def render_table(name: str, rows: list[MetricRow], args: argparse.Namespace) -> str:
    """An aligned table for a terminal."""
    cols = columns(args)
    table = [["INTERVAL START", "INTERVAL END", *cols]]
    table += [[r.interval_start, r.interval_end, *(_cell(r, m) for m in cols)] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    lines.append(f"{len(rows)} interval(s) for campaign {name} (grouped by {args.group_by})")
    return "\n".join(lines) + "\n"


def _unique(labels: list[str]) -> list[str]:
    """The labels with a repeat numbered (`01:00`, `01:00 #2`): Mermaid merges equal ones."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return out


def _chart(points: list[MetricRow], stamp: slice, title: str, limit: float) -> str:
    xs = ", ".join(f'"{x}"' for x in _unique([r.interval_start[stamp] for r in points]))
    values = [r.values["abandonmentRate"] * 100 for r in points]
    top = max([*values, limit * 100]) * 1.2
    bars = ", ".join(f"{v:.2f}" for v in values)
    line = ", ".join(f"{limit * 100:.2f}" for _ in points)
    return (
        "```mermaid\n"
        "xychart-beta\n"
        f'    title "{title}"\n'
        f"    x-axis [{xs}]\n"
        f'    y-axis "abandonment (%)" 0 --> {top:.2f}\n'
        f"    bar [{bars}]\n"
        f"    line [{line}]\n"
        "```\n"
    )


def abandonment_chart(rows: list[MetricRow], limit: float, label: str, group_by: str) -> str:
    """Mermaid xycharts: abandonment per interval (bars) against the limit (line).

    Hourly data gets one chart per day, labelled `HH:MM`: one chart of several days would
    repeat every label, and Mermaid draws equal labels as one bar, hiding whole days.
    """
    every = [r for r in rows if "abandonmentRate" in r.values]
    points = every[-CHART_MAX_POINTS:]
    if not points:
        return ""
    bound = f"vs {label} {limit * 100:.2f}%"
    if group_by == "hour":
        days: dict[str, list[MetricRow]] = {}
        for r in points:
            days.setdefault(r.interval_start[:10], []).append(r)
        charts = [
            _chart(day, slice(11, 16), f"abandonment per hour on {date} (%) {bound}", limit)
            for date, day in days.items()
        ]
    else:
        charts = [_chart(points, slice(0, 10), f"abandonment per {group_by} (%) {bound}", limit)]
    text = "\n".join(charts)
    if len(every) > len(points):
        text += (
            f"\n_The charts show the last {len(points)} of {len(every)} intervals; "
            "the table above lists every one._\n"
        )
    return text


def render_markdown(
    ctx: Context, name: str, rows: list[MetricRow], args: argparse.Namespace
) -> str:
    """A Markdown table, and the abandonment chart when abandonment was asked for."""
    cols = columns(args)
    lines = [
        f"### Metrics for `{name}` (per {args.group_by})",
        "",
        "| interval start | interval end | " + " | ".join(cols) + " |",
        "|---|---|" + "---:|" * len(cols),
    ]
    for r in rows:
        cells = " | ".join(_cell(r, m) for m in cols)
        lines.append(f"| {r.interval_start} | {r.interval_end} | {cells} |")
    text = "\n".join(lines) + "\n"
    if "abandonmentRate" in cols:
        limit, label = lowest_limit(ctx, name)
        chart = abandonment_chart(rows, limit, label, args.group_by)
        if chart:
            text = text + "\n" + chart
    return text


def lowest_limit(ctx: Context, name: str) -> tuple[float, str]:
    """The tightest abandonment bound for the campaign: verify max, target, tenant, law."""
    desired = ctx.desired
    try:
        doc = desired.campaign(name)
    except KeyError:
        target = None
        verify = None
    else:
        target = doc.body.algorithm.abandonment_rate_target
        verify = desired.verify_for(name)
    candidates = [
        (lim.value, lim.label.removeprefix("the ")) for lim in abandonment_limits(desired, target)
    ]
    bound = verify.metrics.get("abandonmentRate") if verify is not None else None
    if bound is not None and bound.max is not None:
        candidates.append((bound.max, "the verify max"))
    return min(candidates, key=lambda c: c[0])


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "metrics")
    campaign_id, rows = asyncio.run(fetch(ctx, args))
    if args.format == "json":
        out = render_json(args.campaign, campaign_id, rows, args)
    elif args.format == "csv":
        out = render_csv(rows, args)
    elif args.format == "markdown":
        out = render_markdown(ctx, args.campaign, rows, args)
    else:
        out = render_table(args.campaign, rows, args)
    sys.stdout.write(out)
    return 0
