"""The steps of a doctor run, in order; each reads (GETs only) and records one check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

from reconciler import aio
from reconciler.cxone_admin.auth import DISCOVERY_PATH
from reconciler.cxone_admin.blocks import Block, BlockName, block_digest
from reconciler.cxone_admin.bodies import SPEC_BLOCKS
from reconciler.cxone_admin.client import CxoneAdminClient
from reconciler.cxone_admin.doctor import evidence
from reconciler.cxone_admin.doctor.run import Run
from reconciler.cxone_admin.metrics import INTERVAL, iso
from reconciler.cxone_admin.records import DialerContactsRow, SkillSummaryRow
from reconciler.cxone_admin.tap import Tap
from reconciler.dialer_v1 import errors

METRICS_WINDOW = timedelta(hours=1)  # the guard's window
ISSUE_HINT = "run `reconciler doctor --format json` and attach the report to an issue"
# The calls plan, apply and the guard make, as `GET /apiversion` may list them.
USED_CALLS: tuple[tuple[str, str], ...] = (
    ("GET", "/business-unit"),
    ("GET", "/skills"),
    ("GET", "/skills/parameters"),
    ("GET", "/skills/{}"),
    ("GET", "/skills/{}/parameters"),
    ("PUT", "/skills/{}/parameters/{}"),
    ("GET", "/dnc-groups"),
    ("POST", "/dnc-groups"),
    ("PUT", "/dnc-groups/{}"),
    ("GET", "/dnc-groups/{}/scrubbed-skills"),
    ("POST", "/dnc-groups/{}/scrubbed-skills/{}"),
    ("DELETE", "/dnc-groups/{}/scrubbed-skills/{}"),
)


def tenant_id(tap: Tap) -> str | None:
    """The tenant discovery asked about (None: no discovery)."""
    for e in tap.exchanges:
        if e.path.endswith(DISCOVERY_PATH):
            found = parse_qs(e.query).get("tenantId")
            return found[0] if found else None
    return None


async def connect(run: Run, client: CxoneAdminClient) -> bool:
    """The token, then discovery (unless the API host is given)."""
    try:
        run.api_base = await client.api_base()
    except errors.ApiError as exc:
        if not any(e.is_token_request and e.status == 200 for e in run.tap.exchanges):
            run.failed("token", exc, "no token")
            return False
        run.add("token", "ok", "the issuer issued a token for the access key")
        run.failed("discovery", exc, "the API host was not found")
        return False
    run.add("token", "ok", "the issuer issued a token for the access key")
    tenant = tenant_id(run.tap)
    if tenant is None:
        run.add("discovery", "skip", "not needed: the API host is given")
    else:
        run.add("discovery", "ok", f"tenant {tenant}: the API host is {run.api_base}")
    return True


async def version(run: Run, client: CxoneAdminClient) -> bool:
    """`GET /apiversion` at the configured version: served? the tool's calls listed?"""
    served = f"v{run.wanted.api_version}.0"
    try:
        listed = await client.api_versions()
    except errors.NotFoundError as exc:
        run.add(
            "api-version",
            "fail",
            f"{served} is not served by this tenant ({exc.message})",
            hint="set the Tenant's api_version to a version the tenant serves (the parameter "
            "blocks exist since v18.0)",
        )
        return False
    except errors.ApiError as exc:
        run.add("api-version", "warn", f"{served} answers; GET /apiversion did not: {exc.message}")
        return True
    newest = _newest([v.version for v in listed])
    summary = f"{served} is served" + (f" (the newest listed: v{newest})" if newest else "")
    missing = unlisted([(v.verb or "", v.uri or "") for v in listed])
    if len(missing) == len(USED_CALLS):
        run.add("api-version", "ok", summary + "; the listing names none of the tool's calls")
    elif missing:
        run.add(
            "api-version",
            "warn",
            summary + f"; {len(missing)} call(s) the tool makes are not listed",
            *(f"{verb} {path}" for verb, path in missing),
        )
    else:
        run.add("api-version", "ok", summary + "; every call the tool makes is listed")
    return True


