"""Browser sessions kept on the server, so they can be ended: logout, revoke, expiry.

The cookie holds a random session id; the database holds only its HMAC under the
console secret (``ConsoleKeys.session_digest``), the user, the account's session
epoch at login, and when the session started and was last used. A session ends
when it is logged out, idle too long, too old, when the account's epoch moves
(password changed, access revoked, account disabled), or when the secret changes.
Rows live in a table beside the events, shared by every claw process on the
database; they are not events because "last used" changes on every request.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

import attrs

from claw_service.accounts import Accounts, UserView
from claw_service.console_keys import ConsoleKeys

DEFAULT_IDLE = timedelta(hours=12)
DEFAULT_ABSOLUTE = timedelta(days=7)
# "Last used" is written at most this often per session: a console polling every few
# seconds would otherwise write on every request.
TOUCH_EVERY = timedelta(minutes=1)


@attrs.frozen
class StoredSession:
    digest: str
    user_id: UUID
    epoch: int
    started_at: datetime
    last_seen_at: datetime


class SessionStore(Protocol):
    def add(self, session: StoredSession) -> None: ...

    def get(self, digest: str) -> StoredSession | None: ...

    def touch(self, digest: str, at: datetime) -> None: ...

    def remove(self, digest: str) -> None: ...

    def remove_user(self, user: UUID) -> int:
        """End every session of ``user``; the number ended."""
        ...

    def remove_stale(self, idle_since: datetime, started_before: datetime) -> int:
        """Forget sessions unused since ``idle_since`` or started before ``started_before``."""
        ...

    def close(self) -> None: ...


@attrs.frozen
class SessionLimits:
    idle: timedelta = DEFAULT_IDLE
    absolute: timedelta = DEFAULT_ABSOLUTE

    def __attrs_post_init__(self) -> None:
        if self.idle <= timedelta(0) or self.absolute <= timedelta(0):
            msg = "session lifetimes must be positive"
            raise ValueError(msg)


@attrs.frozen
class ActiveSession:
    user: UserView
    session_id: str = attrs.field(repr=False)


class SessionBook:
    """Starts, checks and ends sessions; synchronous (call it from a thread)."""

    def __init__(
        self, store: SessionStore, keys: ConsoleKeys, accounts: Accounts, limits: SessionLimits
    ) -> None:
        self.store = store
        self.keys = keys
        self.accounts = accounts
        self.limits = limits

    def start(self, user: UserView, now: datetime) -> str:
        """A new session for ``user``; returns the id for the cookie (never stored as is)."""
        session_id = secrets.token_urlsafe(32)
        self.store.add(
            StoredSession(
                digest=self.keys.session_digest(session_id),
                user_id=user.id,
                epoch=user.session_epoch,
                started_at=now,
                last_seen_at=now,
            )
        )
        # Housekeeping at login, the rare moment: expired rows would otherwise stay forever.
        self.store.remove_stale(now - self.limits.idle, now - self.limits.absolute)
        return session_id

    def check(self, session_id: str, now: datetime, *, used: bool = True) -> ActiveSession | None:
        """The live session for a cookie's id, or None (and the row gone if it expired).

        ``used=False`` (the console refreshing itself) checks without renewing the idle
        clock, so a console left open with nobody there still idles out.
        """
        digest = self.keys.session_digest(session_id)
        stored = self.store.get(digest)
        if stored is None:
            return None
        expired = (
            now - stored.last_seen_at >= self.limits.idle
            or now - stored.started_at >= self.limits.absolute
        )
        user = None if expired else self.accounts.user_by_id(stored.user_id)
        if user is None or user.disabled or user.session_epoch != stored.epoch:
            self.store.remove(digest)
            return None
        if used and now - stored.last_seen_at >= TOUCH_EVERY:
            self.store.touch(digest, now)
        return ActiveSession(user=user, session_id=session_id)

    def end(self, session_id: str) -> None:
        self.store.remove(self.keys.session_digest(session_id))

    def end_all_of(self, user: UUID) -> int:
        return self.store.remove_user(user)
