"""What `reconciler doctor` checks for one environment: its specs' demands on the tenant.

The checks themselves are the CXone admin API's (`reconciler/cxone_admin/doctor.py`, which
reads no specs); here the desired state becomes what they look for: the skills the specs
name with the blocks they manage, the DNC groups they declare or require, the source the
guard reads metrics from, and which skills the guard watches.
"""

from __future__ import annotations

from reconciler.cxone_admin.doctor import DoctorInput
from reconciler.desired import DesiredState
from reconciler.errors import ConfigError


def doctor_input(state: DesiredState) -> DoctorInput:
    """What the specs of `state` ask of the tenant."""
    if state.tenant is None or state.api != "cxone-admin":
        raise ConfigError(
            f"doctor checks a real CXone tenant (`api: cxone-admin` in the Tenant spec); "
            f"{state.spec_dir} uses {state.api}",
            hint="for the modelled dialer API, `reconciler plan` reads everything the tool "
            "needs and reports any answer it cannot use",
        )
    spec = state.tenant.spec
    referenced = {g for s in state.skills for g in s.body.dncGroups or ()}
    referenced |= set(spec.compliance.dnc_groups_required)
    guarded = []
    for skill in state.skills:
        verify = state.verify_for(skill.name)
        if verify is not None and "abandonmentRate" in verify.metrics:
            guarded.append(skill.name)
    return DoctorInput(
        environment=state.environment,
        api_version=spec.api_version,
        metrics_source=spec.metrics_source,
        skills={s.name: tuple(s.body.blocks) for s in state.skills},
        groups_declared=frozenset(g.name for g in state.dnc_groups),
        groups_referenced=frozenset(referenced),
        guarded=tuple(guarded),
    )
