"""Walking a listing page by page, and stopping a server that would never end it.

Page tokens are opaque (contract §2), so the client cannot tell a good one from a bad one,
only notice what no finite listing does:
- a `nextPageToken` the walk has already followed (one that repeats forever, or a cycle of
  pages A -> B -> A);
- a page holding nothing but items already served (a server that cycles through fresh
  tokens over the same items);
- more items, or a further page, than the server's own total allows, when it sends one
  (the contract names none; `totalCount` is read when present, as many APIs send it);
- more than `max_pages` pages, or longer than `deadline_seconds` for the whole listing: each
  request already has its own deadline, this bounds their sum.
Each stops with a `ProtocolError` (`DeadlineExceeded` for time) naming the list and the token.
Only the walk's bookkeeping lives here; `client.py` fetches and `wire.py` parses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.answers import Where, clip

log = logging.getLogger("reconciler.dialer_v1")

_PAGING_HINT = (
    "the API's paging does not end, so the listing was abandoned and nothing was done with"
    " it; run the command again, and if it persists report it to whoever runs the API"
)


@dataclass(frozen=True)
class Page:
    """One page of a listing: its items, the next token (None: last page), the total if sent."""

    items: Sequence[Mapping[str, Any]]
    next_token: str | None
    total: int | None = None


@dataclass(frozen=True)
class PageLimits:
    """How far one listing may go."""

    max_pages: int = 10_000  # 5 million items at 500 a page
    deadline_seconds: float = 600.0


class PageWalk:
    """The bookkeeping of one listing: which tokens were followed, which items served."""

    def __init__(
        self,
        where: Where,
        *,
        limits: PageLimits,
        clock: Callable[[], float],
    ) -> None:
        self.where = where  # method, path, listing key, kind and id key of the listing
        self.pages = 0
        self.served = 0
        self._limits = limits
        self._clock = clock
        self._started = clock()
        self._followed: dict[str, int] = {}  # token -> the page it was followed to
        self._ids: set[str] = set()

    def page_where(self, status: int) -> Where:
        """Where the page just answered sits (for locating its items)."""
        return Where(
            self.where.method,
            self.where.path,
            status,
            kind=self.where.kind,
            listing=self.where.listing,
            page=self.pages + 1,
            id_key=self.where.id_key,
        )

    def before_fetch(self, token: str | None) -> None:
        """Refuse to fetch a page past the listing's deadline or page cap."""
        elapsed = self._clock() - self._started
        if elapsed > self._limits.deadline_seconds:
            raise errors.DeadlineExceeded(
                f"the {self.where.listing} list was still not complete after"
                f" {self._limits.deadline_seconds:.0f} s (pages read: {self.pages}, items:"
                f" {self.served})",
                method=self.where.method,
                path=self.where.path,
                hint="the API is too slow or its paging does not end; run the command again",
            )
        if self.pages >= self._limits.max_pages:
            raise self._error(
                f"it has more than {self._limits.max_pages} pages (the next token"
                f" {_show(token)} was not followed)"
            )

    def accept(self, page: Page, token_used: str | None) -> list[tuple[int, Mapping[str, Any]]]:
        """Record one page; the items not served before, with their position on the page.

        Raises when the paging cannot end."""
        self.pages += 1
        if token_used is not None:
            self._followed[token_used] = self.pages
        fresh = self._fresh(page.items)
        self.served += len(fresh)
        nxt = page.next_token
        if page.total is not None and self.served > page.total:
            raise self._error(
                f"page {self.pages} brings it to {self.served} items, more than the"
                f" {page.total} the server gives as its total"
            )
        if nxt is None:
            return fresh
        if nxt in self._followed:
            raise self._error(
                f"page {self.pages} answers the nextPageToken {_show(nxt)} again, which"
                f" already led to page {self._followed[nxt]}: the pages would repeat forever"
            )
        if page.total is not None and self.served >= page.total:
            raise self._error(
                f"page {self.pages} announces a further page (nextPageToken {_show(nxt)})"
                f" although all {page.total} items of the server's own total were served"
            )
        if page.items and not fresh:
            raise self._error(
                f"page {self.pages} holds only items already served (nextPageToken"
                f" {_show(token_used)}): the pages cycle"
            )
        return fresh

    def _fresh(self, items: Sequence[Mapping[str, Any]]) -> list[tuple[int, Mapping[str, Any]]]:
        """Items whose id was not served before (all of them when items have no id)."""
        fresh: list[tuple[int, Mapping[str, Any]]] = []
        for position, item in enumerate(items):
            ident = item.get(self.where.id_key)
            if isinstance(ident, str):
                if ident in self._ids:
                    # A server paging by offset repeats an item when one is created meanwhile.
                    log.debug("skipping %s listed again on page %d", self.where.kind, self.pages)
                    continue
                self._ids.add(ident)
            fresh.append((position, item))
        return fresh

    def _error(self, problem: str) -> errors.ProtocolError:
        what = f"the {self.where.listing} list"
        return errors.ProtocolError(
            f"{what}: {problem}",
            resource=what,
            field="nextPageToken",
            hint=_PAGING_HINT,
            method=self.where.method,
            path=self.where.path,
        )


def _show(token: str | None) -> str:
    """A token cut short in the middle: opaque tokens often differ only at their end."""
    if token is None:
        return "(none)"
    flat = clip(token, len(token) + 1)
    return repr(flat if len(flat) <= 40 else f"{flat[:20]}…{flat[-19:]}")


Fetch = Callable[[str | None], Awaitable[tuple[Page, Where]]]
Spawn = Callable[[Awaitable[tuple[Page, Where]]], "asyncio.Future[tuple[Page, Where]]"]


async def walk_pages(
    fetch: Fetch, walk: PageWalk, spawn: Spawn
) -> AsyncGenerator[tuple[Where, Mapping[str, Any]], None]:
    """Every new item of a listing with where it sits; the next page is fetched while this
    one is consumed. `spawn` starts that fetch as a task its owner can cancel on close."""
    walk.before_fetch(None)
    token: str | None = None
    pending: asyncio.Future[tuple[Page, Where]] | None = spawn(fetch(None))
    try:
        while pending is not None:
            page, where = await pending
            fresh = walk.accept(page, token)
            token, pending = page.next_token, None
            if token is not None:
                walk.before_fetch(token)
                # Tokens chain the fetches; overlapping the next one with parsing (and
                # whatever the caller does) is the only parallelism paging allows.
                pending = spawn(fetch(token))
            for position, item in fresh:
                yield where.item(position), item
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending


class Named(Protocol):
    """A listed resource: its id and a body with a name."""

    @property
    def id(self) -> str: ...

    @property
    def body(self) -> _HasName: ...


class _HasName(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=Named)


async def unique_names(
    items: AsyncGenerator[tuple[Where, Mapping[str, Any]], None],
    parse: Callable[[Mapping[str, Any], Where], N],
    kind: str,
) -> AsyncGenerator[N, None]:
    """Each item parsed; two resources of one name are a breach (the API keeps names unique,
    and a plan keyed by name would silently drop one of them)."""
    ids_by_name: dict[str, str] = {}
    async with contextlib.aclosing(items):
        async for where, item in items:
            record = parse(item, where)
            other = ids_by_name.setdefault(record.body.name, record.id)
            if other != record.id:
                raise where.of(kind).error(
                    f"has the name of {kind} id {other!r} too; names are unique",
                    data=item,
                    field="name",
                    hint="the tenant may have changed while it was read: run the command again",
                )
            yield record
