"""OAuth2 tokens for NinjaOne: two grants, cached, refreshed before they expire.

Script runs need a token with user context, which only the authorization-code grant
(kept alive through its refresh token) gives; client-credentials tokens are enough for
reads and carry no technician's authority, so reads use those.
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
import attrs

from claw_domain.errors import ConfigurationError, TransientEffectError
from claw_domain.ports import Clock

TOKEN_PATH = "/ws/oauth/token"  # noqa: S105 -- a URL path, not a secret


class TokenKind(enum.StrEnum):
    """Which grant a token came from, and so what it may do."""

    USER = "refresh_token"
    """Authorization-code grant refreshed: has user context, may run scripts."""

    APP = "client_credentials"
    """Client credentials: reads only (NinjaOne refuses script runs without user context)."""


@attrs.frozen
class NinjaOneCredentials:
    """The NinjaOne API application's credentials.

    ``refresh_token`` comes from one interactive consent by a technician
    (authorization-code grant with ``offline_access``); without it claw can read device
    status but cannot run scripts.
    """

    client_id: str
    client_secret: str = attrs.field(repr=False)
    refresh_token: str | None = attrs.field(default=None, repr=False)
    read_scope: str = "monitoring"


@attrs.frozen
class _Token:
    value: str = attrs.field(repr=False)
    expires_at: datetime


@attrs.define
class NinjaOneTokens:
    """Fetches and caches one token per grant.

    A lock serialises fetching because a rotating refresh token may only be spent once:
    two concurrent refreshes would leave one of them holding a dead token.
    """

    base_url: str
    credentials: NinjaOneCredentials
    clock: Clock
    refresh_margin: timedelta = timedelta(seconds=60)
    on_refresh_token_rotated: Callable[[str], None] | None = None
    _refresh_token: str | None = attrs.field(init=False, default=None, repr=False)
    _cache: dict[TokenKind, _Token] = attrs.field(init=False, factory=dict, repr=False)
    _lock: asyncio.Lock = attrs.field(init=False, factory=asyncio.Lock, repr=False)

    def __attrs_post_init__(self) -> None:
        self._refresh_token = self.credentials.refresh_token

    @property
    def has_user_context(self) -> bool:
        return self._refresh_token is not None

    @property
    def current_refresh_token(self) -> str | None:
        """The refresh token in use now: the configured one or its latest rotation."""
        return self._refresh_token

    def invalidate(self, kind: TokenKind) -> None:
        """Forget a token the API rejected, so the next call fetches a fresh one."""
        self._cache.pop(kind, None)

    async def token(self, session: aiohttp.ClientSession, kind: TokenKind) -> str:
        async with self._lock:
            cached = self._cache.get(kind)
            if cached is not None and self.clock.now() < cached.expires_at - self.refresh_margin:
                return cached.value
            fresh = await self._fetch(session, kind)
            self._cache[kind] = fresh
            return fresh.value

    async def _fetch(self, session: aiohttp.ClientSession, kind: TokenKind) -> _Token:
        form = {
            "grant_type": kind.value,
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
        }
        if kind is TokenKind.USER:
            if self._refresh_token is None:
                raise ConfigurationError(_NEEDS_CONSENT)
            form["refresh_token"] = self._refresh_token
        else:
            form["scope"] = self.credentials.read_scope
        requested_at = self.clock.now()
        try:
            async with session.post(self.base_url + TOKEN_PATH, data=form) as response:
                status = response.status
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Asking for a token changes nothing on the devices, so any failure here is
            # safe to retry later.
            raise TransientEffectError(
                f"NinjaOne token endpoint unreachable: {type(exc).__name__}: {exc}",
                code="token_unreachable",
            ) from exc
        body = _json_object(text)
        if status >= 500 or status == 429:
            raise TransientEffectError(
                f"NinjaOne token endpoint answered HTTP {status}", code=f"http_{status}"
            )
        if status >= 400:
            raise _token_refused(kind, status, body)
        if body is None or not isinstance(body.get("access_token"), str):
            raise TransientEffectError(
                "NinjaOne token endpoint answered without a readable access_token",
                code="malformed_response",
            )
        rotated = body.get("refresh_token")
        if kind is TokenKind.USER and isinstance(rotated, str) and rotated != self._refresh_token:
            # Some authorization servers rotate refresh tokens: the old one dies now, so
            # keep the new one and let the composition root persist it.
            self._refresh_token = rotated
            if self.on_refresh_token_rotated is not None:
                self.on_refresh_token_rotated(rotated)
        lifetime = body.get("expires_in")
        seconds = lifetime if isinstance(lifetime, int | float) and lifetime > 0 else 0
        return _Token(
            value=str(body["access_token"]),
            expires_at=requested_at + timedelta(seconds=seconds),
        )


_NEEDS_CONSENT = (
    "NinjaOne script runs need a token with user context: complete the authorization-code "
    "consent once and configure CLAW_NINJAONE_REFRESH_TOKEN"
)


def _token_refused(kind: TokenKind, status: int, body: dict[str, object] | None) -> Exception:
    error = str(body.get("error", "")) if body else ""
    detail = str(body.get("error_description", "")) if body else ""
    vendor = f" ({error}: {detail})" if error else f" (HTTP {status})"
    if error == "invalid_client":
        return ConfigurationError(
            f"NinjaOne rejected the client id or secret{vendor}: "
            "check CLAW_NINJAONE_CLIENT_ID and CLAW_NINJAONE_CLIENT_SECRET"
        )
    if kind is TokenKind.USER:
        return ConfigurationError(
            f"NinjaOne rejected the refresh token{vendor}: complete the authorization-code "
            "consent again and configure CLAW_NINJAONE_REFRESH_TOKEN"
        )
    return ConfigurationError(
        f"NinjaOne refused a client-credentials token{vendor}: check the API application's "
        "grant types and scopes"
    )


def _json_object(text: str) -> dict[str, object] | None:
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
