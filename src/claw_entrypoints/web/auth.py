"""Who is asking: browser sessions, bearer tokens, CSRF, and role checks for the console.

A browser session is a random id in an HttpOnly cookie; the server keeps only
its HMAC under the console secret, in a table every claw process shares (see
``claw_service.console_sessions``), so logging out, revoking a user, idle and
absolute expiry all end it on the server. The CSRF token is an HMAC of the
session id, so a cookie planted by another site cannot be paired with a token
it chose (signed double-submit); the browser sends it back in the
``X-CSRF-Token`` header. Scripts use ``Authorization: Bearer`` tokens, which a
browser never attaches by itself, so they need no CSRF token.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import attrs
from aiohttp import web

from claw_domain.users import Role
from claw_entrypoints.web.login_throttle import LoginGate, LoginThrottle
from claw_entrypoints.web.queries import ConsoleQueries
from claw_service.accounts import Accounts, UserView
from claw_service.console_keys import ConsoleKeys, same
from claw_service.console_sessions import SessionBook

SESSION_COOKIE = "claw_session"
CSRF_COOKIE = "claw_csrf"
CSRF_HEADER = "X-CSRF-Token"
# Sent by the console on the requests it makes by itself (the status poll and the
# redraws it triggers): they prove a tab is open, not that anyone is there.
BACKGROUND_HEADER = "X-Claw-Background"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Via(enum.StrEnum):
    SESSION = "session"
    BEARER = "bearer"


@attrs.frozen
class Principal:
    """The authenticated caller: the user, and how they proved it."""

    user: UserView
    via: Via
    session_id: str | None = attrs.field(default=None, repr=False)

    @property
    def actor(self) -> str:
        return self.user.name

    @property
    def is_admin(self) -> bool:
        return self.user.role is Role.ADMIN


@attrs.define
class Console:
    """The console's dependencies, kept on the aiohttp app under ``CONSOLE``."""

    accounts: Accounts
    queries: ConsoleQueries
    keys: ConsoleKeys = attrs.field(repr=False)
    sessions: SessionBook
    secure_cookies: bool = True
    throttle: LoginThrottle = attrs.Factory(LoginThrottle)
    gate: LoginGate = attrs.Factory(LoginGate)


CONSOLE = web.AppKey("claw_console", Console)

Handler = Callable[[web.Request, Principal], Awaitable[web.StreamResponse]]


def error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


async def authenticate(request: web.Request, now: datetime) -> Principal | None:
    console = request.app[CONSOLE]
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
        user = await asyncio.to_thread(console.accounts.authenticate_token, token, now)
        return Principal(user=user, via=Via.BEARER) if user is not None else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    used = request.headers.get(BACKGROUND_HEADER, "") != "1"
    active = await asyncio.to_thread(console.sessions.check, cookie, now, used=used)
    if active is None:
        return None
    return Principal(user=active.user, via=Via.SESSION, session_id=active.session_id)


def csrf_ok(request: web.Request, principal: Principal) -> bool:
    if request.method in SAFE_METHODS or principal.via is Via.BEARER:
        return True
    if principal.session_id is None:
        return False
    expected = request.app[CONSOLE].keys.csrf_token(principal.session_id)
    header = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return same(header, expected) and same(cookie, expected)


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


def set_session_cookies(response: web.StreamResponse, console: Console, session_id: str) -> str:
    csrf = console.keys.csrf_token(session_id)
    # The browser may drop the cookie at the absolute limit; the server decides either way.
    max_age = int(console.sessions.limits.absolute.total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
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
