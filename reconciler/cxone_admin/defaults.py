"""Where a real CXone tenant is reached unless the Tenant spec says otherwise.

A module of constants only (no HTTP code), so the spec layer can name the defaults too.
"""

from typing import Literal, get_args

# The commercial issuer; others: cxone-gov.niceincontact.com, nicecxone-sov1.au, .eu.
DEFAULT_ISSUER = "https://cxone.niceincontact.com"
# The newest version seen in a client its authors ran against a live tenant (v30.0); the
# parameter blocks exist since v18.0. The Tenant's `api_version` chooses another.
DEFAULT_API_VERSION = 30

# Where the guard and `metrics` read a skill's abandonment (the Tenant's `metrics_source`):
# the WFM dialer contacts (abandons / connects per 15-minute interval, the closest public
# figure to the regulatory rate), the skill summary's own `AbandonRate`, or `auto` (the
# summary, else the dialer contacts). `reconciler doctor` says which one a tenant serves.
MetricsSource = Literal["dialer-contacts", "skill-summary", "auto"]
METRICS_SOURCES: tuple[MetricsSource, ...] = get_args(MetricsSource)
DEFAULT_METRICS_SOURCE: MetricsSource = "dialer-contacts"
