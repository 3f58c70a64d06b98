"""Export: the live tenant as spec files (bootstrap a repo from an existing tenant).

A pure function from LiveState to {relative path: text}. Output is deterministic (fixed key
order, sorted resources, no timestamps), so exporting the same tenant twice gives
byte-identical files, and every body carries its defaults explicitly, so `plan` on the
export shows no changes. Write-only webhook tokens cannot be read: each becomes a
`token_from: {env: ...}` reference the user must set.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import yaml
from pydantic import BaseModel

from reconciler import registry
from reconciler.kinds import KindDescriptor, LiveState, SecretField

API_VERSION = "dialer.cxone/v1"
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")


class _Dumper(yaml.SafeDumper):
    """Block style, but short flat lists and small leaf mappings inline."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(v, (dict, list)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def _short_hash(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:8]


def file_stem(name: str) -> str:
    """A file name for a resource name; unsafe names get a slug plus a short hash."""
    if _SAFE.match(name):
        return name.lower().replace("_", "-")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:60] or "resource"
    return f"{slug}-{_short_hash(name)}"


def file_stems(names: list[str]) -> dict[str, str]:
    """A distinct file stem per name: names that would share one (`Sales_East`, `sales-east`)
    all get the short hash of their exact name, so no file overwrites another."""
    stems = {name: file_stem(name) for name in names}
    seen: dict[str, int] = {}
    for stem in stems.values():
        seen[stem] = seen.get(stem, 0) + 1
    return {
        name: f"{stem}-{_short_hash(name)}" if seen[stem] > 1 else stem
        for name, stem in stems.items()
    }


def secret_env_for(secret: SecretField, name: str) -> str:
    """The environment variable an exported resource's secret is read from
    (`WEBHOOK_<NAME>_TOKEN` for a webhook's token)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()
    return f"{secret.owner.upper()}_{slug}_{secret.noun.upper()}"


def secret_envs(secret: SecretField, names: list[str]) -> dict[str, str]:
    """A distinct secret variable per resource (colliding names get the short hash)."""
    plain = {name: secret_env_for(secret, name) for name in names}
    counts: dict[str, int] = {}
    for var in plain.values():
        counts[var] = counts.get(var, 0) + 1
    suffix = f"_{secret.noun.upper()}"
    return {
        name: var.removesuffix(suffix) + f"_{_short_hash(name).upper()}{suffix}"
        if counts[var] > 1
        else var
        for name, var in plain.items()
    }


def _document(
    kind: str, name: str, spec: dict[str, Any], schema: str, depth: int, comment: str = ""
) -> str:
    doc = {"apiVersion": API_VERSION, "kind": kind, "metadata": {"name": name}, "spec": spec}
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    prefix = "../" * depth
    return f"# yaml-language-server: $schema={prefix}schemas/{schema}.schema.json\n{comment}{body}"


CARRIER_COMMENT = (
    "# Exported from the live tenant. Add `carrier: {max_trunks: N, "
    "current_utilization_percent: P}`\n# under spec: so the capacity rules can run.\n"
)


def spec_of(kind: KindDescriptor[Any], body: BaseModel) -> tuple[dict[str, Any], list[str]]:
    """A live body as a document's `spec`, and what a spec could not hold of it."""
    if kind.export.spec is not None:
        return kind.export.spec(body)
    data = kind.to_json(body)
    data.pop("name", None)
    return data, []


def export_files(
    live: LiveState,
    *,
    environment: str,
    tenant_spec: dict[str, Any],
    comment: str = CARRIER_COMMENT,
) -> dict[str, str]:
    """Every spec file of the export, by path relative to the output directory."""
    files = {"tenant.yaml": _document("Tenant", environment, tenant_spec, "tenant", 2, comment)}
    for kind_name in live.kinds:
        kind = registry.kind(kind_name)
        resources = live.of_kind(kind_name)
        names = [r.name for r in resources]
        stems = file_stems(names)
        secrets = secret_envs(kind.secret, names) if kind.secret is not None else {}
        layout = kind.export
        for r in resources:
            body, _ = spec_of(kind, r.body)
            if kind.secret is not None:
                _refer_to_env(body, kind.secret, secrets[r.name])
            if layout.file is not None:
                path, depth = f"{layout.file}.yaml", 2
            else:
                path, depth = f"{layout.directory}/{stems[r.name]}.yaml", 3
            files[path] = _document(kind_name, r.name, body, layout.schema, depth)
    return files


def left_out(live: LiveState) -> list[str]:
    """What the export could not write of each resource (`Kind.name: field (why)`)."""
    out = []
    for kind_name in live.kinds:
        kind = registry.kind(kind_name)
        for r in live.of_kind(kind_name):
            out += [f"{r.address}: {note}" for note in spec_of(kind, r.body)[1]]
    return out


def exported_secret_envs(live: LiveState) -> list[str]:
    """Every variable the export's secret references name (the user must set them)."""
    out: list[str] = []
    for kind_name in live.kinds:
        secret = registry.kind(kind_name).secret
        if secret is not None:
            out += secret_envs(secret, [r.name for r in live.of_kind(kind_name)]).values()
    return sorted(out)


def _refer_to_env(body: dict[str, Any], secret: SecretField, variable: str) -> None:
    """`auth: {type: bearer}` -> `auth: {type: bearer, token_from: {env: VARIABLE}}`."""
    node = body
    for part in secret.path[:-1]:
        node = node.setdefault(part, {})
    node[f"{secret.path[-1]}_from"] = {"env": variable}
