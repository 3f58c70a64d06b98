"""`reconciler metrics`: one campaign's analytics, every page of the API's answer; or,
with `api: cxone-admin`, one outbound skill's dialing figures (`--skill`, or `--campaign`
naming the skill) from the Tenant's `metrics_source` (or `--source`): the dialer contacts'
15-minute intervals summed into hours or days, or the skill summary's one row for the range.

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from reconciler.cli.arguments import PAGE_SIZE, add_time_range
from reconciler.cli.context import Context, add_spec_dir, load_context
from reconciler.cli.query import QueryOptions, explain_refusal
from reconciler.cxone_admin.defaults import METRICS_SOURCES
from reconciler.cxone_admin.metrics import SKILL_METRICS, grouped, iso, read_skill_metrics
from reconciler.desired import CampaignDoc
from reconciler.dialer_v1.api import METRIC_NAMES, MetricName
from reconciler.dialer_v1.errors import ValidationError
from reconciler.engine.predict import CAMPAIGN_TARGET, abandonment_limits, skill_target
from reconciler.errors import ConfigError
from reconciler.kinds import MetricRow

HELP = "show one campaign's (or outbound skill's) analytics, every page the API returns"
CHART_MAX_POINTS = 48  # a chart wider than two days of hours stops being readable
CHOICES = tuple(dict.fromkeys((*METRIC_NAMES, *SKILL_METRICS)))
# Without --from, a skill's figures start this long before --to (or now).
SKILL_WINDOW = {"hour": timedelta(hours=24), "day": timedelta(days=7)}


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "metrics", help=HELP, description=HELP + ". Exit 0, 1 on error."
    )
    add_spec_dir(p)
    p.add_argument(
        "--campaign",
        "--skill",
        required=True,
        metavar="NAME",
        help="the campaign's name (with api: cxone-admin, the outbound skill's)",
    )
    p.add_argument(
        "--metric",
        action="append",
        choices=CHOICES,
        metavar="M",
        help=f"a metric to show (repeatable; default all the API reports: dialer-v1 "
        f"{', '.join(METRIC_NAMES)}; cxone-admin {', '.join(SKILL_METRICS)})",
    )
    p.add_argument(
        "--source",
        choices=METRICS_SOURCES,
        help="cxone-admin: where a skill's figures come from (default: the Tenant's "
        "metrics_source)",
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
        "--page-size",
        type=PAGE_SIZE,
        default=500,
        metavar="N",
        help="rows per API page (1-500; dialer-v1 only)",
    )
    p.set_defaults(func=run)


async def fetch(ctx: Context, args: argparse.Namespace) -> tuple[str, list[MetricRow]]:
    """The campaign's live id and every row the API returns, all pages followed."""
    metrics = cast(list[MetricName], columns(args, METRIC_NAMES))
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


def _skill_window(args: argparse.Namespace) -> tuple[datetime, datetime]:
    end = _moment(args.end) if args.end else datetime.now(timezone.utc).replace(microsecond=0)
    start = _moment(args.start) if args.start else end - SKILL_WINDOW[args.group_by]
    return start, end


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def fetch_skill(ctx: Context, args: argparse.Namespace) -> tuple[str, list[MetricRow], str]:
    """The skill's live id, its rows (grouped, cut to the metrics asked), the source used."""
    assert ctx.desired.tenant is not None
    source = args.source or ctx.desired.tenant.spec.metrics_source
    wanted = columns(args, SKILL_METRICS)
    async with ctx.admin_client() as api:
        skill_id = None
        async for skill in api.iter_skills():
            if skill.skillName == args.campaign:
                skill_id = skill.skillId
                break
        if skill_id is None:
            raise ConfigError(f"no live Personal Connection skill named {args.campaign!r}")
        start, end = _skill_window(args)
        found = await read_skill_metrics(api, skill_id, start, end, source)
    rows = grouped(found.rows, args.group_by) if found.source == "dialer-contacts" else found.rows
    cut = [
        MetricRow(r.resource_id, r.interval_start, r.interval_end, values)
        for r in rows
        if (values := {m: r.values[m] for m in wanted if m in r.values})
    ]
    used = found.source + (f" ({found.fallback})" if found.fallback else "")
    return str(skill_id), cut, used


def query_options(args: argparse.Namespace) -> QueryOptions:
    """The options behind each query parameter, to explain a refusal."""
    return {
        "metrics": ("--metric", args.metric),
        "groupBy": ("--group-by", args.group_by),
        "from": ("--from", args.start),
        "to": ("--to", args.end),
        "pageSize": ("--page-size", args.page_size),
    }


def columns(args: argparse.Namespace, reported: Sequence[str] = METRIC_NAMES) -> list[str]:
    """The metric columns, in the order asked for (default: every one the API reports);
    ConfigError for a metric the API does not report."""
    asked = list(dict.fromkeys(args.metric or reported))
    unknown = [m for m in asked if m not in reported]
    if unknown:
        raise ConfigError(
            f"this tenant's API does not report {', '.join(unknown)}",
            hint=f"it reports {', '.join(reported)}",
        )
    return asked


