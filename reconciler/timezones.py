"""IANA time-zone names: the one check every part of the tool uses (calling hours, windows).

A name is looked up in the time zone database (the system's, else the `tzdata` package).
The pattern keeps paths and odd keys away from the zone files and is what the JSON Schemas
publish; a directory name ("America") or an over-long key is an OSError from the zone
files, reported like any unknown name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")


@lru_cache(maxsize=1024)
def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError with an example when there is none."""
    # Cached: zoneinfo keeps only 8 zones loaded once nothing else refers to them.
    try:
        if not ZONE_NAME.match(name):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f'{name!r} is not an IANA time zone (e.g. "America/New_York")') from exc
