"""The emulator's knobs, fixed when it is built."""

from __future__ import annotations

from dataclasses import dataclass

ALL_SCOPES: tuple[str, ...] = (
    "dialer:read",
    "dialer:write",
    "campaigns:read",
    "campaigns:write",
    "analytics:read",
    "audit:read",
    "webhooks:read",
    "webhooks:write",
)


@dataclass(frozen=True)
class EmulatorConfig:
    """How the emulated tenant behaves; credentials None means any credentials work."""

    operation_seconds: float = 0.2
    write_limit_per_minute: int = 100
    read_limit_per_minute: int = 1000
    token_ttl_seconds: int = 3600
    client_id: str | None = None
    client_secret: str | None = None
    scopes: tuple[str, ...] = ALL_SCOPES
    deliver_http: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if (self.client_id is None) != (self.client_secret is None):
            raise ValueError("give both client_id and client_secret, or neither")
        if self.operation_seconds < 0:
            raise ValueError("operation_seconds must be >= 0")
        if self.write_limit_per_minute < 1 or self.read_limit_per_minute < 1:
            raise ValueError("rate limits must be >= 1 per minute")
        unknown = set(self.scopes) - set(ALL_SCOPES)
        if unknown:
            raise ValueError(f"unknown scopes: {sorted(unknown)}")

    def __repr__(self) -> str:
        # The secret never appears in a repr (logs, test failure output).
        secret = "None" if self.client_secret is None else "'(sensitive)'"
        return (
            f"EmulatorConfig(operation_seconds={self.operation_seconds}, "
            f"write_limit_per_minute={self.write_limit_per_minute}, "
            f"read_limit_per_minute={self.read_limit_per_minute}, "
            f"token_ttl_seconds={self.token_ttl_seconds}, client_id={self.client_id!r}, "
            f"client_secret={secret}, scopes={self.scopes!r}, "
            f"deliver_http={self.deliver_http}, seed={self.seed})"
        )
