"""The end-of-apply (and rollback) summary. A pure function of the Outcome."""

from __future__ import annotations

from reconciler.engine.outcome import Outcome

_OPERATION = {
    "apply": "Apply",
    "rollback": "Rollback",
    "recovery": "Recovery",
    "guard-restore": "The guard's restore",
}


def render_outcome_text(outcome: Outcome, *, environment: str) -> str:
    """What changed, what was restored, the snapshot id, and what needs a person."""
    lines: list[str] = []
    applied = [s for s in outcome.steps if s.outcome == "applied"]
    failed = [s for s in outcome.steps if s.outcome == "failed"]
    skipped = [s for s in outcome.steps if s.outcome == "skipped"]
    what = _OPERATION[outcome.operation]
    if outcome.result == "applied":
        lines.append(
            f'Apply complete for "{environment}": {len(applied)} change(s) applied and verified.'
        )
    elif outcome.result == "restored" and outcome.operation == "apply":
        lines.append(
            f'Apply FAILED for "{environment}"; every touched resource was restored '
            "to its pre-apply content and verified."
        )
    elif outcome.result == "restored":
        lines.append(
            f'{what} complete for "{environment}": every resource it covered holds its '
            "snapshot content (verified)."
        )
    elif outcome.operation == "apply":
        lines.append(
            f'Apply FAILED for "{environment}" and the restore did NOT complete: '
            "the live tenant needs a person."
        )
    else:
        lines.append(
            f'{what} FAILED for "{environment}": the restore did NOT complete: '
            "the live tenant needs a person."
        )
    if outcome.error:
        lines.append(f"  cause: {outcome.error}")
    if outcome.unrecorded:
        holds = {
            "applied": "the tenant holds the desired state (verified)",
            "restored": "every resource shown holds its snapshot content (verified)",
            "restore-failed": "the resources below need a person",
        }[outcome.result]
        lines.append(
            f"  {holds}, but the state directory could not record everything (disk full?):"
        )
        lines += [f"    not recorded: {what}" for what in outcome.unrecorded]
    for s in applied:
        tags = f" ({s.version_tag_before or '-'} -> {s.version_tag_after or '-'})"
        lines.append(f"  {s.action:<7} {s.address}{tags}")
    for s in failed:
        lines.append(f"  FAILED  {s.address}: {s.error}")
    if skipped:
        lines.append(f"  {len(skipped)} change(s) not attempted after the failure")
    for r in outcome.restored:
        state = "restored" if r.ok else "NEEDS ATTENTION"
        detail = f" ({r.action})" if r.action != "none" else " (already at snapshot)"
        lines.append(f"  {state:<15} {r.address}{detail if r.ok else ': ' + (r.reason or '')}")
    lines += [f"  note: {n}" for n in outcome.notes]
    lines.append(
        f"Snapshot: {outcome.snapshot_id}"
        + (f" · last-known-good: {outcome.last_known_good}" if outcome.last_known_good else "")
    )
    if outcome.needs_attention:
        lines.append(
            f"Run `reconciler rollback --to {outcome.snapshot_id}` once the cause is "
            "fixed, or repair the resources above by hand."
        )
    return "\n".join(lines) + "\n"
