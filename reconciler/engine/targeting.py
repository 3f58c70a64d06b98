"""`--target KIND/NAME`: plan (and apply) a subset of the resources, as Terraform's -target.

A target names a resource as the plan JSON does (`Campaign/Collections_East`,
`DialerSettings/<name>`: a singleton answers to its name in the specs or on the tenant).
An unknown target is an error before anything is planned. The targeted plan holds only the
targets' changes and says so in a warning; the blast-radius gate still counts its updates
and deletes against every managed resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reconciler import registry
from reconciler.desired.diagnostics import did_you_mean
from reconciler.engine.pairing import DesiredResource
from reconciler.engine.plan import PlanWarning
from reconciler.errors import ConfigError
from reconciler.kinds import LiveState, ResourceAddress

TARGET_SYNTAX = "KIND/NAME, e.g. Campaign/Collections_East"


def split_target(text: str) -> tuple[str, str]:
    """`("Campaign", "X")` from `"Campaign/X"`; ValueError naming the syntax otherwise."""
    kind, slash, name = text.partition("/")
    if not slash or not kind or not name:
        raise ValueError(f"{text!r} is not {TARGET_SYNTAX}")
    return kind, name


def resolve_targets(
    texts: Sequence[str], desired: Iterable[DesiredResource], live: LiveState
) -> frozenset[ResourceAddress]:
    """The addresses the plan pairs each target with; ConfigError naming every unknown one."""
    named = [d.address for d in desired] + sorted(live.resources)
    plan_address: dict[tuple[str, str], ResourceAddress] = {}
    for address in named:  # a pair's address is its desired side's when there is one
        plan_address.setdefault(_pair_key(address), address)
    # Every name a resource goes by (a singleton's in the specs and on the tenant).
    aliases = {(a.kind, a.name): plan_address[_pair_key(a)] for a in named}
    found: set[ResourceAddress] = set()
    problems: list[str] = []
    for text in texts:
        try:
            kind, name = split_target(text)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if kind not in registry.KINDS:
            guess = did_you_mean(kind, registry.KINDS)
            problems.append(
                f"{text}: unknown kind {kind!r}"
                + (f" (did you mean {guess}?)" if guess else "")
                + f"; kinds: {', '.join(sorted(registry.KINDS))}"
            )
            continue
        target = aliases.get((kind, name))
        if target is None:
            names = [alias for k, alias in aliases if k == kind]
            guess = did_you_mean(name, names)
            problems.append(
                f"{text}: no {kind} named {name!r} in the specs or on the tenant"
                + (f" (did you mean {kind}/{guess}?)" if guess else "")
            )
            continue
        found.add(target)
    if problems:
        raise ConfigError(
            "unknown --target; nothing was planned or written:\n  " + "\n  ".join(problems),
            hint=f"name each resource as {TARGET_SYNTAX} (the plan JSON's kind and name)",
        )
    return frozenset(found)


def _pair_key(address: ResourceAddress) -> tuple[str, str]:
    return registry.kind(address.kind).pair_key(address.name)


def targeting_warning(targets: frozenset[ResourceAddress]) -> PlanWarning:
    """Terraform's warning: a targeted plan may not hold every change the specs ask for."""
    shown = ", ".join(f"{a.kind}/{a.name}" for a in sorted(targets))
    return PlanWarning(
        f"resource targeting is in effect: this plan covers only {shown}, so it may not hold "
        "every change the specs ask for; the blast-radius gate still counts against every "
        "managed resource. Target for exceptional cases (recovering from an error, a change "
        "that must go first), not routinely",
        None,
        "targeting",
    )
