"""The issuer: `POST /auth/token` (password grant with the app's Basic credentials) and
`GET /.well-known/cxone-configuration`, as the public clients use them.

Tokens are JWT-shaped (`header.payload.signature`, base64url): the payload carries
`tenantId` (and `icBUId`, `icClusterId`, `area`, `exp`), which is how a client learns its
tenant before discovery. They are signed with a key the emulator draws at start-up and
checked on every API call; `expire_all` refuses every token issued so far.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.cxone_admin.emulator.config import AdminEmulatorConfig
from reconciler.dialer_v1.emulator.clock import EmulatorClock

AREA = "na1"
CLUSTER = "C32"


@dataclass(frozen=True)
class TokenRefused(Exception):
    """An OAuth failure: HTTP status and the RFC 6749 error code."""

    status: int
    code: str
    description: str

    def response(self) -> Response:
        """The answer the issuer sends."""
        body = {"error": self.code, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers={"Cache-Control": "no-store"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _same(given: str, expected: str | None) -> bool:
    # Constant-time, as a real issuer compares secrets; None: anything non-empty is accepted.
    return expected is None or hmac.compare_digest(given.encode(), expected.encode())


class Issuer:
    """Issues and checks tokens for the configured access key and app."""

    def __init__(self, config: AdminEmulatorConfig, clock: EmulatorClock) -> None:
        self._config = config
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._revoked_before = 0  # tokens with a serial below this are refused
        self._serial = 0
        self.issued = 0

    def claims(self) -> dict[str, Any]:
        """What every token says about the tenant."""
        return {
            "iss": "https://cxone.niceincontact.com",
            "tenantId": self._config.tenant_id,
            "icBUId": 4600123,
            "icClusterId": CLUSTER,
            "area": AREA,
        }

    def issue(self, form: dict[str, str], authorization: str) -> dict[str, Any]:
        """The token answer for a valid request, or TokenRefused."""
        client_id, client_secret = _basic(authorization)
        if not client_id or not client_secret:
            raise TokenRefused(401, "invalid_client", "client authentication failed")
        if not (
            _same(client_id, self._config.client_id)
            and _same(client_secret, self._config.client_secret)
        ):
            raise TokenRefused(401, "invalid_client", "client authentication failed")
        if form.get("grant_type") != "password":
            raise TokenRefused(400, "unsupported_grant_type", "grant_type must be password")
        username, password = form.get("username", ""), form.get("password", "")
        if not username or not password:
            raise TokenRefused(400, "invalid_request", "username and password are required")
        if not (
            _same(username, self._config.access_key_id)
            and _same(password, self._config.access_key_secret)
        ):
            raise TokenRefused(401, "invalid_grant", "invalid access key")
        now = self._clock.now()
        ttl = self._config.token_ttl_seconds
        with self._lock:
            self._serial += 1
            self.issued += 1
            serial = self._serial
        payload = {
            **self.claims(),
            "sub": f"user:{username}",
            "iat": int(now),
            "exp": now + ttl,
            "jti": serial,
        }
        return {
            "access_token": self._sign(payload),
            "token_type": "Bearer",
            "expires_in": ttl,
            "refresh_token": secrets.token_urlsafe(24),
            "id_token": self._sign({**payload, "name": username}),
        }

    def _sign(self, payload: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        signature = hmac.new(self._key, f"{header}.{body}".encode(), hashlib.sha256).digest()
        return f"{header}.{body}.{_b64(signature)}"

    def check(self, token: str) -> bool:
        """Whether `token` is one of ours, unexpired and not revoked."""
        parts = token.split(".")
        if len(parts) != 3:
            return False
        expected = hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_unb64(parts[2]), expected):
                return False
            payload = json.loads(_unb64(parts[1]))
        except (ValueError, binascii.Error):
            return False
        with self._lock:
            revoked_before = self._revoked_before
        serial, expires = payload.get("jti"), payload.get("exp")
        if not isinstance(serial, int) or not isinstance(expires, (int, float)):
            return False
        return serial >= revoked_before and self._clock.now() < expires

    def expire_all(self) -> None:
        """Refuse every token issued so far (new ones work)."""
        with self._lock:
            self._revoked_before = self._serial + 1


def _basic(header: str) -> tuple[str, str]:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        pair = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return "", ""
    client_id, _, secret = pair.partition(":")
    return client_id, secret


async def token_endpoint(issuer: Issuer, request: Request) -> Response:
    """POST /auth/token."""
    raw = await request.body()
    try:
        form = dict(parse_qsl(raw.decode("utf-8")))
    except UnicodeDecodeError:
        form = {}
    try:
        answer = issuer.issue(form, request.headers.get("authorization", ""))
    except TokenRefused as refused:
        return refused.response()
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


def discovery(config: AdminEmulatorConfig, request: Request) -> Response:
    """GET /.well-known/cxone-configuration?tenantId=: where this tenant's API lives."""
    tenant = request.query_params.get("tenantId")
    if not tenant:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "tenantId is required"}, 400
        )
    if tenant != config.tenant_id:
        return JSONResponse({"error": "not_found", "error_description": "unknown tenant"}, 404)
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return JSONResponse(
        {
            "private_server": False,
            "area": AREA,
            "cluster": CLUSTER,
            "tenantId": tenant,
            "api_endpoint": origin,
            "auth_endpoint": origin,
            "ui_endpoint": origin,
        }
    )
