"""What a doctor run settled about the questions the API's documentation leaves open.

Each question gets a `Finding`: settled by a read (with the emulator switch that answers
the same way), observed (what was seen, without proving what the API accepts), or not
settled, saying why (most often: only a write would tell, and doctor never writes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.cxone_admin.doctor import evidence
from reconciler.cxone_admin.doctor.report import Finding
from reconciler.cxone_admin.doctor.run import Run

SKILL_GET = "GET /skills/{id}: the skill itself, or wrapped in {skills: [...]}?"
SCHEDULE_DAY = "the aggregated GET's schedule days: Sunday, sunday or 0-6?"
ZONES_GET = "the single time-zone GET: {timeZoneSettings: [...]} or a bare list?"
SUMMARY_RATE = (
    "does the skill summary's AbandonRate agree with abandons/connects of the dialer contacts?"
)
RATE_LIMITS = "rate limits, and what a 429 says?"
# Questions only a write answers: (key, question, why it does not matter, emulator switch).
WRITE_ONLY: tuple[tuple[str, str, str], ...] = (
    (
        "put-semantics",
        "does a parameter PUT merge into the block or replace it, and what does it answer?",
        "only a write would tell; the tool sends every block whole (live merged with the "
        "specs), so either works",
    ),
    (
        "error-body",
        "the body of a refused write: {error, errorDescription} or a bare code?",
        "only a refused write would tell; the tool reads both forms",
    ),
    (
        "case-insensitive",
        "does the API bind JSON keys in any letter case?",
        "only a write would tell; the tool sends the API's own spelling",
    ),
    (
        "start-stop-delay",
        "how long after a 202 start or stop does isRunning flip?",
        "only a start or stop would tell (doctor never starts or stops a skill); the tool "
        "waits up to 120 s",
    ),
)


def _json(exchange: Any) -> Any:
    try:
        return exchange.json()
    except ValueError:
        return None


def _counted(counts: Mapping[Any, int]) -> str:
    return ", ".join(f"{key} ({n})" for key, n in sorted(counts.items(), key=lambda x: str(x[0])))


def shapes(run: Run) -> list[Finding]:
    """The forms of answers the models read either way: settled by the raw answers."""
    out = []
    pages = run.tap.reads("/skills")
    if pages:
        total = evidence.total_records_form(_json(pages[0]))
        flag = f"--total-records {total}" if total != "other" else None
        out.append(
            Finding(
                "total-records",
                "GET /skills: totalRecords a number, a string, or left out?",
                "settled",
                total,
                flag,
            )
        )
    shape = next(
        (
            found
            for i in run.sample
            if (answers := run.tap.reads(f"/skills/{i}"))
            and (found := evidence.skill_get_shape(_json(answers[0])))
        ),
        None,
    )
    out.append(
        Finding("skill-get", SKILL_GET, "settled", shape, f"--skill-get {shape}")
        if shape
        else Finding("skill-get", SKILL_GET, "not settled", "no skill was read on its own")
    )
    out.append(_schedule_days(run))
    out.append(_zones(run))
    return out


def _schedule_days(run: Run) -> Finding:
    forms = evidence.schedule_day_forms(list(run.params.raw.values())) if run.params else {}
    known = [f for f in forms if f in ("name", "lower", "number")]
    if len(forms) == 1 and known:
        form = known[0]
        return Finding("schedule-day", SCHEDULE_DAY, "settled", form, f"--schedule-day {form}")
    if forms:
        return Finding("schedule-day", SCHEDULE_DAY, "observed", _counted(forms))
    return Finding("schedule-day", SCHEDULE_DAY, "not settled", "no schedule was shown")


def _zones(run: Run) -> Finding:
    answers = run.tap.reads("/parameters/time-zones")
    data = _json(answers[0]) if answers else None
    shape = evidence.zones_get_shape(data)
    if shape is None:
        return Finding("time-zones-get", ZONES_GET, "not settled", "no time-zone block was read")
    keys = evidence.zone_item_names(data)
    named = f"; zones named by {' and '.join(keys)}" if keys else ""
    return Finding(
        "time-zones-get", ZONES_GET, "settled", shape + named, f"--time-zones-get {shape}"
    )


def values(run: Run) -> list[Finding]:
    """Fields the models do not know; values whose accepted range is undocumented."""
    if run.params is None:
        return []
    unknown = evidence.unknown_fields(run.params)
    text = "; ".join(f"{block}: {_counted(fields)}" for block, fields in unknown.items())
    answer = (
        f"fields the models do not know (kept, and sent back as read): {text}"
        if text
        else "none: every field is one the models know"
    )
    if run.params.other_keys:
        answer += f"; other keys beside the blocks: {', '.join(sorted(run.params.other_keys))}"
    seen = evidence.values_seen(run.params)
    outside = "; ".join(seen.outside[:5]) + (" ..." if len(seen.outside) > 5 else "")
    return [
        Finding("field-additions", "fields added since the 2021 documentation?", "settled", answer),
        Finding(
            "undocumented-values",
            "aggressiveness values; ratios above 3; values outside the documented ranges?",
            "observed",
            f"aggressiveness seen: {_counted(seen.aggressiveness) or 'none'}; maximumRatio "
            f"seen: {_counted(seen.ratios) or 'none'}; "
            + (
                f"outside the documented ranges: {outside}"
                if outside
                else "none outside the documented ranges"
            )
            + "; whether the API accepts others only a write would tell",
        ),
    ]


def abandonment(run: Run) -> Finding:
    """Whether the summary's AbandonRate is abandons / connects, and which source to use."""
    if not run.comparisons:
        why = (
            "a source was not served"
            if run.contacts_error or not run.summaries
            else "no call connected in the last hour: run doctor while the skills dial"
        )
        return Finding("summary-abandon-rate", SUMMARY_RATE, "not settled", why)
    agree = all(c.agree for c in run.comparisons)
    answer = (
        f"they agree on {len(run.comparisons)} skill(s)"
        if agree
        else "they DIFFER: the summary counts something else"
    )
    if any(c.whole_percent for c in run.comparisons):
        answer += "; the summary rounds to whole percents (too coarse to judge a 3% bound)"
    answer += f"; metrics_source for the guard: {run.recommended}"
    return Finding("summary-abandon-rate", SUMMARY_RATE, "settled", answer)


