"""A spec directory to a `DesiredState`: discover, read, validate, apply the rules."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from reconciler.cxone_admin.bodies import DncGroupBody
from reconciler.desired.desired_state import (
    CampaignDoc,
    DesiredState,
    DncGroupDoc,
    SettingsDoc,
    SkillDoc,
    TenantDoc,
    WebhookDoc,
)
from reconciler.desired.diagnostics import (
    Diagnostic,
    Location,
    SpecInvalid,
    errors_of,
    sort_diagnostics,
    warnings_of,
)
from reconciler.desired.documents import ParsedDocument, parse_document
from reconciler.desired.guards import guardrails_of
from reconciler.desired.models import (
    CampaignDocument,
    SettingsDocument,
    TenantDocument,
    WebhookDocument,
)
from reconciler.desired.rules import check_all
from reconciler.desired.skills import DncGroupDocument, OutboundSkillDocument, skill_body_of
from reconciler.desired.yaml_reader import discover, read_file

DEFAULT_MAX_FILE_BYTES = 1_048_576


def validate_spec_dir(
    spec_dir: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, now: datetime | None = None
) -> tuple[DesiredState | None, tuple[Diagnostic, ...]]:
    """Every problem in `spec_dir`, and the desired state when there is no error.

    `now` is when change windows are judged from (default: the current time)."""
    display = spec_dir.as_posix()
    if not spec_dir.is_dir():
        missing = Diagnostic.at(
            Location(display, 1, 1),
            "error",
            "no-spec-dir",
            f"spec directory {display} does not exist or is not a directory",
        )
        return None, (missing,)
    try:
        files = discover(spec_dir)
    except OSError as exc:
        unreadable = Diagnostic.at(
            Location(display, 1, 1),
            "error",
            "unreadable-file",
            f"cannot list {display}: {exc.strerror or type(exc).__name__}",
        )
        return None, (unreadable,)
    if not files:
        empty = Diagnostic.at(
            Location(display, 1, 1),
            "error",
            "no-spec-files",
            f"no *.yaml or *.yml files under {display}",
            "an environment needs at least its Tenant or its resources",
        )
        return None, (empty,)
    sink: list[Diagnostic] = []
    parsed: list[ParsedDocument] = []
    digest = hashlib.sha256()
    all_read = True  # every document was read and is of a known kind
    for spec_file in files:
        raw, documents, problems = read_file(spec_file, max_file_bytes)
        sink.extend(problems)
        all_read = all_read and not errors_of(problems)
        if raw is not None:
            _digest_file(digest, spec_file.relative, raw)
        if raw is not None and not problems and all(d.data is None for d in documents):
            sink.append(
                Diagnostic.at(
                    Location(spec_file.display, 1, 1),
                    "warning",
                    "empty-file",
                    "file holds no YAML document",
                )
            )
        for document in documents:
            result = parse_document(document, sink)
            if result is not None:
                # The model holds the values now; keep only the positions (memory: 10,000
                # campaign files would otherwise hold every plain-data tree until the end).
                parsed.append(replace(result, yaml=replace(result.yaml, data=None)))
            elif document.data is not None:
                all_read = False
    check_all(parsed, sink, display, all_read=all_read, now=now)
    diagnostics = sort_diagnostics(sink)
    if errors_of(diagnostics):
        return None, diagnostics
    state = _build_state(spec_dir, parsed, warnings_of(diagnostics), f"sha256:{digest.hexdigest()}")
    return state, diagnostics


def load_desired_state(
    spec_dir: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> DesiredState:
    """The validated desired state; raises `SpecInvalid` listing every problem otherwise."""
    state, diagnostics = validate_spec_dir(spec_dir, max_file_bytes=max_file_bytes)
    if state is None:
        raise SpecInvalid(spec_dir.as_posix(), diagnostics)
    return state


def _digest_file(digest: hashlib._Hash, relative: str, raw: bytes) -> None:
    # Length-prefixed so that no two different trees hash the same byte stream.
    name = relative.encode("utf-8")
    digest.update(len(name).to_bytes(8, "big") + name)
    digest.update(len(raw).to_bytes(8, "big") + raw)


def _build_state(
    spec_dir: Path, parsed: Sequence[ParsedDocument], warnings: tuple[Diagnostic, ...], digest: str
) -> DesiredState:
    tenant: TenantDoc | None = None
    settings: SettingsDoc | None = None
    campaigns: list[CampaignDoc] = []
    webhooks: list[WebhookDoc] = []
    skills: list[SkillDoc] = []
    groups: list[DncGroupDoc] = []
    for doc in parsed:
        model, source, meta = doc.model, doc.yaml.start, doc.model.metadata
        if isinstance(model, TenantDocument):
            tenant = TenantDoc(meta.name, dict(meta.labels), model.spec, source)
        elif isinstance(model, SettingsDocument):
            settings = SettingsDoc(meta.name, dict(meta.labels), model.spec, source)
        elif isinstance(model, CampaignDocument):
            campaigns.append(
                CampaignDoc(
                    meta.name, dict(meta.labels), model.spec, model.simulation, model.verify, source
                )
            )
        elif isinstance(model, WebhookDocument):
            webhooks.append(_webhook_doc(model, source))
        elif isinstance(model, OutboundSkillDocument):
            skills.append(
                SkillDoc(
                    meta.name,
                    dict(meta.labels),
                    skill_body_of(model.spec),
                    model.staffing,
                    model.simulation,
                    model.verify,
                    source,
                )
            )
        elif isinstance(model, DncGroupDocument):
            body = DncGroupBody(**model.spec.model_dump(exclude_unset=True))
            groups.append(DncGroupDoc(meta.name, dict(meta.labels), body, source))
    return DesiredState(
        environment=spec_dir.resolve().name,
        spec_dir=spec_dir,
        tenant=tenant,
        settings=settings,
        campaigns=tuple(sorted(campaigns, key=lambda c: c.name)),
        webhooks=tuple(sorted(webhooks, key=lambda w: w.name)),
        warnings=warnings,
        digest=digest,
        guardrails=guardrails_of(parsed),
        skills=tuple(sorted(skills, key=lambda k: k.name)),
        dnc_groups=tuple(sorted(groups, key=lambda g: g.name)),
    )


def _webhook_doc(model: WebhookDocument, source: Location) -> WebhookDoc:
    from reconciler.dialer_v1.bodies import WebhookAuth, WebhookBody

    spec = model.spec
    body = WebhookBody(
        name=spec.name,
        url=spec.url,
        events=list(spec.events),
        auth=WebhookAuth(type="bearer"),
        retryPolicy=spec.retryPolicy,
    )
    meta = model.metadata
    return WebhookDoc(meta.name, dict(meta.labels), body, spec.auth.token_from.env, source)
