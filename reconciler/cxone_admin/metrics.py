"""A skill's dialing figures, from the WFM dialer contacts or the skill summary.

Two public sources report a PC skill's abandonment, and which one a tenant serves (and
whether the two agree) is not documented: `reconciler doctor` checks it. Here both become
`MetricRow`s with the names the `verify:` blocks use:

- `dialer-contacts` (`GET /wfm-data/skills/dialer-contacts`): one row per skill per
  15-minute interval with `dials`, `connects` and `abandons`; `abandonmentRate` is
  abandons / connects (a fraction), the closest public figure to the regulatory rate
  (abandoned over live answers). The endpoint reports every skill: rows are filtered here.
- `skill-summary` (`GET /skills/{id}/summary`): one row for the whole range; its
  `AbandonRate` is a percent, divided by 100 here.
- `auto`: the summary; when the tenant does not serve it for this skill (refused, not
  found, or no `AbandonRate`), the dialer contacts.

`answerRate` is connects / dials in both. An interval (or summary) without connects has no
rates: a rate of nothing is not a 0 % abandonment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Literal

from reconciler.cxone_admin.defaults import MetricsSource
from reconciler.cxone_admin.records import DialerContactsRow, SkillSummaryRow
from reconciler.dialer_v1 import errors
from reconciler.kinds import MetricRow

if TYPE_CHECKING:
    from reconciler.cxone_admin.client import CxoneAdminClient

SKILL_METRICS = ("abandonmentRate", "answerRate", "dials", "connects", "abandons")
COUNTS = ("dials", "connects", "abandons")
INTERVAL = timedelta(minutes=15)  # the WFM data's interval
# The guard judges the most recent interval: the dialer contacts of the last hour (the
# latest 15-minute row wins), or the summary of the last 15 minutes (one row).
GUARD_WINDOW = {"dialer-contacts": timedelta(hours=1), "skill-summary": INTERVAL}
# Longest range of one dialer-contacts request (the API takes 31 days; every skill's rows
# come back, so shorter requests keep each answer small).
CONTACTS_CHUNK = timedelta(days=7)
SUMMARY_MAX = timedelta(days=30)
GroupBy = Literal["interval", "hour", "day"]
UsedSource = Literal["dialer-contacts", "skill-summary"]

# The summary is "not served" for these answers: `auto` then reads the dialer contacts.
NOT_SERVED = (
    errors.NotFoundError,
    errors.ScopeError,
    errors.ProtocolError,
    errors.ValidationError,
)


def iso(moment: datetime) -> str:
    """UTC, seconds precision, `Z`."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime | None:
    """An ISO 8601 time as the API writes it (None when it is not one)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _rates(values: dict[str, float]) -> dict[str, float]:
    """The counts with the rates they give (none without connects / dials)."""
    out = dict(values)
    if values.get("connects"):
        out["abandonmentRate"] = values.get("abandons", 0.0) / values["connects"]
    if values.get("dials"):
        out["answerRate"] = values.get("connects", 0.0) / values["dials"]
    return out


def contacts_rows(rows: Sequence[DialerContactsRow], skill_id: int) -> list[MetricRow]:
    """The dialer-contacts rows of one skill, by interval, oldest first."""
    out = []
    for row in rows:
        if row.skillId != skill_id:
            continue
        counts = {
            name: float(value) for name in COUNTS if (value := getattr(row, name)) is not None
        }
        start = row.intervalStartDate
        moment = parse_iso(start)
        end = iso(moment + INTERVAL) if moment is not None else start
        out.append(MetricRow(str(skill_id), start, end, _rates(counts)))
    return sorted(out, key=lambda r: r.interval_start)


def summary_row(row: SkillSummaryRow, skill_id: int, start: str, end: str) -> MetricRow | None:
    """The summary as one row (None when it carries no `AbandonRate`)."""
    if row.AbandonRate is None:
        return None
    values: dict[str, float] = {}
    for name, value in (("dials", row.Dials), ("connects", row.Connects)):
        if value is not None:
            values[name] = float(value)
    if row.AbandonCount is not None:
        values["abandons"] = float(row.AbandonCount)
    if values.get("dials"):
        values["answerRate"] = values.get("connects", 0.0) / values["dials"]
    if values.get("connects") != 0:
        # The summary's own figure, whatever it counts (`doctor` compares it); none when
        # the summary says there were no connects.
        values["abandonmentRate"] = float(row.AbandonRate) / 100
    return MetricRow(str(skill_id), start, end, values)


def grouped(rows: Sequence[MetricRow], by: GroupBy) -> list[MetricRow]:
    """Intervals summed into hours or days (UTC), rates recomputed from the counts."""
    if by == "interval":
        return list(rows)
    width = 13 if by == "hour" else 10  # "2026-09-21T14" / "2026-09-21"
    buckets: dict[str, list[MetricRow]] = {}
    for row in rows:
        buckets.setdefault(row.interval_start[:width], []).append(row)
    out = []
    for key, members in sorted(buckets.items()):
        start = parse_iso(key + (":00:00Z" if by == "hour" else "T00:00:00Z"))
        step = timedelta(hours=1) if by == "hour" else timedelta(days=1)
        counts = {
            name: sum(r.values[name] for r in members if name in r.values)
            for name in COUNTS
            if any(name in r.values for r in members)
        }
        first = iso(start) if start is not None else members[0].interval_start
        last = iso(start + step) if start is not None else members[-1].interval_end
        out.append(MetricRow(members[0].resource_id, first, last, _rates(counts)))
    return out


@dataclass(frozen=True)
class SkillMetrics:
    """What one read found, and which source it came from."""

    source: UsedSource
    rows: list[MetricRow]
    fallback: str | None = None  # why `auto` did not use the summary


async def read_contacts(
    api: CxoneAdminClient, skill_id: int, start: datetime, end: datetime
) -> list[MetricRow]:
    """The skill's dialer-contacts intervals in [start, end), in requests of a week at most."""
    rows: dict[str, DialerContactsRow] = {}
    cursor = start
    while cursor < end:
        # Chunks end on an interval boundary, so no interval straddles two requests (and
        # one listed twice anyway is kept once).
        upto = min(end, _interval_floor(cursor + CONTACTS_CHUNK))
        for row in await api.dialer_contacts(iso(cursor), iso(upto)):
            if row.skillId == skill_id:
                rows[row.intervalStartDate] = row
        cursor = upto
    return contacts_rows(list(rows.values()), skill_id)


