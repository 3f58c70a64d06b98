"""Opaque page tokens and page-size rules shared by every list endpoint (contract §2)."""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from reconciler.dialer_v1.api import MAX_PAGE_SIZE
from reconciler.dialer_v1.emulator.bodies import InvalidBody

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100


def page_size(query: Mapping[str, str]) -> int:
    """The `pageSize` asked for (1-500, default 100), or InvalidBody."""
    raw = query.get("pageSize")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidBody(
            [{"field": "pageSize", "message": f"must be an integer from 1 to {MAX_PAGE_SIZE}"}]
        )
    return size


def encode_token(listing: str, after: str, filters: str) -> str:
    """An opaque token: the listing, the last key served and a digest of the filters."""
    raw = json.dumps({"l": listing, "a": after, "f": filters}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str, listing: str, filters: str) -> str:
    """The key to continue after; InvalidBody for a token of another listing or query."""
    bad = InvalidBody([{"field": "pageToken", "message": "unknown or malformed page token"}])
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise bad from exc
    if not isinstance(data, dict) or data.get("l") != listing or data.get("f") != filters:
        raise bad
    after = data.get("a")
    if not isinstance(after, str):
        raise bad
    return after


def paginate(
    items: Sequence[T],
    key: Callable[[T], str],
    query: Mapping[str, str],
    *,
    listing: str,
    filters: str = "",
) -> tuple[list[T], str | None]:
    """One page of `items` (sorted by `key`) and the next token, None on the last page.

    Keyset pagination (continue after the last key served) so that a resource created or
    deleted between two pages never shifts the rest of the listing.
    """
    size = page_size(query)
    token = query.get("pageToken")
    start = 0
    if token:
        after = decode_token(token, listing, filters)
        start = bisect.bisect_right(items, after, key=key)
    page = list(items[start : start + size])
    more = start + size < len(items)
    return page, (encode_token(listing, key(page[-1]), filters) if more and page else None)
