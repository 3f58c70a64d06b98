"""top/skip paging of the admin API's listings, safe against servers that loop.

A listing ends when `totalRecords` (a number, or a numeric string) is reached, or, when
the server does not say it, at the page without `_links.next`. Offset paging can show a
record twice when one is created between pages: such repeats are skipped. A page that
holds nothing new means the server ignores `skip` (or its next link loops): that is a
`ProtocolError`, as is a listing still going after `MAX_PAGES` pages, never a loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from reconciler.cxone_admin import wire
from reconciler.cxone_admin.records import Skill
from reconciler.dialer_v1 import errors

MAX_TOP = 100  # `top` above 100 is cut to 100 in practice
MAX_PAGES = 10_000

PageReader = Callable[[Mapping[str, Any]], Awaitable[Any]]


async def skill_pages(read: PageReader, page_size: int) -> AsyncIterator[Skill]:
    """Every skill of GET /skills, page by page (`read(query)` answers one page's JSON)."""
    if not 1 <= page_size <= MAX_TOP:
        raise ValueError(f"page_size must be 1-{MAX_TOP}, not {page_size}")
    seen: set[int] = set()
    skip = 0
    for _ in range(MAX_PAGES):
        data = await read({"top": page_size, "skip": skip})
        if not isinstance(data, Mapping):
            raise errors.ProtocolError("GET /skills did not answer a JSON object")
        page = [wire.parse_record(Skill, s, "skill") for s in wire.items(data, "skills")]
        if not page:
            return
        fresh = [s for s in page if s.skillId not in seen]
        if not fresh:
            raise errors.ProtocolError(
                f"GET /skills?skip={skip} repeated skills already listed: the server"
                " ignores skip (or its next link loops)",
                path="/skills",
            )
        for skill in fresh:
            seen.add(skill.skillId)
            yield skill
        skip += len(page)
        total = wire.total_records(data)
        if total is not None and skip >= total:
            return
        if total is None and wire.next_link(data) is None:
            return
    raise errors.ProtocolError(f"GET /skills did not end after {MAX_PAGES} pages")