def rate_limits(run: Run) -> Finding:
    """Limits the answers announced, and 429s met during the run."""
    exchanges = run.tap.exchanges
    limited = [e for e in exchanges if e.status == 429]
    announced = sorted(
        {e.headers["x-ratelimit-limit"] for e in exchanges if "x-ratelimit-limit" in e.headers}
    )
    if not announced and not limited:
        why = f"no limit announced and no 429 in {len(exchanges)} request(s)"
        return Finding("rate-limits", RATE_LIMITS, "not settled", why)
    with_after = sum(1 for e in limited if "retry-after" in e.headers)
    answer = f"announced: {', '.join(announced)}" if announced else "no limit announced"
    answer += f"; {len(limited)} answer(s) were 429, {with_after} with Retry-After"
    return Finding("rate-limits", RATE_LIMITS, "observed", answer)


def unsettled(run: Run) -> list[Finding]:
    """What only a write (or no read at all) would tell."""
    out = [Finding(key, question, "not settled", why) for key, question, why in WRITE_ONLY]
    zone = run.unit.defaultTimeZone if run.unit is not None else None
    out.append(
        Finding(
            "schedule-zone",
            "which time zone are the skill schedule's hours in?",
            "not settled",
            "no read names it; assumed: the business unit's default zone"
            + (f" ({zone})" if zone else ""),
        )
    )
    return out


def all_findings(run: Run) -> tuple[Finding, ...]:
    """Every question, in the order the report lists them."""
    return tuple([*shapes(run), *values(run), abandonment(run), rate_limits(run), *unsettled(run)])