@dataclass(frozen=True)
class Shown:
    """What the rows are of: a campaign or a skill, its live id, the columns, the source."""

    name: str
    resource_id: str
    noun: str  # "campaign" or "skill"
    cols: list[str]
    group_by: str
    start: str | None
    end: str | None
    source: str | None = None  # a skill's: "dialer-contacts" or "skill-summary"

    @property
    def id_key(self) -> str:
        return f"{self.noun}Id"


def row_json(row: MetricRow, id_key: str = "campaignId") -> dict[str, Any]:
    """A row in the API's own shape."""
    return {
        id_key: row.resource_id,
        "intervalStart": row.interval_start,
        "intervalEnd": row.interval_end,
        **row.values,
    }


def _cell(row: MetricRow, metric: str) -> str:
    value = row.values.get(metric)
    return "" if value is None else f"{value:g}"


def render_json(shown: Shown, rows: list[MetricRow]) -> str:
    """`{"campaign": NAME, "results": [...]}` (a skill: `"skill"`) plus the query."""
    data: dict[str, Any] = {
        shown.noun: shown.name,
        f"{shown.noun}_id": shown.resource_id,
        "group_by": shown.group_by,
        "metrics": shown.cols,
        "from": shown.start,
        "to": shown.end,
    }
    if shown.source is not None:
        data["source"] = shown.source
    data["results"] = [row_json(r, shown.id_key) for r in rows]
    return json.dumps(data, indent=2) + "\n"


def render_csv(shown: Shown, rows: list[MetricRow]) -> str:
    """One line per interval; empty cells where the API sent no value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["interval_start", "interval_end", *shown.cols])
    for r in rows:
        writer.writerow([r.interval_start, r.interval_end, *(_cell(r, m) for m in shown.cols)])
    return out.getvalue()


def render_table(shown: Shown, rows: list[MetricRow]) -> str:
    """An aligned table for a terminal."""
    cols = shown.cols
    table = [["INTERVAL START", "INTERVAL END", *cols]]
    table += [[r.interval_start, r.interval_end, *(_cell(r, m) for m in cols)] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    source = f", from the {shown.source.replace('-', ' ')}" if shown.source else ""
    lines.append(
        f"{len(rows)} interval(s) for {shown.noun} {shown.name} "
        f"(grouped by {shown.group_by}{source})"
    )
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


def render_markdown(ctx: Context, shown: Shown, rows: list[MetricRow]) -> str:
    """A Markdown table, and the abandonment chart when abandonment was asked for."""
    cols, name = shown.cols, shown.name
    lines = [
        f"### Metrics for `{name}` (per {shown.group_by})",
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
        chart = abandonment_chart(rows, limit, label, shown.group_by)
        if chart:
            text = text + "\n" + chart
    return text


def lowest_limit(ctx: Context, name: str) -> tuple[float, str]:
    """The tightest abandonment bound for the campaign: verify max, target, tenant, law."""
    desired = ctx.desired
    target, target_label, verify = None, CAMPAIGN_TARGET, None
    try:
        doc = desired.dialing(name)
    except KeyError:
        pass
    else:
        verify = desired.verify_for(name)
        if isinstance(doc, CampaignDoc):
            target = doc.body.algorithm.abandonment_rate_target
        else:
            target, target_label = skill_target(doc.body)
    limits = abandonment_limits(desired, target, target_label)
    candidates = [(lim.value, lim.label.removeprefix("the ")) for lim in limits]
    bound = verify.metrics.get("abandonmentRate") if verify is not None else None
    if bound is not None and bound.max is not None:
        candidates.append((bound.max, "the verify max"))
    return min(candidates, key=lambda c: c[0])


def run(args: argparse.Namespace) -> int:
    ctx = load_context(args.spec_dir, "metrics")
    if ctx.desired.api == "cxone-admin":
        cols = columns(args, SKILL_METRICS)
        skill_id, rows, source = asyncio.run(fetch_skill(ctx, args))
        start, end = (iso(moment) for moment in _skill_window(args))
        by = "range" if source.startswith("skill-summary") else args.group_by  # one row
        shown = Shown(args.campaign, skill_id, "skill", cols, by, start, end, source)
    else:
        cols = columns(args, METRIC_NAMES)
        campaign_id, rows = asyncio.run(fetch(ctx, args))
        shown = Shown(
            args.campaign, campaign_id, "campaign", cols, args.group_by, args.start, args.end
        )
    if args.format == "json":
        out = render_json(shown, rows)
    elif args.format == "csv":
        out = render_csv(shown, rows)
    elif args.format == "markdown":
        out = render_markdown(ctx, shown, rows)
    else:
        out = render_table(shown, rows)
    sys.stdout.write(out)
    return 0
