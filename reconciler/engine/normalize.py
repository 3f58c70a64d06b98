"""Normalizers: turn a desired or live body into the JSON the diff compares.

Small objects registered per kind instead of `if` branches in the diff
(gitops-engine's `Normalizer`). Both sides go through the same pydantic model first, so
defaults are explicit on both sides and numbers are compared by value (4 == 4.0).
"""

from __future__ import annotations

import copy
import fnmatch
import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from reconciler import registry

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class IgnoreRule:
    """Fields a team leaves unmanaged (Argo CD ignoreDifferences / Terraform ignore_changes)."""

    kind: str
    paths: tuple[str, ...]
    name: str | None = None  # fnmatch glob; None matches every resource of the kind

    def matches(self, kind: str, name: str) -> bool:
        return kind == self.kind and (self.name is None or fnmatch.fnmatchcase(name, self.name))


def _set_order(item: Any) -> Any:
    # Items of a set-like list are strings here; objects (a block list) sort by their JSON.
    return item if isinstance(item, str) else json.dumps(item, sort_keys=True)


def _pop_path(data: JsonDict, dotted: str) -> None:
    *parents, leaf = dotted.split(".")
    node: Any = data
    for part in parents:
        if not isinstance(node, dict) or part not in node:
            return
        node = node[part]
    if isinstance(node, dict):
        node.pop(leaf, None)


def _get_path(data: JsonDict, dotted: str) -> tuple[bool, Any]:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _set_path(data: JsonDict, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


@dataclass(frozen=True)
class Normalizer:
    """Per-kind normalisation for comparison, with the user's ignore rules."""

    ignore_rules: tuple[IgnoreRule, ...] = ()
    # With pruning on, set-like parts a spec lists (a skill's DNC groups) are compared whole.
    prune: bool = False

    def ignored_paths(self, kind: str, name: str) -> tuple[str, ...]:
        paths: list[str] = []
        for rule in self.ignore_rules:
            if rule.matches(kind, name):
                paths.extend(rule.paths)
        return tuple(sorted(set(paths)))

    def comparable(self, kind: str, name: str, body: BaseModel) -> JsonDict:
        """The JSON compared by the diff: no secrets (write-only: never read back), the
        kind's set-like lists sorted, ignored fields removed."""
        descriptor = registry.kind(kind)
        data = descriptor.to_json(body)
        for path in self.ignored_paths(kind, name):
            _pop_path(data, path)
        for key in descriptor.unordered_lists:
            if isinstance(data.get(key), list):
                data[key] = sorted(data[key], key=_set_order)
        return data

    def compare(
        self,
        kind: str,
        name: str,
        live: BaseModel | None,
        desired: BaseModel | None,
        *,
        exact: bool = False,
    ) -> tuple[JsonDict | None, JsonDict | None]:
        """(live, desired) as the diff compares them. Where the kind manages only the fields
        a spec writes, the live side is cut down to those (`exact`: set-like parts whole)."""
        have = self.comparable(kind, name, live) if live is not None else None
        want = self.comparable(kind, name, desired) if desired is not None else None
        project = registry.kind(kind).project
        if project is not None and have is not None and want is not None:
            have = project(have, want, exact)
        return have, want

    def merge_ignored(self, kind: str, name: str, desired: JsonDict, live: JsonDict) -> JsonDict:
        """The body to send on update: desired, but live values for ignored fields."""
        merged = copy.deepcopy(desired)
        for path in self.ignored_paths(kind, name):
            found, value = _get_path(live, path)
            if found:
                _set_path(merged, path, copy.deepcopy(value))
            else:
                _pop_path(merged, path)
        return merged
