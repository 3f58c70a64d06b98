"""Regulatory rules per jurisdiction, as a table: a new jurisdiction is a new row.

Sources are quoted in every message the rules produce; the table with its sources is in
docs/capacity-model.md, Jurisdictions.
Beware of outdated figures still quoted online: "3% per day" (FTC before 2008) and
"64.1200(a)(6)" for abandonment (renumbered to (a)(7) in 2012, when it also became per
campaign).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Window:
    """A daily calling window in the called party's local time, half-open [start, end)."""

    start: str
    end: str

    def render(self) -> str:
        """`08:00-21:00`."""
        return f"{self.start}-{self.end}"


@dataclass(frozen=True)
class Jurisdiction:
    """The rules one regulator sets for outbound dialing."""

    code: str
    name: str
    abandonment_cap: float  # abandoned / live-answered calls, per campaign
    abandonment_source: str
    # True where meeting the cap is no safe harbour, so a predictive campaign always warns.
    abandonment_always_warn: bool
    calling_window: Window | None  # every day, or weekdays when weekend_window is set
    weekend_window: Window | None
    calling_hours_source: str
    required_dnc_lists: tuple[str, ...]
    dnc_source: str
    advise_company_dnc_list: bool  # warn when only the required lists are used
    connect_window_sec: float  # an answered call must reach an agent within this
    connect_source: str


US = Jurisdiction(
    code="US",
    name="United States",
    abandonment_cap=0.03,
    abandonment_source="47 CFR 64.1200(a)(7); 16 CFR 310.4(b)(4)(i): 3% of live-answered"
    " calls per campaign per 30-day period",
    abandonment_always_warn=False,
    # Some states are stricter (Florida 08:00-20:00 -- verify); the tenant's
    # compliance.calling_hours narrows the window where that matters.
    calling_window=Window("08:00", "21:00"),
    weekend_window=None,
    calling_hours_source="47 CFR 64.1200(c)(1): 08:00-21:00 in the called party's local time",
    required_dnc_lists=("national",),
    dnc_source="47 CFR 64.1200(c)(2); 16 CFR 310.4(b)(1)(iii)(B): National Do Not Call Registry",
    advise_company_dnc_list=True,
    connect_window_sec=2.0,
    connect_source="47 CFR 64.1200(a)(7)(i): a call not connected to an agent within 2 s"
    " of the greeting is abandoned",
)

UK = Jurisdiction(
    code="UK",
    name="United Kingdom",
    abandonment_cap=0.03,
    abandonment_source="Ofcom persistent-misuse policy: 3% of live calls per campaign per"
    " 24 hours; since 2017 not a safe harbour",
    abandonment_always_warn=True,
    calling_window=None,  # no statutory window
    weekend_window=None,
    calling_hours_source="Ofcom persistent-misuse policy (no statutory calling window)",
    # TPS/CTPS screening: the dialer API calls the national list `national`.
    required_dnc_lists=("national",),
    dnc_source="PECR regulation 21: TPS/CTPS, screened at least every 28 days",
    advise_company_dnc_list=True,
    connect_window_sec=2.0,
    connect_source="Ofcom persistent-misuse policy: information message within 2 s",
)

CA = Jurisdiction(
    code="CA",
    name="Canada",
    abandonment_cap=0.05,  # verify: 5% is widely reported, not checked against the rules text
    abandonment_source="CRTC Unsolicited Telecommunications Rules (ADAD): 5% of live-answered"
    " calls (verify)",
    abandonment_always_warn=False,
    calling_window=Window("09:00", "21:30"),
    weekend_window=Window("10:00", "18:00"),
    calling_hours_source="CRTC Unsolicited Telecommunications Rules: weekdays 09:00-21:30,"
    " weekends 10:00-18:00",
    required_dnc_lists=("national",),
    dnc_source="CRTC Unsolicited Telecommunications Rules: National DNCL",
    advise_company_dnc_list=True,
    connect_window_sec=2.0,
    connect_source="CRTC Unsolicited Telecommunications Rules: 2 s",
)

JURISDICTIONS: Mapping[str, Jurisdiction] = MappingProxyType({j.code: j for j in (US, UK, CA)})
DEFAULT_JURISDICTION = "US"
