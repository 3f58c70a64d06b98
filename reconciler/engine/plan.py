"""The Plan: an immutable, serialisable value that review approves and apply executes.

Planning never prints and rendering never decides (Terraform's `internal/plans` split):
everything a renderer, an exit code or `apply --plan` needs is in this value.
A saved plan carries its own digest (tamper evidence) and every live versionTag it was
computed against (staleness), so `apply --plan` can execute exactly what was reviewed or refuse.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from reconciler import registry
from reconciler.errors import PlanError
from reconciler.kinds import LiveState, ResourceAddress, WriteAction
from reconciler.state.atomic import canonical_json, sha256_digest, write_atomic

FORMAT_VERSION = 1
SENSITIVE = "(sensitive)"


class Action(str, Enum):
    """What a change does to one resource."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-"}[self.value]

    @property
    def verb(self) -> str:
        return {"create": "created", "update": "updated", "delete": "destroyed"}[self.value]

    @property
    def write(self) -> WriteAction:
        """The write this change asks of its kind."""
        if self is Action.CREATE:
            return "create"
        return "update" if self is Action.UPDATE else "delete"


def change_sort_key(kind: str, name: str, action: Action) -> tuple[int, int, str]:
    """Position of a change in the plan: creates and updates before deletes (so nothing is
    left pointing past a limit a later step lowers), then the kinds' apply order."""
    return registry.change_order(kind, name, action is Action.DELETE)


@dataclass(frozen=True)
class FieldChange:
    """One leaf that differs, by dotted path (`algorithm.dial_ratio`)."""

    path: str
    before: Any
    after: Any
    sensitive: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "before": self.before, "after": self.after}
        if self.sensitive:
            data["sensitive"] = True
        return data


@dataclass(frozen=True)
class PlanWarning:
    """A validation or planning warning shown with the plan."""

    message: str
    source: str | None = None  # "path:LINE:COL" when it comes from a spec file
    code: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "source": self.source, "code": self.code}


@dataclass(frozen=True)
class Change:
    """One resource to create, update or delete."""

    kind: str
    name: str
    action: Action
    diff: tuple[FieldChange, ...]
    live_version_tag: str | None = None
    resource_id: str | None = None
    # The body to send (JSON, no secrets): None for deletes.
    desired: dict[str, Any] | None = None
    # Webhooks: the environment variable holding the write-only token to send.
    secret_env: str | None = None
    source: str | None = None
    prediction: dict[str, Any] | None = None
    # Guardrails (engine/guardrails.py): the change window's verdict when the plan was made.
    window: dict[str, Any] | None = None
    # Where a kind is written in parts (a skill's blocks): each part's tag as the plan saw
    # it; apply re-reads each part before writing it and refuses if it moved.
    live_parts: dict[str, str] | None = None

    @property
    def address(self) -> ResourceAddress:
        return ResourceAddress(self.kind, self.name)

    @property
    def window_open(self) -> bool:
        """Whether the change's windows allowed it when the plan was made (none: allowed)."""
        return self.window is None or bool(self.window.get("open"))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "action": self.action.value,
            "live_version_tag": self.live_version_tag,
            "resource_id": self.resource_id,
            "diff": [c.to_json() for c in self.diff],
            "desired": self.desired,
            "secret_env": self.secret_env,
            "source": self.source,
        }
        if self.prediction is not None:
            data["prediction"] = self.prediction
        if self.window is not None:
            data["window"] = self.window
        if self.live_parts is not None:
            data["live_parts"] = self.live_parts
        return data


