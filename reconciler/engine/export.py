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

from reconciler.dialer_v1.bodies import body_to_json
from reconciler.engine.observe import LiveState

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


def token_env_for(webhook_name: str) -> str:
    """The environment variable an exported webhook's token is read from."""
    return "WEBHOOK_" + re.sub(r"[^A-Za-z0-9]+", "_", webhook_name).strip("_").upper() + "_TOKEN"


def token_envs(names: list[str]) -> dict[str, str]:
    """A distinct token variable per webhook (colliding names get the short hash)."""
    plain = {name: token_env_for(name) for name in names}
    counts: dict[str, int] = {}
    for var in plain.values():
        counts[var] = counts.get(var, 0) + 1
    return {
        name: var.removesuffix("_TOKEN") + f"_{_short_hash(name).upper()}_TOKEN"
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


def export_files(live: LiveState, *, environment: str, base_url: str) -> dict[str, str]:
    """Every spec file of the export, by path relative to the output directory."""
    files: dict[str, str] = {}
    tenant_spec = {
        "base_url": base_url,
        "credentials": {
            "client_id_env": "CXONE_CLIENT_ID",
            "client_secret_env": "CXONE_CLIENT_SECRET",
        },
        "compliance": {"jurisdiction": "US"},
        "prune": False,
    }
    files["tenant.yaml"] = _document(
        "Tenant",
        environment,
        tenant_spec,
        "tenant",
        2,
        "# Exported from the live tenant. Add `carrier: {max_trunks: N, "
        "current_utilization_percent: P}`\n# under spec: so the capacity rules can run.\n",
    )
    settings = body_to_json(live.settings.body)
    settings_name = settings.pop("name")
    files["dialer-settings.yaml"] = _document(
        "DialerSettings", settings_name, settings, "dialer-settings", 2
    )
    campaign_stems = file_stems(sorted(live.campaigns))
    for name in sorted(live.campaigns):
        body = body_to_json(live.campaigns[name].body)
        del body["name"]
        files[f"campaigns/{campaign_stems[name]}.yaml"] = _document(
            "Campaign", name, body, "campaign", 3
        )
    webhook_stems = file_stems(sorted(live.webhooks))
    tokens = token_envs(sorted(live.webhooks))
    for name in sorted(live.webhooks):
        body = body_to_json(live.webhooks[name].body)
        del body["name"]
        body["auth"] = {"type": body["auth"]["type"], "token_from": {"env": tokens[name]}}
        files[f"webhooks/{webhook_stems[name]}.yaml"] = _document(
            "Webhook", name, body, "webhook", 3
        )
    return files
