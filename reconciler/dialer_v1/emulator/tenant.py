"""The live tenant: settings, campaigns, webhooks, operations and the audit log.

Every mutation goes through here under one lock, so the Starlette handlers (possibly on a
server thread) and the test's out-of-band edits never interleave halfway.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Callable
from typing import Any, Literal

from reconciler.dialer_v1.emulator import bodies
from reconciler.dialer_v1.emulator.activation import partially_applied
from reconciler.dialer_v1.emulator.clock import EmulatorClock, iso
from reconciler.dialer_v1.emulator.faults import Faults
from reconciler.dialer_v1.emulator.problems import ApiProblem, not_found
from reconciler.dialer_v1.emulator.records import (
    SETTINGS_ID,
    AuditEntry,
    OperationRecord,
    Resource,
)

JsonDict = dict[str, Any]
EventSink = Callable[[str, str, str, JsonDict], None]
OUT_OF_BAND = "out-of-band"


class Tenant:
    """In-memory state of one tenant and the rules of every write (contract §3-§5, §7, §9)."""

    def __init__(
        self,
        seed: JsonDict,
        *,
        clock: EmulatorClock,
        faults: Faults,
        operation_seconds: float,
        tag_seed: int,
        on_event: EventSink,
    ) -> None:
        self.lock = threading.RLock()
        self._clock = clock
        self._faults = faults
        self._operation_seconds = operation_seconds
        self._tag_seed = tag_seed
        self.emit = on_event
        self._counters: dict[str, int] = {}
        self.campaigns: dict[str, Resource] = {}
        self.webhooks: dict[str, Resource] = {}
        self.operations: dict[str, OperationRecord] = {}
        self.audit: list[AuditEntry] = []
        now = iso(clock.now())
        self.settings = Resource(
            SETTINGS_ID, bodies.settings_body(seed["settings"]), self.new_tag(), now, now
        )
        for data in seed.get("campaigns", []):
            self._seed_campaign(data, now)
        for data in seed.get("webhooks", []):
            self._seed_webhook(data, now)

    # ---- identities -------------------------------------------------------------------

    def _next(self, counter: str) -> int:
        self._counters[counter] = self._counters.get(counter, 0) + 1
        return self._counters[counter]

    def new_tag(self) -> str:
        raw = f"{self._tag_seed}:{self._next('tag')}".encode()
        return "v-" + hashlib.sha256(raw).hexdigest()[:10]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{self._next(prefix):06d}"

    def _seed_campaign(self, data: JsonDict, now: str) -> None:
        cid = str(data.get("id") or self.new_id("c"))
        if cid in self.campaigns or self.campaign_named(str(data.get("name"))) is not None:
            raise ValueError(f"seed: campaign {data.get('name')!r} appears twice")
        tag = str(data.get("versionTag") or self.new_tag())
        self.campaigns[cid] = Resource(cid, bodies.campaign_body(data), tag, now, now, now)

    def _seed_webhook(self, data: JsonDict, now: str) -> None:
        wid = str(data.get("id") or self.new_id("w"))
        body, token = bodies.webhook_body(data)
        if self._webhook_named(body["name"]) is not None:
            raise ValueError(f"seed: webhook {body['name']!r} appears twice")
        tag = str(data.get("versionTag") or self.new_tag())
        self.webhooks[wid] = Resource(wid, body, tag, now, now, token=token)

    # ---- reading ----------------------------------------------------------------------

    def now(self) -> float:
        """The emulator clock's time."""
        return self._clock.now()

    def campaign_named(self, name: str) -> Resource | None:
        return next((c for c in self.campaigns.values() if c.name == name), None)

    def _webhook_named(self, name: str) -> Resource | None:
        return next((w for w in self.webhooks.values() if w.name == name), None)

    def campaign_by_name(self, name: str) -> Resource:
        """The campaign called `name`, or KeyError."""
        found = self.campaign_named(name)
        if found is None:
            raise KeyError(f"no campaign named {name!r}")
        return found

    def webhook_by_name(self, name: str) -> Resource:
        """The webhook called `name`, or KeyError."""
        found = self._webhook_named(name)
        if found is None:
            raise KeyError(f"no webhook named {name!r}")
        return found

    def running_operation(self, resource_id: str) -> OperationRecord | None:
        """The IN_PROGRESS operation on a resource, if any."""
        return next(
            (
                op
                for op in self.operations.values()
                if op.resource_id == resource_id and op.status == "IN_PROGRESS"
            ),
            None,
        )

    def tick(self) -> None:
        """Finish every operation whose time has come (operations complete lazily)."""
        with self.lock:
            now = self._clock.now()
            due = [
                op
                for op in self.operations.values()
                if op.status == "IN_PROGRESS" and op.fate != "hang" and op.due <= now
            ]
            for op in sorted(due, key=lambda o: (o.due, o.id)):
                self._finish(op)

    def release_hung(self) -> None:
        """Hung operations resume: each completes one operation duration from now."""
        with self.lock:
            now = self._clock.now()
            for op in self.operations.values():
                if op.status == "IN_PROGRESS" and op.fate == "hang":
                    op.fate = "complete"
                    op.due = max(op.due, now + self._operation_seconds)

    # ---- asynchronous writes (§3) -------------------------------------------------------

    def _check_write(self, resource: Resource, if_match: str | None) -> None:
        if if_match is None or not if_match.strip():
            raise ApiProblem(428, "precondition_required", "send If-Match: <versionTag>")
        running = self.running_operation(resource.id)
        if running is not None:
            raise ApiProblem(
                409,
                "operation_in_progress",
                "an operation on this resource is still running",
                operationId=running.id,
            )
        if _unquote(if_match) != resource.version_tag:
            raise ApiProblem(412, "precondition_failed", "the versionTag is stale: re-read")

    def _submit(
        self,
        resource_type: Literal["settings", "campaign"],
        resource_id: str,
        name: str,
        kind: Literal["create", "update", "delete"],
        new_body: JsonDict | None,
        tag_before: str | None,
        actor: str,
    ) -> OperationRecord:
        now = self._clock.now()
        fate = self._faults.for_operation(resource_type, name)
        op = OperationRecord(
            id=self.new_id("op"),
            resource_type=resource_type,
            resource_id=resource_id,
            resource_name=name,
            kind=kind,
            new_body=new_body,
            announced_tag=self.new_tag(),
            tag_before=tag_before,
            submitted=now,
            due=now + self._operation_seconds,
            fate=fate,  # type: ignore[arg-type]
            actor=actor,
        )
        self.operations[op.id] = op
        return op

    def put_settings(self, data: Any, if_match: str | None, actor: str) -> OperationRecord:
        """PUT /dialer/settings: validate, check preconditions, start an activation."""
        with self.lock:
            self._check_write(self.settings, if_match)
            body = bodies.settings_body(data)
            return self._submit(
                "settings",
                SETTINGS_ID,
                body["name"],
                "update",
                body,
                self.settings.version_tag,
                actor,
            )

    def create_campaign(self, data: Any, actor: str) -> OperationRecord:
        """POST /campaigns: a new campaign appears when its activation completes."""
        with self.lock:
            body = bodies.campaign_body(data)
            self._check_name_free(body["name"], None)
            return self._submit(
                "campaign", self.new_id("c"), body["name"], "create", body, None, actor
            )

    def update_campaign(
        self, cid: str, data: Any, if_match: str | None, actor: str
    ) -> OperationRecord:
        """PUT /campaigns/{id}."""
        with self.lock:
            current = self._campaign_for_write(cid)
            self._check_write(current, if_match)
            body = bodies.campaign_body(data)
            self._check_name_free(body["name"], cid)
            return self._submit(
                "campaign", cid, body["name"], "update", body, current.version_tag, actor
            )

    def delete_campaign(self, cid: str, if_match: str | None, actor: str) -> OperationRecord:
        """DELETE /campaigns/{id}: the campaign disappears when the operation completes."""
        with self.lock:
            current = self._campaign_for_write(cid)
            self._check_write(current, if_match)
            return self._submit(
                "campaign", cid, current.name, "delete", None, current.version_tag, actor
            )

    def _campaign_for_write(self, cid: str) -> Resource:
        found = self.campaigns.get(cid)
        if found is not None:
            return found
        running = self.running_operation(cid)
        if running is not None:
            # A campaign whose creation is still activating: it cannot be written yet.
            raise ApiProblem(
                409,
                "operation_in_progress",
                "the campaign is still being created",
                operationId=running.id,
            )
        raise not_found(f"campaign {cid}")

    def _check_name_free(self, name: str, own_id: str | None) -> None:
        holder = self.campaign_named(name)
        pending = any(
            op.kind == "create" and op.status == "IN_PROGRESS" and op.resource_name == name
            for op in self.operations.values()
            if op.resource_type == "campaign" and op.resource_id != own_id
        )
        if (holder is not None and holder.id != own_id) or pending:
            raise ApiProblem(409, "name_conflict", f"a campaign named {name!r} already exists")

    def _finish(self, op: OperationRecord) -> None:
        at = op.due
        op.completed = at
        if op.fate == "complete":
            op.status = "COMPLETED"
            op.final_tag = op.announced_tag
            self._apply(op, op.new_body, op.announced_tag, at, activated=True)
        else:
            op.status = "FAILED"
            partial = op.fate == "fail_partial"
            landed: list[str] = []
            if partial:
                op.final_tag = self.new_tag()
                landed = self._apply_partially(op, at)
            else:
                op.final_tag = op.tag_before
            op.error = {
                "code": "activation_failed",
                "message": "the dialer refused the activation"
                + (f"; applied before failing: {', '.join(landed)}" if landed else ""),
                "partiallyApplied": partial,
            }
        entity: Literal["dialer", "campaign"] = (
            "dialer" if op.resource_type == "settings" else "campaign"
        )
        self.record_audit(
            op.actor,
            op.kind,
            entity,
            op.resource_id,
            op.tag_before,
            op.final_tag,
            at,
            outcome=op.status,
            operation_id=op.id,
        )

    def _apply_partially(self, op: OperationRecord, at: float) -> list[str]:
        tag = op.final_tag
        assert tag is not None
        if op.kind == "create":
            # The record was stored but never activated (no lastActivatedAt).
            self._apply(op, op.new_body, tag, at, activated=False)
            return ["(campaign created, not activated)"]
        if op.kind == "delete":
            # The campaign was deactivated but not removed: only its versionTag moved.
            self.campaigns[op.resource_id].version_tag = tag
            return []
        current = (
            self.settings if op.resource_type == "settings" else self.campaigns.get(op.resource_id)
        )
        if current is None or op.new_body is None:
            return []
        validate = bodies.settings_body if op.resource_type == "settings" else bodies.campaign_body
        body, landed = partially_applied(current.body, op.new_body, validate)
        self._apply(op, body, tag, at, activated=False)
        return landed

    def _apply(
        self, op: OperationRecord, body: JsonDict | None, tag: str, at: float, *, activated: bool
    ) -> None:
        stamp = iso(at)
        if op.resource_type == "settings":
            assert body is not None
            self.settings.body, self.settings.version_tag = body, tag
            self.settings.updated_at = stamp
            if activated:
                self.emit("dialer.settings.updated", SETTINGS_ID, tag, self.settings_json())
            return
        if op.kind == "delete":
            gone = self.campaigns.pop(op.resource_id, None)
            if gone is not None and activated:
                data = {"id": gone.id, "name": gone.name}
                self.emit("dialer.campaign.deleted", gone.id, tag, data)
            return
        assert body is not None
        current = self.campaigns.get(op.resource_id)
        if current is None:
            current = Resource(op.resource_id, body, tag, stamp, stamp)
            self.campaigns[op.resource_id] = current
        current.body, current.version_tag, current.updated_at = body, tag, stamp
        if activated:
            current.last_activated_at = stamp
            self.emit("dialer.campaign.activated", current.id, tag, self.resource_json(current))

    # ---- webhooks: synchronous writes (§7) ----------------------------------------------

    def create_webhook(self, data: Any, actor: str) -> Resource:
        """POST /integrations/webhooks: 201 with the new webhook."""
        with self.lock:
            body, token = bodies.webhook_body(data)
            if token is None:
                raise ApiProblem(
                    400,
                    "invalid_request",
                    "the request is invalid",
                    details=[{"field": "auth.token", "message": "required when creating"}],
                )
            if self._webhook_named(body["name"]) is not None:
                raise ApiProblem(409, "name_conflict", f"a webhook named {body['name']!r} exists")
            stamp = iso(self._clock.now())
            hook = Resource(self.new_id("w"), body, self.new_tag(), stamp, stamp, token=token)
            self.webhooks[hook.id] = hook
            self.record_audit(actor, "create", "webhook", hook.id, None, hook.version_tag)
            return hook

    def update_webhook(self, wid: str, data: Any, if_match: str | None, actor: str) -> Resource:
        """PUT /integrations/webhooks/{id}; a body without auth.token keeps the stored one."""
        with self.lock:
            hook = self.webhooks.get(wid)
            if hook is None:
                raise not_found(f"webhook {wid}")
            self._check_write(hook, if_match)
            body, token = bodies.webhook_body(data)
            other = self._webhook_named(body["name"])
            if other is not None and other.id != wid:
                raise ApiProblem(409, "name_conflict", f"a webhook named {body['name']!r} exists")
            before = hook.version_tag
            hook.body, hook.version_tag = body, self.new_tag()
            hook.token = token if token is not None else hook.token
            hook.updated_at = iso(self._clock.now())
            self.record_audit(actor, "update", "webhook", wid, before, hook.version_tag)
            return hook

    def delete_webhook(self, wid: str, if_match: str | None, actor: str) -> None:
        """DELETE /integrations/webhooks/{id}: 204."""
        with self.lock:
            hook = self.webhooks.get(wid)
            if hook is None:
                raise not_found(f"webhook {wid}")
            self._check_write(hook, if_match)
            del self.webhooks[wid]
            self.record_audit(actor, "delete", "webhook", wid, hook.version_tag, None)

    # ---- audit and rendering ----------------------------------------------------------

    def record_audit(
        self,
        actor: str,
        action: str,
        entity: Literal["dialer", "campaign", "webhook"],
        entity_id: str,
        before: str | None,
        after: str | None,
        at: float | None = None,
        *,
        outcome: Literal["COMPLETED", "FAILED"] = "COMPLETED",
        operation_id: str | None = None,
    ) -> None:
        self.audit.append(
            AuditEntry(
                id=self.new_id("a"),
                timestamp=self._clock.now() if at is None else at,
                actor=actor,
                action=action,
                entity=entity,
                entity_id=entity_id,
                version_tag_before=before,
                version_tag_after=after,
                outcome=outcome,
                operation_id=operation_id,
            )
        )

    def settings_json(self) -> JsonDict:
        """GET /dialer/settings body."""
        return {
            **copy.deepcopy(self.settings.body),
            "versionTag": self.settings.version_tag,
            "updatedAt": self.settings.updated_at,
        }

    def resource_json(self, resource: Resource) -> JsonDict:
        """A campaign or webhook as the API returns it (never a webhook token)."""
        data: JsonDict = {"id": resource.id, **copy.deepcopy(resource.body)}
        data.update(
            versionTag=resource.version_tag,
            createdAt=resource.created_at,
            updatedAt=resource.updated_at,
        )
        if resource.id.startswith("c-"):
            data["lastActivatedAt"] = resource.last_activated_at
        return data


def _unquote(tag: str) -> str:
    value = tag.strip()
    value = value.removeprefix("W/")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value
