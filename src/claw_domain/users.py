"""Console users: who may change claw's rails, each change an event with its actor.

The aggregate never sees a password or a token: the service layer hashes them
(hashing takes time and randomness, which the domain does not have) and passes
the hashes in, so replay re-applies exactly what was stored.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from uuid import UUID, uuid5

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
        self.token_hashes: list[str] = []
        self.disabled = False
        # Bumped whenever a password changes or the account is disabled, so
        # every browser session signed before it stops working.
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

    def issue_token(self, token_hash: str, actor: str, at: datetime) -> None:
        _require_actor(actor, "issuing a token")
        if self.disabled:
            msg = f"user {self.name} is disabled; enable the account before issuing a token"
            raise InvariantError(msg)
        if token_hash in self.token_hashes:
            msg = "this token was already issued"
            raise InvariantError(msg)
        self._token_issued(token_hash=token_hash, actor=actor, at=at)

    @event("ApiTokenIssued")
    def _token_issued(self, token_hash: str, actor: str, at: datetime) -> None:
        self.token_hashes.append(token_hash)

    def revoke_tokens(self, actor: str, at: datetime) -> None:
        _require_actor(actor, "revoking tokens")
        if self.token_hashes:
            self._tokens_revoked(actor=actor, at=at)

    @event("ApiTokensRevoked")
    def _tokens_revoked(self, actor: str, at: datetime) -> None:
        self.token_hashes = []

    def disable(self, actor: str, at: datetime) -> None:
        _require_actor(actor, "disabling a user")
        if not self.disabled:
            self._disabled(actor=actor, at=at)

    @event("UserDisabled")
    def _disabled(self, actor: str, at: datetime) -> None:
        self.disabled = True
        self.token_hashes = []
        self.session_epoch += 1

    def enable(self, actor: str, at: datetime) -> None:
        _require_actor(actor, "enabling a user")
        if self.disabled:
            self._enabled(actor=actor, at=at)

    @event("UserEnabled")
    def _enabled(self, actor: str, at: datetime) -> None:
        self.disabled = False


class ConsoleSecret(Aggregate):
    """The key that signs browser sessions when ``CLAW_SESSION_SECRET`` is not set.

    Stored once, so every claw process on the same database signs and checks
    sessions with the same key, and a restart does not log everyone out.
    """

    @staticmethod
    def create_id() -> UUID:
        return console_secret_id()

    @event("SessionSecretGenerated")
    def __init__(self, secret_hex: str, at: datetime) -> None:
        self.secret_hex = secret_hex


def console_secret_id() -> UUID:
    return uuid5(CLAW_NAMESPACE, "console-session-secret")
