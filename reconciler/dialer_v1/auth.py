"""OAuth 2.0 client credentials (contract §1): where they may go, the token cache, the header.

Credentials and tokens only travel over https://, or plain http:// to a loopback address
(the emulator on this machine): `checked_base_url` refuses anything else.

The client secret lives in a `SecretStr` and is revealed in exactly one place, the
form built by `OAuthCredentials.token_form` for POST /oauth/token. The access token
lives in `TokenProvider` and reaches the wire only through `BearerAuth`, an `httpx.Auth`
that sets `Authorization` per request; httpx masks that header in reprs and logs no
header values, and nothing here logs the token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from reconciler.dialer_v1 import errors

log = logging.getLogger("reconciler.dialer_v1")

TOKEN_PATH = "/oauth/token"


class OAuthCredentials:
    """A client id and secret; the secret never shows in repr or str."""

    __slots__ = ("_secret", "client_id")

    def __init__(self, client_id: str, client_secret: SecretStr) -> None:
        self.client_id = client_id
        self._secret = client_secret

    def token_form(self) -> dict[str, str]:
        """The form-encoded body of the token request (RFC 6749 §4.4)."""
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret.get_secret_value(),
        }

    def __repr__(self) -> str:
        return f"OAuthCredentials(client_id={self.client_id!r}, client_secret='**********')"


@dataclass(frozen=True, repr=False)
class TokenGrant:
    """An access token and how long the server says it lives."""

    access_token: str
    expires_in: float
    scope: str = ""

    def __repr__(self) -> str:
        return f"TokenGrant(access_token='**********', expires_in={self.expires_in})"


def parse_token_answer(data: dict[str, Any]) -> TokenGrant:
    """The JSON of a 200 from /oauth/token -> TokenGrant."""
    token = data.get("access_token")
    expires = data.get("expires_in")
    if not isinstance(token, str) or not token:
        raise errors.ProtocolError("the token answer has no access_token", path=TOKEN_PATH)
    if not isinstance(expires, (int, float)) or isinstance(expires, bool) or expires <= 0:
        raise errors.ProtocolError("the token answer has no positive expires_in", path=TOKEN_PATH)
    scope = data.get("scope")
    return TokenGrant(token, float(expires), scope if isinstance(scope, str) else "")


class TokenProvider:
    """Caches one access token until `expires_in` minus the safety margin.

    Concurrent callers share one fetch (a lock), so fifty parallel reads after an expiry
    cost one token request, not fifty.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[TokenGrant]],
        *,
        clock: Callable[[], float],
        safety_margin_seconds: float,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._margin = safety_margin_seconds
        self._token: str | None = None
        self._valid_until = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        """A token believed valid, fetching a new one when the cached one is (nearly) stale."""
        if self._token is not None and self._clock() < self._valid_until:
            return self._token
        async with self._lock:
            if self._token is not None and self._clock() < self._valid_until:
                return self._token
            grant = await self._fetch()
            # A token shorter-lived than twice the margin would otherwise never be reused:
            # keep at least half of its life.
            margin = min(self._margin, grant.expires_in / 2)
            self._token = grant.access_token
            self._valid_until = self._clock() + grant.expires_in - margin
            log.debug("fetched an access token valid for %.0f s", grant.expires_in)
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget `token` after the API refused it (unless a newer one replaced it)."""
        if self._token == token:
            self._token = None
            self._valid_until = 0.0

    def __repr__(self) -> str:
        return "TokenProvider()"


class BearerAuth(httpx.Auth):
    """Sets `Authorization: Bearer <token>` on one request."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the header and send the request once."""
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth('**********')"
