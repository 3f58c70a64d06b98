"""Desired state: YAML specs loaded with locations, validated, checked against the rules.

state = load_desired_state(Path("specs/prod"))   # raises SpecInvalid on any error
state, diagnostics = validate_spec_dir(Path("specs/prod"))
"""

from reconciler.spec.desired import load_desired_state, validate_spec_dir
from reconciler.spec.diagnostics import Diagnostic, Location, SpecInvalid
from reconciler.spec.models import (
    Carrier,
    Compliance,
    Credentials,
    IgnoreDifference,
    MetricBound,
    SimulationBlock,
    TenantSpec,
    VerifyBlock,
)
from reconciler.spec.state import CampaignDoc, DesiredState, SettingsDoc, TenantDoc, WebhookDoc

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
