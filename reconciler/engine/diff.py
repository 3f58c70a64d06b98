"""Field-level differences between two normalised bodies, by dotted path.

deepdiff does the comparison (numbers by value, order significant: normalizers have
already sorted the lists whose order means nothing); this module only flattens its tree
view into `FieldChange`s sorted by path, so output is stable.
"""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff

from reconciler.engine.plan import FieldChange

_MISSING = object()


def _dotted(path: list[Any]) -> str:
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def _leaves(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        out: list[tuple[str, Any]] = []
        for key in sorted(value):
            out.extend(_leaves(f"{prefix}.{key}" if prefix else str(key), value[key]))
        return out
    return [(prefix, value)]


def diff_bodies(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[FieldChange, ...]:
    """Every leaf that differs; `before=None` is a create, `after=None` a delete."""
    if before is None or after is None:
        side = after if before is None else before
        assert side is not None
        return tuple(
            FieldChange(path, None if before is None else v, v if before is None else None)
            for path, v in _leaves("", side)
        )
    if before == after:  # the common case on a large tenant; == compares 4 and 4.0 equal
        return ()
    tree = DeepDiff(
        before,
        after,
        ignore_order=False,
        ignore_numeric_type_changes=True,
        verbose_level=2,
        view="tree",
    )
    changes: dict[str, FieldChange] = {}
    for report_type in tree:
        for level in tree[report_type]:
            path = _dotted(level.path(output_format="list"))
            old = level.t1 if level.t1 is not _MISSING else None
            new = level.t2 if level.t2 is not _MISSING else None
            if report_type in ("dictionary_item_added", "iterable_item_added"):
                old = None
            if report_type in ("dictionary_item_removed", "iterable_item_removed"):
                new = None
            if "[" in path:
                # A list is shown whole (dnc_lists, events, a skill's zones): index-level noise
                # helps no reviewer, and items of a set-like list have no stable index.
                path = path.split("[", 1)[0]
                changes[path] = FieldChange(path, _lookup(before, path), _lookup(after, path))
                continue
            if isinstance(old, dict) or isinstance(new, dict):
                for sub, value in _leaves(path, new if isinstance(new, dict) else old):
                    pair = (None, value) if isinstance(new, dict) else (value, None)
                    changes[sub] = FieldChange(sub, *pair)
                continue
            changes[path] = FieldChange(path, old, new)
    return tuple(changes[p] for p in sorted(changes))


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node
