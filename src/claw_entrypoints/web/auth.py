"""Who is asking: browser sessions, bearer tokens, CSRF, and role checks for the console.

A browser session is a signed cookie, not a server-side record: the user id,
the account's session epoch (bumped when a password changes or the account is
disabled, which ends every older session), an expiry and a random nonce, with
an HMAC over all of it. The CSRF token is an HMAC of the nonce, so a cookie
planted by another site cannot be paired with a token it chose (signed
double-submit); the browser sends it back in the ``X-CSRF-Token`` header.
Scripts use ``Authorization: Bearer`` tokens, which a browser never attaches
by itself, so they need no CSRF token.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
from aiohttp import web

from claw_domain.users import Role
from claw_entrypoints.web.queries import ConsoleQueries
from claw_service.accounts import Accounts, UserView

SESSION_COOKIE = "claw_session"
CSRF_COOKIE = "claw_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_SESSION_LIFETIME = timedelta(hours=12)
MIN_SECRET_BYTES = 32


class Via(enum.StrEnum):
    SESSION = "session"
    BEARER = "bearer"


@attrs.frozen
class SessionClaims:
    user_id: UUID
    epoch: int
    expires: int  # unix seconds
    nonce: str


@attrs.frozen
class Principal:
    """The authenticated caller: the user, and how they proved it."""

    user: UserView
    via: Via
    claims: SessionClaims | None = None

    @property
    def actor(self) -> str:
        return self.user.name

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN


def _sign(secret: bytes, text: str) -> str:
    digest = hmac.new(secret, text.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@attrs.frozen
class SessionCodec:
    secret: bytes = attrs.field(repr=False)
    lifetime: timedelta = DEFAULT_SESSION_LIFETIME

    def issue(self, user: UserView, now: datetime) -> tuple[str, SessionClaims]:
        claims = SessionClaims(
            user_id=user.id,
            epoch=user.session_epoch,
            expires=int((now + self.lifetime).timestamp()),
            nonce=secrets.token_urlsafe(18),
        )
        payload = f"{claims.user_id.hex}.{claims.epoch}.{claims.expires}.{claims.nonce}"
        return f"{payload}.{_sign(self.secret, 'session:' + payload)}", claims

    def read(self, cookie: str, now: datetime) -> SessionClaims | None:
        """The claims of a genuine, unexpired session cookie; None for anything else."""
        payload, _, signature = cookie.rpartition(".")
        try:
            expected = _sign(self.secret, "session:" + payload)
        except UnicodeEncodeError:
            return None
        if not payload or not hmac.compare_digest(signature, expected):
            return None
        try:
            user_hex, epoch, expires, nonce = payload.split(".")
            claims = SessionClaims(UUID(hex=user_hex), int(epoch), int(expires), nonce)
        except ValueError:
            return None
        return claims if claims.expires > now.timestamp() else None

    def csrf_token(self, claims: SessionClaims) -> str:
        return _sign(self.secret, "csrf:" + claims.nonce)


class LoginThrottle:
    """Slows password guessing: a name with too many recent failures is refused a while.

    In memory and per process on purpose: it is a brake, not a record, and a
    restart that clears it costs an attacker a restart.
    """

    def __init__(self, limit: int = 5, window_seconds: float = 900.0) -> None:
        self.limit = limit
        self.window = window_seconds
        self._failures: dict[str, list[float]] = {}

    def _recent(self, name: str) -> list[float]:
        cutoff = time.monotonic() - self.window
        recent = [moment for moment in self._failures.get(name, []) if moment > cutoff]
        self._failures[name] = recent
        return recent

    def blocked(self, name: str) -> bool:
        return len(self._recent(name)) >= self.limit

    def failed(self, name: str) -> None:
        self._recent(name).append(time.monotonic())

    def succeeded(self, name: str) -> None:
        self._failures.pop(name, None)


@attrs.define
class Console:
    """The console's dependencies, kept on the aiohttp app under ``CONSOLE``."""

    accounts: Accounts
    queries: ConsoleQueries
    secure_cookies: bool = True
    configured_secret: bytes | None = attrs.field(default=None, repr=False)
    sessions: SessionCodec | None = None  # set when the server starts (may read the database)
    throttle: LoginThrottle = attrs.Factory(LoginThrottle)

    def codec(self) -> SessionCodec:
        if self.sessions is None:
            msg = "the console's session key is not loaded yet: the server has not started"
            raise web.HTTPServiceUnavailable(text=msg)
        return self.sessions


CONSOLE = web.AppKey("claw_console", Console)

Handler = Callable[[web.Request, Principal], Awaitable[web.StreamResponse]]


def error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


async def authenticate(request: web.Request, now: datetime) -> Principal | None:
    console = request.app[CONSOLE]
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
        user = await asyncio.to_thread(console.accounts.authenticate_token, token)
        return Principal(user=user, via=Via.BEARER) if user is not None else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    claims = console.codec().read(cookie, now)
    if claims is None:
        return None
    user = await asyncio.to_thread(console.accounts.user_by_id, claims.user_id)
    if user is None or user.disabled or user.session_epoch != claims.epoch:
        return None
    return Principal(user=user, via=Via.SESSION, claims=claims)


def csrf_ok(request: web.Request, principal: Principal) -> bool:
    if request.method in SAFE_METHODS or principal.via is Via.BEARER:
        return True
    if principal.claims is None:
        return False
    expected = request.app[CONSOLE].codec().csrf_token(principal.claims)
    header = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return hmac.compare_digest(header, expected) and hmac.compare_digest(cookie, expected)


def guarded(
    handler: Handler, now: Callable[[web.Request], datetime], *, admin: bool = False
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Wrap ``handler``: 401 without a valid login, 403 for a wrong role or a missing CSRF token."""

    async def checked(request: web.Request) -> web.StreamResponse:
        principal = await authenticate(request, now(request))
        if principal is None:
            return error(401, "log in first (POST /api/login) or send a bearer token")
        if not csrf_ok(request, principal):
            return error(403, f"missing or wrong {CSRF_HEADER} header; reload the console")
        if admin and not principal.is_admin:
            return error(403, f"{principal.user.name} is an operator; this needs an admin")
        return await handler(request, principal)

    return checked


def set_session_cookies(
    response: web.StreamResponse, console: Console, cookie: str, claims: SessionClaims
) -> str:
    codec = console.codec()
    csrf = codec.csrf_token(claims)
    max_age = int(codec.lifetime.total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=console.secure_cookies,
        samesite="Strict",
    )
    # Readable by the console's script, which copies it into the CSRF header.
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=max_age,
        path="/",
        httponly=False,
        secure=console.secure_cookies,
        samesite="Strict",
    )
    return csrf


def clear_session_cookies(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path="/")
    response.del_cookie(CSRF_COOKIE, path="/")


def secret_from(value: str | None) -> bytes | None:
    """``CLAW_SESSION_SECRET`` as key bytes; None when unset so the stored one is used."""
    if value is None or not value.strip():
        return None
    raw = value.strip().encode("utf8")
    if len(raw) < MIN_SECRET_BYTES:
        msg = (
            f"CLAW_SESSION_SECRET is {len(raw)} characters; use at least {MIN_SECRET_BYTES}, "
            "e.g. the output of `python -c 'import secrets; print(secrets.token_hex(32))'`"
        )
        raise ValueError(msg)
    return raw
