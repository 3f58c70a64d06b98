"""What counts as a secret-named field: one rule for everything the tool writes to disk.

Snapshots refuse a body holding such a field (a bug upstream would otherwise store a
secret); the audit log replaces its value with "(redacted)". Keys are compared after
lowercasing and dropping '_' and '-': "webhook_token", "clientSecret", "ACCESS-TOKEN" and
"Authorization" are secrets; "token_resent" is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_SECRET_SUFFIXES = ("token", "secret", "password", "passwd")
_SECRET_NAMES = frozenset({"authorization", "apikey", "credentials"})


def is_secret_key(key: str) -> bool:
    """True if a field named `key` holds a secret."""
    normal = key.lower().replace("_", "").replace("-", "")
    return normal in _SECRET_NAMES or normal.endswith(_SECRET_SUFFIXES)


def find_secret_key(value: Any, path: str = "") -> str | None:
    """The path of the first secret-named key in `value`, at any depth, or None."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            here = f"{path}.{key}" if path else str(key)
            if is_secret_key(str(key)):
                return here
            found = find_secret_key(inner, here)
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            found = find_secret_key(inner, f"{path}[{index}]")
            if found:
                return found
    return None
