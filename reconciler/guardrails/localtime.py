"""Local wall time in an IANA zone and the instants it names, clock changes included.

Everything here works on aware instants (any offset, compared as UTC) and on naive wall
times (what a clock on the wall of the zone shows). A wall time can name no instant (a
spring-forward skips it) or two (a fall-back repeats it); `instant_of` answers the first.

The shortcut in `spans.py` relies on one fact of the time zone database, checked over every
zone from 1970 to 2100 (offsets sampled every 6 hours): two changes of a zone's UTC offset
are at least 7 days apart (the closest pair: Brazil's north-east in October 2000).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
ONE_SECOND = timedelta(seconds=1)
# The shortest distance between two offset changes of any zone since 1970 (see above).
OFFSET_CHANGES_APART = timedelta(days=7)


def wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall time that `instant` shows in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None)  # naive equality ignores fold


def instant_of(local: datetime, zone: ZoneInfo) -> datetime | None:
    """The first instant (UTC) whose wall time in `zone` is `local`; None if it is skipped."""
    instant = local.replace(tzinfo=zone).astimezone(UTC)  # `local` is naive: fold 0
    if wall(instant, zone) != local:
        return None  # zoneinfo maps a skipped time past the change; its wall time differs
    return instant


def first_instant_from(local: datetime, zone: ZoneInfo) -> datetime:
    """The first instant whose wall time in `zone` is `local` or later.

    That is `instant_of(local)` unless a spring-forward skips `local`: then it is the
    instant of the change itself, found by bisection to the second (changes in the time
    zone database fall on whole seconds).
    """
    found = instant_of(local, zone)
    if found is not None:
        return found
    # PEP 495: in a gap fold=0 reads the time with the offset before the change (an instant
    # after it), fold=1 with the offset after it (an instant before it).
    high = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    low = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    after_offset = high.astimezone(zone).utcoffset()
    while high - low > ONE_SECOND:
        middle = low + ONE_SECOND * ((high - low) // ONE_SECOND // 2)
        if middle.astimezone(zone).utcoffset() == after_offset:
            high = middle
        else:
            low = middle
    return high


def wall_reached(instant: datetime, zone: ZoneInfo) -> datetime:
    """The latest wall time whose first pass is at or before `instant`.

    Its own wall time, except on the repeat of a fall-back: there the first pass of wall
    times up to the length of the repeat later has already happened.
    """
    local = instant.astimezone(zone)
    naive = local.replace(tzinfo=None)
    if not local.fold:  # zoneinfo marks the second pass of a repeated wall time
        return naive
    first, now = local.replace(fold=0).utcoffset(), local.utcoffset()
    assert first is not None and now is not None  # a ZoneInfo always has an offset
    return naive + (first - now)


def same_offset(start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    """Whether no offset change of `zone` lies in [start, end] (a span under 7 days)."""
    if end - start >= OFFSET_CHANGES_APART:
        return False
    return start.astimezone(zone).utcoffset() == end.astimezone(zone).utcoffset()