def _interval_floor(moment: datetime) -> datetime:
    seconds = int(INTERVAL.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, timezone.utc)


async def read_summary(
    api: CxoneAdminClient, skill_id: int, start: datetime, end: datetime
) -> list[MetricRow]:
    """The skill's summary over [start, end) as one row ([] when it has no AbandonRate)."""
    if end - start > SUMMARY_MAX:
        start = end - SUMMARY_MAX
    first, last = iso(start), iso(end)
    found = await api.skill_summary(skill_id, first, last)
    mine = [r for r in found if r.SkillId in (None, skill_id)]
    rows = [summary_row(r, skill_id, first, last) for r in mine[:1]]
    return [r for r in rows if r is not None]


async def read_skill_metrics(
    api: CxoneAdminClient,
    skill_id: int,
    start: datetime,
    end: datetime,
    source: MetricsSource,
) -> SkillMetrics:
    """The skill's rows in [start, end) from `source` (see the module doc for `auto`)."""
    if source == "dialer-contacts":
        return SkillMetrics("dialer-contacts", await read_contacts(api, skill_id, start, end))
    if source == "skill-summary":
        return SkillMetrics("skill-summary", await read_summary(api, skill_id, start, end))
    return await summary_else_contacts(api, skill_id, start, start, end)


async def summary_else_contacts(
    api: CxoneAdminClient,
    skill_id: int,
    summary_start: datetime,
    contacts_start: datetime,
    end: datetime,
) -> SkillMetrics:
    """`auto`: the summary from `summary_start`; when it is not served, the dialer
    contacts from `contacts_start`."""
    try:
        rows = await read_summary(api, skill_id, summary_start, end)
    except NOT_SERVED as exc:
        why = f"the skill summary is not served ({exc.message})"
    else:
        if rows:
            return SkillMetrics("skill-summary", rows)
        why = "the skill summary carries no AbandonRate"
    contacts = await read_contacts(api, skill_id, contacts_start, end)
    return SkillMetrics("dialer-contacts", contacts, why)


async def guard_rows(
    api: CxoneAdminClient,
    resource_id: str,
    metrics: Sequence[str],
    source: MetricsSource,
    now: datetime | None = None,
) -> list[MetricRow]:
    """The recent rows the post-apply guard judges (it keeps the latest), cut to `metrics`."""
    end = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    skill_id = int(resource_id)
    summary_start = end - GUARD_WINDOW["skill-summary"]
    contacts_start = end - GUARD_WINDOW["dialer-contacts"]
    if source == "dialer-contacts":
        rows = await read_contacts(api, skill_id, contacts_start, end)
    elif source == "skill-summary":
        rows = await read_summary(api, skill_id, summary_start, end)
    else:
        rows = (await summary_else_contacts(api, skill_id, summary_start, contacts_start, end)).rows
    return [
        MetricRow(r.resource_id, r.interval_start, r.interval_end, values)
        for r in rows
        if (values := {k: v for k, v in r.values.items() if k in metrics})
    ]