@dataclass(frozen=True)
class Plan:
    """Everything review approves and apply executes, in apply order."""

    environment: str
    spec_digest: str
    changes: tuple[Change, ...]
    observed: dict[str, dict[str, str]]  # kind -> name -> live versionTag at plan time
    warnings: tuple[PlanWarning, ...] = ()
    unmanaged: tuple[tuple[str, str], ...] = ()  # live (kind, name) not in the repo, prune off
    git_commit: str | None = None
    created_at: str | None = None
    tool_version: str = ""
    notes: tuple[str, ...] = field(default=())
    # Guardrails, each serialised only when set (plans without them read as before):
    # `targets` the `--target` addresses ("Campaign/X"), `gate` the blast-radius verdict
    # when it trips or cannot be known, `seen` the comparable bodies of live resources the
    # plan leaves alone but cannot rebuild from the specs (engine/staleness.py).
    targets: tuple[str, ...] = ()
    gate: dict[str, Any] | None = None
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        """The one place that decides whether there is anything to apply."""
        return bool(self.changes)

    def summary(self) -> dict[str, int]:
        counts = {a.value: 0 for a in Action}
        for change in self.changes:
            counts[change.action.value] += 1
        return counts

    def secrets_to_send(self) -> list[tuple[ResourceAddress, str | None]]:
        """(resource, variable) for every change that sends a write-only secret."""
        return [
            (c.address, c.secret_env)
            for c in self.changes
            if c.action is not Action.DELETE and any(fc.sensitive for fc in c.diff)
        ]

    def missing_secrets(self, available: Collection[str]) -> list[str]:
        """One line per change whose secret's variable is not set (apply would refuse)."""
        return [
            f"{address} needs {env or '(no variable named)'}, which is not set"
            for address, env in self.secrets_to_send()
            if env is None or env not in available
        ]

    def check_fresh(self, environment: str, spec_digest: str, live: LiveState) -> None:
        """Refuse (PlanError) a saved plan whose specs or live tags moved since it was made."""
        if self.environment != environment:
            raise PlanError(f"the plan is for {self.environment!r}, not {environment!r}")
        if self.spec_digest != spec_digest:
            raise PlanError(
                "the plan is stale: the specs changed since it was made "
                f"({self.spec_digest} != {spec_digest})",
                hint="run `reconciler plan --out` again and review the new plan",
            )
        now = live.version_tags()
        moved = [
            f"{kind}.{name}: {tag} -> {now.get(kind, {}).get(name, '(gone)')}"
            for kind, tags in self.observed.items()
            for name, tag in tags.items()
            if now.get(kind, {}).get(name) != tag
        ] + [
            f"{kind}.{name}: (new) -> {tag}"
            for kind, tags in now.items()
            for name, tag in tags.items()
            if name not in self.observed.get(kind, {})
        ]
        if moved:
            raise PlanError(
                "the plan is stale: the live tenant changed since it was made:\n  "
                + "\n  ".join(moved[:20])
                + (f"\n  ... and {len(moved) - 20} more" if len(moved) > 20 else ""),
                hint="run `reconciler plan --out` again and review the new plan",
            )

    def with_changes(self, changes: tuple[Change, ...]) -> Plan:
        return replace(self, changes=changes)

    def body_json(self) -> dict[str, Any]:
        """The plan as JSON without its own digest."""
        return {
            "format_version": FORMAT_VERSION,
            "environment": self.environment,
            "spec_digest": self.spec_digest,
            "git_commit": self.git_commit,
            "created_at": self.created_at,
            "tool_version": self.tool_version,
            "changes": [c.to_json() for c in self.changes],
            "summary": self.summary(),
            "has_changes": self.has_changes,
            "warnings": [w.to_json() for w in self.warnings],
            "unmanaged": [{"kind": k, "name": n} for k, n in self.unmanaged],
            "observed": self.observed,
            "notes": list(self.notes),
            **({"targets": list(self.targets)} if self.targets else {}),
            **({"gate": self.gate} if self.gate is not None else {}),
            **({"seen": self.seen} if self.seen else {}),
        }

    @property
    def digest(self) -> str:
        return sha256_digest(canonical_json(self.body_json()))

    def to_json(self) -> dict[str, Any]:
        data = self.body_json()
        data["plan_digest"] = self.digest
        return data


def plan_from_json(data: dict[str, Any]) -> Plan:
    """Rebuild a Plan from its JSON; PlanError when malformed or tampered with."""
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise PlanError(
            "not a reconciler plan (format_version 1 expected)",
            hint="create it with `reconciler plan SPEC_DIR --out PLAN`",
        )
    try:
        plan = Plan(
            environment=data["environment"],
            spec_digest=data["spec_digest"],
            git_commit=data.get("git_commit"),
            created_at=data.get("created_at"),
            tool_version=data.get("tool_version", ""),
            changes=tuple(_change_from_json(c) for c in data["changes"]),
            warnings=tuple(
                PlanWarning(w["message"], w.get("source"), w.get("code", ""))
                for w in data.get("warnings", [])
            ),
            unmanaged=tuple((u["kind"], u["name"]) for u in data.get("unmanaged", [])),
            observed={k: dict(v) for k, v in data["observed"].items()},
            notes=tuple(data.get("notes", [])),
            targets=tuple(data.get("targets", [])),
            gate=data.get("gate"),
            seen={k: dict(v) for k, v in data.get("seen", {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanError(f"the plan file is malformed: {exc!r}") from exc
    recorded = data.get("plan_digest")
    if recorded != plan.digest:
        raise PlanError(
            "the plan file was modified after it was written (its digest does not match)",
            hint="re-create the plan with `reconciler plan --out`; never edit a saved plan",
        )
    return plan


def _change_from_json(data: dict[str, Any]) -> Change:
    return Change(
        kind=data["kind"],
        name=data["name"],
        action=Action(data["action"]),
        diff=tuple(
            FieldChange(d["path"], d["before"], d["after"], bool(d.get("sensitive", False)))
            for d in data["diff"]
        ),
        live_version_tag=data.get("live_version_tag"),
        resource_id=data.get("resource_id"),
        desired=data.get("desired"),
        secret_env=data.get("secret_env"),
        source=data.get("source"),
        prediction=data.get("prediction"),
        window=data.get("window"),
        live_parts=data.get("live_parts"),
    )


def save_plan(plan: Plan, path: Path) -> None:
    """Write the plan as JSON (atomically)."""
    text = json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))


def load_plan(path: Path) -> Plan:
    """Read a saved plan, verifying its digest."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"cannot read plan {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise PlanError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from exc
    return plan_from_json(data)
