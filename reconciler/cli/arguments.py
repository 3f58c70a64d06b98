"""Parse-time checks for every number and time on the command line, in one place.

Each option's `type=` is one of the values below, so a bad value is refused by argparse
before anything is read, sent or written. The message names the option (argparse puts
`argument --NAME:` in front), the value given and what is allowed, with an example; the
CLI then exits 1 (a usage error, see `main.py`). Caught later, a `0` timeout would only
show up half-way through an apply, after the first write.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

DAY_SECONDS = 86_400
# The range of `seed:` in the specs (desired.models.SEED_MAX; a test keeps them equal),
# repeated so that a command's start does not load the spec models.
SEED_MAX = 2**63 - 1


@dataclass(frozen=True)
class Number:
    """An integer or a finite number within [low, high] (or (low, high] when `low_open`)."""

    unit: str  # what the number counts ("seconds"), for the message
    low: float
    high: float
    example: str
    integer: bool = False
    low_open: bool = False

    def __call__(self, text: str) -> float:
        value = self._parse(text)
        too_low = value <= self.low if self.low_open else value < self.low
        if too_low or value > self.high:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range; {self.allowed}")
        return value

    def _parse(self, text: str) -> float:
        try:
            value: float = int(text) if self.integer else float(text)
        except ValueError:
            what = "an integer" if self.integer else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}; {self.allowed}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number; {self.allowed}")
        return value

    @property
    def allowed(self) -> str:
        """`allowed: a number > 0 and <= 86400 (seconds, e.g. 300)`."""
        noun = "an integer" if self.integer else "a number"
        low = f"> {_shown(self.low)}" if self.low_open else f">= {_shown(self.low)}"
        return (
            f"allowed: {noun} {low} and <= {_shown(self.high)} ({self.unit}, e.g. {self.example})"
        )


def _shown(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


# Durations: a positive number of seconds, at most a day (nothing the tool waits for is
# longer; a larger value is a typo for a smaller one).
OPERATION_TIMEOUT = Number("seconds", 0, DAY_SECONDS, "300", low_open=True)
WATCH_SECONDS = Number("seconds", 0, DAY_SECONDS, "60", low_open=True)
EMULATOR_OPERATION_SECONDS = Number("seconds", 0, DAY_SECONDS, "0.2")  # 0: at once
TOKEN_TTL_SECONDS = Number("seconds", 1, DAY_SECONDS, "3600", integer=True)
# Simulated time per replication: the API's simulator takes at most a day too.
DURATION_MINUTES = Number("minutes", 0, 1_440, "60", low_open=True)

# Counts and identifiers.
PER_MINUTE_LIMIT = Number("requests per minute", 1, 1_000_000, "100", integer=True)
PAGE_SIZE = Number("rows per page", 1, 500, "500", integer=True)  # the API's pageSize range
REPLICATIONS = Number("replications", 1, 1_000, "10", integer=True)  # as `replications:`
SEED = Number("a random seed", 0, SEED_MAX, "7", integer=True)
TOP_CAP = Number("a page size cap; 0: no cap", 0, 10_000, "100", integer=True)
PORT = Number("a TCP port; 0 picks a free one", 0, 65_535, "8080", integer=True)
PULL_REQUEST = Number("a pull request number", 1, 2**31 - 1, "12", integer=True)
API_VERSION = Number("a CXone API version", 1, 99, "30", integer=True)  # as `api_version:`

# ISO 8601 in the extended format the API documents: a date, or a date and time with an
# optional offset. Fractions of a second have 3 or 6 digits (what every Python reads).
_ISO_8601 = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{3}|\.\d{6})?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?$"
)
TIME_EXAMPLE = "2026-11-01T08:00:00Z"


def instant(text: str) -> str:
    """An ISO 8601 time, as UTC (`...Z`); a time without an offset is UTC, as on the API."""
    moment = None
    if _ISO_8601.match(text):
        try:
            moment = datetime.fromisoformat(re.sub(r"[Zz]$", "+00:00", text))
        except ValueError:  # the shape is right but the date is not (2026-02-30, 25:00)
            moment = None
    if moment is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time: e.g. {TIME_EXAMPLE}, 2026-11-01T08:00:00-05:00"
            " or 2026-11-01 (no offset means UTC)"
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    utc = moment.astimezone(timezone.utc)
    return utc.isoformat().replace("+00:00", "Z")


class _TimeRangeBound(argparse.Action):
    """Stores `--from` or `--to`; once both are given, `--from` must be before `--to`."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        start, end = getattr(namespace, "start", None), getattr(namespace, "end", None)
        if start is not None and end is not None and _parsed(start) >= _parsed(end):
            parser.error(
                f"--from {start} is not before --to {end}: give a time range such as"
                f" --from {TIME_EXAMPLE} --to 2026-11-02T08:00:00Z"
            )


def _parsed(canonical: str) -> datetime:
    return datetime.fromisoformat(canonical.replace("Z", "+00:00"))


def add_time_range(parser: argparse.ArgumentParser, *, from_help: str, to_help: str) -> None:
    """`--from` and `--to` (dest `start`, `end`), checked as ISO 8601 and in order."""
    for flag, dest, text in (("--from", "start", from_help), ("--to", "end", to_help)):
        parser.add_argument(
            flag,
            dest=dest,
            type=instant,
            action=_TimeRangeBound,
            metavar="ISO8601",
            help=f"{text} (ISO 8601, e.g. {TIME_EXAMPLE}; no offset means UTC)",
        )
