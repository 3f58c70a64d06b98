"""Where a real CXone tenant is reached unless the Tenant spec says otherwise.

A module of constants only (no HTTP code), so the spec layer can name the defaults too.
"""

# The commercial issuer; others: cxone-gov.niceincontact.com, nicecxone-sov1.au, .eu.
DEFAULT_ISSUER = "https://cxone.niceincontact.com"
# The newest version seen in a client its authors ran against a live tenant (v30.0); the
# parameter blocks exist since v18.0. The Tenant's `api_version` chooses another.
DEFAULT_API_VERSION = 30