def _newest(versions: Sequence[str | None]) -> str | None:
    numbers = []
    for text in versions:
        try:
            numbers.append(float(str(text)))
        except ValueError:
            continue
    return f"{max(numbers):.1f}" if numbers else None


def _segments(path: str) -> list[str]:
    return ["{}" if s.startswith("{") else s.casefold() for s in path.strip("/").split("/") if s]


def _covers(used: list[str], uri: list[str]) -> bool:
    """Whether a listed uri (maybe with a prefix such as /services/v30.0) is the call."""
    if len(uri) < len(used):
        return False
    tail = uri[len(uri) - len(used) :]
    # The resource's root (`skills`, `dnc-groups`...) must be the same word; after it a
    # placeholder on either side stands for any segment.
    return used[0] == tail[0] and all(
        a == b or "{}" in (a, b) for a, b in zip(used[1:], tail[1:], strict=True)
    )


def unlisted(listed: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The tool's calls that no listed (verb, uri) covers."""
    shown = [(verb.upper(), _segments(uri)) for verb, uri in listed]
    return [
        (verb, path)
        for verb, path in USED_CALLS
        if not any(v == verb and _covers(_segments(path), uri) for v, uri in shown)
    ]


async def business_unit(run: Run, client: CxoneAdminClient) -> bool:
    """The unit's limits: line capacity, predictive dialing, abandon-rate scope, zones."""
    try:
        unit = await client.business_unit()
    except errors.ApiError as exc:
        run.failed("business-unit", exc, "GET /business-unit")
        return False
    run.unit = unit
    predictive = "allowed" if unit.allowPredictiveDialing else "NOT allowed (ratio 1 only)"
    run.add(
        "business-unit",
        "ok",
        f"{unit.businessUnitName or '?'} ({unit.businessUnitId}): outboundPortLimit "
        f"{unit.outboundPortLimit}, predictive dialing {predictive}, skill abandon rate "
        f"{'on' if unit.enableSkillAbandonRate else 'off'}, default zone "
        f"{unit.defaultTimeZone or '?'}, {len(unit.timeZones or [])} zone(s) enabled",
    )
    return True


async def skills(run: Run, client: CxoneAdminClient) -> bool:
    """Every skill, all pages."""
    try:
        run.skills = [s async for s in client.iter_skills(personal_connection_only=False)]
    except errors.ApiError as exc:
        run.failed("skills", exc, "GET /skills")
        return False
    running = sum(1 for s in run.pc if s.isRunning)
    run.add(
        "skills",
        "ok",
        f"{len(run.skills)} skill(s), {len(run.pc)} of them Personal Connection ({running} "
        f"running), in {len(run.tap.reads('/skills'))} page(s)",
    )
    return True


async def blocks(run: Run, client: CxoneAdminClient) -> None:
    """Every PC skill's blocks in one aggregated read, parsed block by block."""
    first: errors.ApiError | None = None
    try:
        await client.all_parameters()
    except errors.ProtocolError as exc:
        first = exc  # a block the models refuse: parsed again below, every one named
    except errors.ApiError as exc:
        run.failed("blocks", exc, "GET /skills/parameters")
        return
    answers = run.tap.reads("/skills/parameters")
    data = _json(answers[-1]) if answers else None
    if data is None:
        assert first is not None
        run.failed("blocks", first, "GET /skills/parameters")
        return
    run.params = parsed = evidence.parse_items(data)
    absent = sorted(s.skillName for s in run.pc if s.skillId not in parsed.blocks)
    notes = []
    if absent:
        shown = ", ".join(absent[:10]) + (" ..." if len(absent) > 10 else "")
        notes.append(f"{len(absent)} PC skill(s) listed but not in the aggregated read: {shown}")
    if parsed.problems:
        run.add(
            "blocks",
            "fail",
            f"{len(parsed.problems)} block(s) cannot be read by the models",
            *parsed.problems,
            *notes,
            hint=ISSUE_HINT,
        )
        return
    run.add(
        "blocks",
        "warn" if notes else "ok",
        f"{len(parsed.blocks)} skill(s)' blocks read in one GET /skills/parameters; "
        f"{parsed.block_count} block(s) parsed by the models",
        *notes,
    )


def _json(exchange: Any) -> Any:
    try:
        return exchange.json()
    except ValueError:
        return None


async def dnc_groups(run: Run, client: CxoneAdminClient) -> None:
    """The DNC groups and the skills each scrubs."""
    try:
        run.groups = await client.list_dnc_groups()
        links = await aio.gather(*(client.scrubbed_skills(g.dncGroupId) for g in run.groups))
    except errors.ApiError as exc:
        run.failed("dnc-groups", exc, "reading the DNC groups")
        return
    count = sum(len(x) for x in links)
    run.add("dnc-groups", "ok", f"{len(run.groups)} group(s), {count} scrubbing link(s)")


def specs(run: Run) -> None:
    """Every skill and DNC group the specs name is in the tenant (or will be created)."""
    wanted = run.wanted
    problems = [p for name in sorted(wanted.skills) if (p := _skill_problem(run, name))]
    live = {g.dncGroupName for g in run.groups}
    unknown = sorted(wanted.groups_referenced - live - wanted.groups_declared)
    problems += [f"DNC group {g}: neither in the tenant nor declared" for g in unknown]
    notes = [
        f"DNC group {g}: declared, not in the tenant yet (apply creates it)"
        for g in sorted(wanted.groups_declared - live)
    ]
    if problems:
        run.add(
            "specs",
            "fail",
            f"{len(problems)} thing(s) the specs name are not in the tenant as named",
            *problems,
            *notes,
            hint="fix the names in the specs, or create the skill in the CXone admin console "
            "(the API cannot create one)",
        )
        return
    groups = len(wanted.groups_referenced | wanted.groups_declared)
    run.add(
        "specs",
        "ok",
        f"every skill ({len(wanted.skills)}) and DNC group ({groups}) the specs name is there",
        *notes,
    )


def _skill_problem(run: Run, name: str) -> str | None:
    found = {s.skillName: s for s in run.skills}.get(name)
    if found is None:
        guess = {s.skillName.casefold(): s.skillName for s in run.skills}.get(name.casefold())
        return f"skill {name}: not in the tenant" + (f" (did you mean {guess}?)" if guess else "")
    if not found.is_personal_connection:
        return (
            f"skill {name}: not a Personal Connection skill (isOutbound {found.isOutbound}, "
            f"outboundStrategy {found.outboundStrategy!r})"
        )
    if run.params is None:
        return None
    shown = run.params.blocks.get(found.skillId, {})
    lacking = [b for b in run.wanted.skills[name] if b not in shown]
    return f"skill {name}: the tenant shows no {', '.join(lacking)}" if lacking else None


def _sample_ids(run: Run) -> list[int]:
    """The skills the specs name first (they are the ones managed), then the lowest ids."""
    if run.params is None:
        return []
    by_name = {s.skillName: s.skillId for s in run.pc}
    named = [by_name[n] for n in sorted(run.wanted.skills) if n in by_name]
    rest = sorted(i for i in run.params.blocks if i not in named)
    return [i for i in dict.fromkeys(named + rest) if i in run.params.blocks][
        : run.wanted.sample_size
    ]


async def _read_single(
    client: CxoneAdminClient, skill_id: int, names: Sequence[BlockName]
) -> dict[str, Block | str]:
    out: dict[str, Block | str] = {}
    for what, call in (("skill", client.get_skill), ("parameters", client.skill_parameters)):
        try:
            await call(skill_id)
        except errors.ApiError as exc:
            out[what] = exc.message
    for name in names:
        try:
            out[name] = await client.get_block(skill_id, name)
        except errors.ApiError as exc:
            out[name] = exc.message
    return out


async def samples(run: Run, client: CxoneAdminClient) -> None:
    """A sample of skills read again: the skill, its parameters, each block on its own."""
    run.sample = _sample_ids(run)
    params = run.params
    if not run.sample or params is None:
        return
    reads = await aio.gather(
        *(
            _read_single(client, i, [b for b in SPEC_BLOCKS if b in params.blocks[i]])
            for i in run.sample
        )
    )
    run.single = dict(zip(run.sample, reads, strict=True))
    problems = []
    for skill_id, found in run.single.items():
        aggregated: dict[str, Block] = {k: v for k, v in params.blocks[skill_id].items()}
        for name, got in found.items():
            who = f"{params.names[skill_id]} {name}"
            if isinstance(got, str):
                problems.append(f"{who}: {got}")
            elif name in aggregated and block_digest(got) != block_digest(aggregated[name]):
                problems.append(f"{who}: the single GET and the aggregated GET differ")
    summary = f"sample {', '.join(params.names[i] for i in run.sample)} read again, block by block"
    if problems:
        run.add(
            "block-reads",
            "warn",
            summary,
            *problems,
            hint="plan and apply read blocks through the aggregated GET: this alone does not "
            "stop them; " + ISSUE_HINT,
        )
        return
    run.add("block-reads", "ok", summary + ": each parsed and agrees with the aggregated read")


async def metrics(run: Run, client: CxoneAdminClient) -> None:
    """The last hour's abandonment of the sample from both sources, compared."""
    params = run.params
    if not run.sample or params is None:
        return
    step = int(INTERVAL.total_seconds())
    end = datetime.fromtimestamp(int(run.now.timestamp()) // step * step, timezone.utc)
    start, upto = iso(end - METRICS_WINDOW), iso(end)
    rows: list[DialerContactsRow] = []
    try:
        rows = await client.dialer_contacts(start, upto)
    except errors.ApiError as exc:
        run.contacts_error = exc.message
    found: dict[int, SkillSummaryRow] = {}
    for skill_id in run.sample:
        try:
            summary = await client.skill_summary(skill_id, start, upto)
        except errors.ApiError as exc:
            run.summary_errors.append(f"{params.names[skill_id]}: {exc.message}")
            continue
        if summary and summary[0].AbandonRate is not None:
            found[skill_id] = summary[0]
    run.summaries = len(found)
    for skill_id, summary_row in found.items():
        compared = evidence.compare_abandonment(skill_id, params.names[skill_id], summary_row, rows)
        if compared is not None:
            run.comparisons.append(compared)
    _judge_metrics(run, f"{start} .. {upto}")


def _judge_metrics(run: Run, window: str) -> None:
    contacts, summary = run.contacts_error is None, run.summaries > 0
    comparisons = run.comparisons
    if contacts and summary:
        exact = comparisons and all(c.agree and not c.whole_percent for c in comparisons)
        # Agreeing and as precise: either will do; otherwise the counts are the closer
        # figure to the regulatory rate (abandoned over live answers).
        run.recommended = "auto" if exact else "dialer-contacts"
    else:
        run.recommended = "dialer-contacts" if contacts else "skill-summary" if summary else None
    served = [n for n, ok in (("dialer contacts", contacts), ("skill summary", summary)) if ok]
    details = [f"dialer contacts: {run.contacts_error}"] if run.contacts_error else []
    details += [f"skill summary: {e}" for e in run.summary_errors]
    details += [
        f"{c.skill}: summary AbandonRate {c.summary_percent:g}%, abandons/connects "
        f"{c.contacts_percent:.2f}% of {c.connects} connect(s): {'agree' if c.agree else 'DIFFER'}"
        for c in comparisons
    ]
    configured = run.wanted.metrics_source
    works = {"dialer-contacts": contacts, "skill-summary": summary, "auto": contacts or summary}
    text = (
        f"{' and '.join(served) or 'neither source'} served ({window}); the guard reads "
        f"{configured} (the Tenant's metrics_source)"
    )
    if works[configured]:
        run.add("metrics", "ok", text, *details)
        return
    guarded = ", ".join(run.wanted.guarded)
    advice = (
        f"set metrics_source: {run.recommended}"
        if run.recommended
        else ("grant the access key's user the reporting permissions")
    )
    run.add(
        "metrics",
        "warn",
        text + ", which this tenant does not serve",
        *details,
        hint=(f"the guard of {guarded} would say 'could not read metrics': " if guarded else "")
        + advice,
    )
