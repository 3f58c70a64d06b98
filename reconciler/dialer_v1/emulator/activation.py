"""What a finished activation does to a resource body, including partial application."""

from __future__ import annotations

from typing import Any

from reconciler.dialer_v1.emulator.bodies import InvalidBody, changed_paths, with_leaf

JsonDict = dict[str, Any]


def partially_applied(
    before: JsonDict, after: JsonDict, validate: Any
) -> tuple[JsonDict, list[str]]:
    """`before` with about half of the changed leaves of `after` applied (at least one).

    Leaves are tried in sorted path order and one is kept only if the body stays valid
    (e.g. a type change without its dial_ratio change would be refused by the models),
    so the resource is always a valid body a client can read back.
    """
    paths = changed_paths(before, after)
    wanted = max(1, len(paths) // 2) if paths else 0
    body = before
    landed: list[str] = []
    for path in paths:
        if len(landed) >= wanted:
            break
        candidate = with_leaf(body, path, after)
        try:
            body = validate(candidate)
        except InvalidBody:
            continue
        landed.append(".".join(path))
    return body, landed
