"""Credentials for a CXone tenant, the token request, the token's claims and discovery.

A token is minted with the OAuth password grant at `{issuer}/auth/token`: the access key
(id and secret) as username and password, the registered app's id and secret as HTTP
Basic. The token is a JWT whose claims name the tenant (`tenantId`); discovery
(`{issuer}/.well-known/cxone-configuration?tenantId=`) then names the API host. The
claims are read without checking the signature: the token came straight from the issuer
over TLS, and the tenant id only chooses where to ask next.

Both secrets live in `SecretStr`s and are revealed in exactly two places: the form of
the token request (`token_form`) and its Basic header (`basic_auth`). The access token
itself reaches the wire only through the shared `BearerAuth`. Nothing here logs them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from reconciler.dialer_v1 import errors
from reconciler.dialer_v1.auth import TokenGrant
from reconciler.net import checked_base_url

TOKEN_PATH = "/auth/token"
DISCOVERY_PATH = "/.well-known/cxone-configuration"


class AccessKeyCredentials:
    """An access key and the registered app's client credentials; secrets never shown."""

    __slots__ = ("_access_key_secret", "_client_secret", "access_key_id", "client_id")

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: SecretStr,
        client_id: str,
        client_secret: SecretStr,
    ) -> None:
        self.access_key_id = access_key_id
        self._access_key_secret = access_key_secret
        self.client_id = client_id
        self._client_secret = client_secret

    def token_form(self) -> dict[str, str]:
        """The form of the token request (password grant, RFC 6749 §4.3)."""
        return {
            "grant_type": "password",
            "username": self.access_key_id,
            "password": self._access_key_secret.get_secret_value(),
        }

    def basic_auth(self) -> httpx.Auth:
        """The app's id and secret as HTTP Basic (RFC 6749 §2.3.1)."""
        return _QuietBasicAuth(self.client_id, self._client_secret.get_secret_value())

    def __repr__(self) -> str:
        return (
            f"AccessKeyCredentials(access_key_id={self.access_key_id!r}, "
            f"access_key_secret='**********', client_id={self.client_id!r}, "
            "client_secret='**********')"
        )


class _QuietBasicAuth(httpx.BasicAuth):
    def __repr__(self) -> str:
        return "BasicAuth('**********')"


@dataclass(frozen=True, repr=False)
class MintedToken:
    """A token answer: the grant (token and lifetime) and the tenant its claims name."""

    grant: TokenGrant
    tenant_id: str | None

    def __repr__(self) -> str:
        return f"MintedToken(grant={self.grant!r}, tenant_id={self.tenant_id!r})"


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT-shaped token ({} when it is not one)."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return {}
    return payload if isinstance(payload, dict) else {}


def parse_token_answer(data: Mapping[str, Any]) -> MintedToken:
    """A 200 from /auth/token -> the grant and the tenant id (from either token's claims)."""
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise errors.ProtocolError("the token answer has no access_token", path=TOKEN_PATH)
    expires = data.get("expires_in")
    # Documented as a string in one spec and a number in the answers seen.
    if isinstance(expires, str):
        try:
            expires = float(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, (int, float)) or isinstance(expires, bool) or expires <= 0:
        raise errors.ProtocolError("the token answer has no positive expires_in", path=TOKEN_PATH)
    tenant = None
    for name in ("access_token", "id_token"):
        raw = data.get(name)
        claims = token_claims(raw) if isinstance(raw, str) else {}
        if isinstance(claims.get("tenantId"), str) and claims["tenantId"]:
            tenant = claims["tenantId"]
            break
    return MintedToken(TokenGrant(token, float(expires)), tenant)


def parse_discovery(data: Mapping[str, Any]) -> str:
    """The API host from a discovery answer, checked like any base URL."""
    endpoint = data.get("api_endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise errors.ProtocolError("the discovery answer has no api_endpoint", path=DISCOVERY_PATH)
    return checked_base_url(endpoint)
