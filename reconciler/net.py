"""Where credentials may travel: https anywhere, plain http only to this machine.

The one home of the loopback rule, used by the spec (Tenant and webhook URLs), the API
clients (base URLs), the emulator command (where it listens) and the emulator's webhook
deliveries (where it POSTs).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from reconciler.errors import ConfigError

LOOPBACK_HINT = "use https://, or http:// only to 127.0.0.1, ::1 or localhost (the emulator)"


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost."""
    host = host.lower().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether `url` points at this machine."""
    return is_loopback_host(urlsplit(url).hostname or "")


def clear_text_to_network(url: str) -> bool:
    """Whether `url` is plain http:// to another machine (secrets would cross in clear)."""
    parts = urlsplit(url)
    return parts.scheme == "http" and not is_loopback_host(parts.hostname or "")


def checked_base_url(base_url: str, *, what: str = "the API base URL") -> str:
    """`base_url` without a trailing slash; ConfigError unless https://, or http:// to
    loopback."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what} {base_url!r} is not an https:// URL")
    if clear_text_to_network(base_url):
        raise ConfigError(
            f"refusing plain http:// to {parts.hostname}: credentials would cross the "
            "network in clear",
            hint=LOOPBACK_HINT,
        )
    return base_url.rstrip("/")
