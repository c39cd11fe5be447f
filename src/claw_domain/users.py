"""Console users: who may change claw's rails, each change an event with its actor.

The aggregate never sees a password or a token: the service layer hashes them
(hashing takes time and randomness, which the domain does not have) and passes
the hashes in, so replay re-applies exactly what was stored. No key that signs
or checks a session or a token is ever recorded here: the log is in every
database backup.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from uuid import UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from claw_domain.errors import InvariantError
from claw_domain.identity import CLAW_NAMESPACE

# Names appear in the audit trail as the actor: short, printable, no spaces.
_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


class Role(enum.StrEnum):
    """What a console user may do.

    Operators work the queues and may pull the emergency stop; only admins
    change the rails, open doors and release the stop.
    """

    ADMIN = "admin"
    OPERATOR = "operator"


def normalise_user_name(name: str) -> str:
    """The canonical form of a login name, or an InvariantError saying how to fix it."""
    canonical = name.strip().lower()
    if not _NAME.match(canonical):
        msg = (
            f"user name {name!r} is not allowed: use 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
        raise InvariantError(msg)
    return canonical


def user_id(name: str) -> UUID:
    # uuid5 of the name: adding the same user twice collides on the store's own constraint.
    return uuid5(CLAW_NAMESPACE, f"user:{normalise_user_name(name)}")


def _require_actor(actor: str, what: str) -> None:
    if not actor.strip():
        msg = f"{what} needs a non-empty actor so the audit trail says who did it"
        raise InvariantError(msg)


@attrs.frozen
class ApiToken:
    """A bearer token as stored: its keyed hash and when it stops working."""

    token_hash: str
    expires_at: datetime


class UserAccount(Aggregate):
    """One console login."""

    @staticmethod
    def create_id(name: str) -> UUID:
        return user_id(name)

    @event("UserAdded")
    def __init__(self, name: str, role: Role, password_hash: str, actor: str, at: datetime) -> None:
        self.name = name
        self.role = role
        self.password_hash = password_hash
        # Hashes from ``ApiTokenIssued`` (before tokens expired): kept for replay and
        # counted, never accepted.
        self.token_hashes: list[str] = []
        self.tokens: list[ApiToken] = []
        self.disabled = False
        # Bumped whenever a password changes, access is revoked or the account is
        # disabled, so every browser session started before it stops working.
        self.session_epoch = 0

    @classmethod
    def add(
        cls, name: str, role: Role, password_hash: str, actor: str, at: datetime
    ) -> UserAccount:
        """Check the invariants, then record the new user."""
        _require_actor(actor, "adding a user")
        if not password_hash:
            msg = "a user needs a password"
            raise InvariantError(msg)
        return cls(
            name=normalise_user_name(name),
            role=role,
            password_hash=password_hash,
            actor=actor,
            at=at,
        )

    def change_password(self, password_hash: str, actor: str, at: datetime) -> None:
        _require_actor(actor, "changing a password")
        if not password_hash:
            msg = "a new password is needed"
            raise InvariantError(msg)
        self._password_changed(password_hash=password_hash, actor=actor, at=at)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, actor: str, at: datetime) -> None:
        self.password_hash = password_hash
        self.session_epoch += 1

    def change_role(self, role: Role, actor: str, at: datetime) -> None:
        _require_actor(actor, "changing a role")
        if role is self.role:
            return
        self._role_changed(role=role, actor=actor, at=at)

    @event("RoleChanged")
    def _role_changed(self, role: Role, actor: str, at: datetime) -> None:
        self.role = role

    def grant_token(self, token_hash: str, expires_at: datetime, actor: str, at: datetime) -> None:
        _require_actor(actor, "issuing a token")
        if self.disabled:
            msg = f"user {self.name} is disabled; enable the account before issuing a token"
            raise InvariantError(msg)
        if expires_at <= at:
            msg = "a token must expire after it is issued: give it a positive lifetime"
            raise InvariantError(msg)
        if any(token.token_hash == token_hash for token in self.tokens):
            msg = "this token was already issued"
            raise InvariantError(msg)
        self._token_granted(token_hash=token_hash, expires_at=expires_at, actor=actor, at=at)

    @event("ApiTokenGranted")
    def _token_granted(
        self, token_hash: str, expires_at: datetime, actor: str, at: datetime
    ) -> None:
        self.tokens.append(ApiToken(token_hash=token_hash, expires_at=expires_at))

    @event("ApiTokenIssued")
    def _token_issued(self, token_hash: str, actor: str, at: datetime) -> None:
        """Deprecated: tokens recorded before they had an expiry; replayed, never honoured."""
        self.token_hashes.append(token_hash)

    def live_tokens(self, now: datetime) -> list[ApiToken]:
        return [token for token in self.tokens if token.expires_at > now]

    def revoke_tokens(self, actor: str, at: datetime) -> None:
        _require_actor(actor, "revoking tokens")
        if self.tokens or self.token_hashes:
            self._tokens_revoked(actor=actor, at=at)

    @event("ApiTokensRevoked")
    def _tokens_revoked(self, actor: str, at: datetime) -> None:
        self.token_hashes = []
        self.tokens = []

    def revoke_access(self, actor: str, at: datetime) -> None:
        """End every session and token of this user now; the password stays."""
        _require_actor(actor, "revoking access")
        self._access_revoked(actor=actor, at=at)

    @event("AccessRevoked")
    def _access_revoked(self, actor: str, at: datetime) -> None:
        self.token_hashes = []
        self.tokens = []
        self.session_epoch += 1

    def disable(self, actor: str, at: datetime) -> None:
        _require_actor(actor, "disabling a user")
        if not self.disabled:
            self._disabled(actor=actor, at=at)

    @event("UserDisabled")
    def _disabled(self, actor: str, at: datetime) -> None:
        self.disabled = True
        self.token_hashes = []
        self.tokens = []
        self.session_epoch += 1

    def enable(self, actor: str, at: datetime) -> None:
        _require_actor(actor, "enabling a user")
        if self.disabled:
            self._enabled(actor=actor, at=at)

    @event("UserEnabled")
    def _enabled(self, actor: str, at: datetime) -> None:
        self.disabled = False


class ConsoleSecret(Aggregate):
    """Deprecated: the session-signing key older versions stored in the event log.

    Kept only so logs that hold a ``SessionSecretGenerated`` event still load.
    Its value is never read: a key in the log is a key in every backup. The
    console's secret now comes from ``CLAW_CONSOLE_SECRET`` or a 0600 file.
    """

    @staticmethod
    def create_id() -> UUID:
        return console_secret_id()

    @event("SessionSecretGenerated")
    def __init__(self, secret_hex: str, at: datetime) -> None:
        self.secret_hex = secret_hex


def console_secret_id() -> UUID:
    return uuid5(CLAW_NAMESPACE, "console-session-secret")
