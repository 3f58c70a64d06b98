"""Desired state: YAML specs loaded with locations, validated, checked against the rules.

state = load_desired_state(Path("specs/prod"))   # raises SpecInvalid on any error
state, diagnostics = validate_spec_dir(Path("specs/prod"))
"""

from reconciler.desired.desired_state import (
    CampaignDoc,
    DesiredState,
    SettingsDoc,
    TenantDoc,
    WebhookDoc,
)
from reconciler.desired.diagnostics import Diagnostic, Location, SpecInvalid
from reconciler.desired.load import load_desired_state, validate_spec_dir
from reconciler.desired.models import (
    Carrier,
    Compliance,
    Credentials,
    IgnoreDifference,
    MetricBound,
    SimulationBlock,
    TenantSpec,
    VerifyBlock,
)

__all__ = [
    "CampaignDoc",
    "Carrier",
    "Compliance",
    "Credentials",
    "DesiredState",
    "Diagnostic",
    "IgnoreDifference",
    "Location",
    "MetricBound",
    "SettingsDoc",
    "SimulationBlock",
    "SpecInvalid",
    "TenantDoc",
    "TenantSpec",
    "VerifyBlock",
    "WebhookDoc",
    "load_desired_state",
    "validate_spec_dir",
]
