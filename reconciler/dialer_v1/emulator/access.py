"""Who may call (OAuth tokens and scopes, contract §1) and how often (rate limits, §2)."""

from __future__ import annotations

import hmac
import math
import secrets
import threading
from dataclasses import dataclass

from reconciler.dialer_v1.emulator.clock import EmulatorClock
from reconciler.dialer_v1.emulator.config import EmulatorConfig


@dataclass
class IssuedToken:
    """A bearer token: when it expires, what it may do, who holds it."""

    expires_at: float
    scopes: frozenset[str]
    client_id: str
    revoked: bool = False


class TokenError(Exception):
    """An OAuth failure: `code` is the contract's error code, `status` the HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class TokenStore:
    """Issues and checks bearer tokens."""

    def __init__(self, config: EmulatorConfig, clock: EmulatorClock) -> None:
        self._config = config
        self._clock = clock
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        grant_type: str | None,
        client_id: str | None,
        client_secret: str | None,
        scope: str | None,
    ) -> tuple[str, IssuedToken]:
        """A new token for valid client credentials, or TokenError."""
        if grant_type != "client_credentials":
            raise TokenError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if not client_id or not client_secret:
            raise TokenError(401, "invalid_client", "client_id and client_secret are required")
        expected_id, expected_secret = self._config.client_id, self._config.client_secret
        if expected_id is not None and expected_secret is not None:
            # Constant-time comparison, as a real token endpoint would do.
            same_id = hmac.compare_digest(client_id.encode(), expected_id.encode())
            same_secret = hmac.compare_digest(client_secret.encode(), expected_secret.encode())
            if not (same_id and same_secret):
                raise TokenError(401, "invalid_client", "unknown client or wrong secret")
        granted = frozenset(self._config.scopes)
        if scope:
            asked = frozenset(scope.split())
            if not asked <= granted:
                missing = " ".join(sorted(asked - granted))
                raise TokenError(
                    400, "invalid_scope", f"scopes not granted to this client: {missing}"
                )
            granted = asked
        token = secrets.token_urlsafe(32)
        issued = IssuedToken(self._clock.now() + self._config.token_ttl_seconds, granted, client_id)
        with self._lock:
            self._tokens[token] = issued
        return token, issued

    def check(self, token: str) -> IssuedToken | None:
        """The token's grant, or None when it is unknown, expired or revoked."""
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None or issued.revoked or self._clock.now() >= issued.expires_at:
            return None
        return issued

    def expire_all(self) -> None:
        """Revoke every token issued so far."""
        with self._lock:
            for issued in self._tokens.values():
                issued.revoked = True


@dataclass(frozen=True)
class RateDecision:
    """The answer of the limiter for one request, and the headers to send."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


class RateLimiter:
    """Fixed one-minute windows aligned to the clock, one counter for writes, one for reads."""

    def __init__(self, config: EmulatorConfig, clock: EmulatorClock) -> None:
        self._limits = {
            "write": config.write_limit_per_minute,
            "read": config.read_limit_per_minute,
        }
        self._clock = clock
        self._window: dict[str, int] = {"write": -1, "read": -1}
        self._used: dict[str, int] = {"write": 0, "read": 0}
        self._lock = threading.Lock()

    def take(self, bucket: str) -> RateDecision:
        """Count one request in `bucket` ('write' or 'read') unless the window is full."""
        now = self._clock.now()
        window = int(now // 60)
        reset = max(1, math.ceil((window + 1) * 60 - now))
        limit = self._limits[bucket]
        with self._lock:
            if self._window[bucket] != window:
                self._window[bucket] = window
                self._used[bucket] = 0
            if self._used[bucket] >= limit:
                return RateDecision(False, limit, 0, reset)
            self._used[bucket] += 1
            return RateDecision(True, limit, limit - self._used[bucket], reset)
