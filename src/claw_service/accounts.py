"""Console accounts: adding users, checking passwords and API tokens.

Passwords are hashed with scrypt (stdlib, memory-hard) and a per-user salt; API
tokens are long random strings, so one HMAC of each under the console secret is
enough to store (nothing to brute-force, and a new secret retires them all), and
only that hash is kept, with the token's expiry. Hashing happens here, not in
the aggregate, because it needs randomness and time the domain does not have.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from claw_domain import events
from claw_domain.errors import InvariantError
from claw_domain.users import Role, UserAccount, normalise_user_name, user_id
from claw_service.application import ClawApplication
from claw_service.console_keys import ConsoleKeys, same
from claw_service.follower import LogFollower
from claw_service.passwords import PasswordHasher
from claw_service.retry import retry_on_conflict

MIN_PASSWORD_LENGTH = 10
DEFAULT_TOKEN_LIFETIME = timedelta(days=90)
TOKEN_PREFIX = "claw"  # noqa: S105 - a label that marks claw tokens in logs, not a secret
_LIST_PAGE = 500


class AccountError(InvariantError):
    """A user-management request that cannot be carried out; the message says why."""


@attrs.frozen
class UserView:
    """What the console and the CLI may know about a user: never a hash."""

    id: UUID
    name: str
    role: Role
    disabled: bool
    session_epoch: int
    tokens: int

    @classmethod
    def of(cls, user: UserAccount, now: datetime | None = None) -> UserView:
        return cls(
            id=user.id,
            name=user.name,
            role=user.role,
            disabled=user.disabled,
            session_epoch=user.session_epoch,
            tokens=len(user.tokens if now is None else user.live_tokens(now)),
        )


@attrs.frozen
class LoginCandidate:
    """What a login checks a password against; the hash stays on the server side."""

    password_hash: str = attrs.field(repr=False)
    user: UserView | None

    def accepts(self, password_matches: bool) -> UserView | None:
        if not password_matches or self.user is None or self.user.disabled:
            return None
        return self.user


class Accounts:
    """User management on claw's own event store, beside the conversations."""

    def __init__(
        self,
        app: ClawApplication,
        keys: ConsoleKeys | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.app = app
        # Only tokens need the console secret; the shell's other user commands run without it.
        self.keys = keys
        self.hasher = hasher or PasswordHasher()
        # Verified against when the name is unknown, so a failed login takes as
        # long for a missing user as for a wrong password.
        self._decoy = self.hasher.hash(secrets.token_urlsafe(16))

    def _load(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            aggregate: Aggregate = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate

    def _user(self, name: str) -> UserAccount | None:
        found = self._load(user_id(name))
        return found if isinstance(found, UserAccount) else None

    def _existing(self, name: str) -> UserAccount:
        user = self._user(name)
        if user is None:
            msg = f"no user named {normalise_user_name(name)!r}; add one with `claw users add`"
            raise AccountError(msg)
        return user

    # Commands ------------------------------------------------------------------

    def add_user(self, name: str, password: str, role: Role, actor: str, at: datetime) -> UserView:
        _check_password(password)
        if self._user(name) is not None:
            msg = f"user {normalise_user_name(name)!r} already exists"
            raise AccountError(msg)
        user = UserAccount.add(name, role, self.hasher.hash(password), actor, at)
        try:
            self.app.save(user)
        except IntegrityError:
            msg = f"user {user.name!r} already exists"
            raise AccountError(msg) from None
        return UserView.of(user)

    @retry_on_conflict
    def change_password(self, name: str, password: str, actor: str, at: datetime) -> None:
        _check_password(password)
        user = self._existing(name)
        user.change_password(self.hasher.hash(password), actor, at)
        self.app.save(user)

    @retry_on_conflict
    def change_role(self, name: str, role: Role, actor: str, at: datetime) -> None:
        user = self._existing(name)
        user.change_role(role, actor, at)
        self.app.save(user)

    @retry_on_conflict
    def issue_token(
        self, name: str, actor: str, at: datetime, lifetime: timedelta = DEFAULT_TOKEN_LIFETIME
    ) -> str:
        """A bearer token for scripts, valid for ``lifetime``; shown once, only its hash kept."""
        user = self._existing(name)
        # The user id in the token finds the account without an index over hashes.
        token = f"{TOKEN_PREFIX}_{user.id.hex}_{secrets.token_urlsafe(32)}"
        if self.keys is None:
            msg = "issuing a token needs the console secret; set CLAW_CONSOLE_SECRET"
            raise AccountError(msg)
        user.grant_token(self.keys.token_digest(token), at + lifetime, actor, at)
        self.app.save(user)
        return token

    @retry_on_conflict
    def revoke_access(self, name: str, actor: str, at: datetime) -> None:
        """End every session and token the user has, at once."""
        user = self._existing(name)
        user.revoke_access(actor, at)
        self.app.save(user)

    @retry_on_conflict
    def enable(self, name: str, actor: str, at: datetime) -> None:
        user = self._existing(name)
        user.enable(actor, at)
        self.app.save(user)

    @retry_on_conflict
    def revoke_tokens(self, name: str, actor: str, at: datetime) -> None:
        user = self._existing(name)
        user.revoke_tokens(actor, at)
        self.app.save(user)

    @retry_on_conflict
    def disable(self, name: str, actor: str, at: datetime) -> None:
        user = self._existing(name)
        user.disable(actor, at)
        self.app.save(user)

    # Queries ---------------------------------------------------------------------

    def list_users(self) -> list[UserView]:
        follower = LogFollower(self.app, [events.UserAdded])
        ids: list[UUID] = []
        position = 0
        while True:
            page = follower.read(position, _LIST_PAGE)
            ids.extend(added.originator_id for added in page.events)
            if page.reached <= position:
                break
            position = page.reached
        users = [self._load(found) for found in ids]
        return sorted(
            (UserView.of(user) for user in users if isinstance(user, UserAccount)),
            key=lambda view: view.name,
        )

    def user_by_id(self, account: UUID) -> UserView | None:
        found = self._load(account)
        return UserView.of(found) if isinstance(found, UserAccount) else None

    def login_candidate(self, name: str) -> LoginCandidate:
        """The stored hash to check a password against (a decoy for an unknown name)."""
        try:
            user = self._user(name)
        except InvariantError:
            user = None  # a malformed name is just a failed login
        if user is None:
            # The decoy is checked like a real hash, so a missing user takes as long.
            return LoginCandidate(password_hash=self._decoy, user=None)
        return LoginCandidate(password_hash=user.password_hash, user=UserView.of(user))

    def authenticate(self, name: str, password: str) -> UserView | None:
        """The user if the password is right and the account enabled; else None."""
        candidate = self.login_candidate(name)
        return candidate.accepts(self.hasher.verify(password, candidate.password_hash))

    def authenticate_token(self, token: str, now: datetime) -> UserView | None:
        """The user of a genuine, unexpired token of an enabled account; else None."""
        prefix, _, rest = token.partition("_")
        account_hex, _, secret = rest.partition("_")
        if prefix != TOKEN_PREFIX or not secret:
            return None
        try:
            account = UUID(hex=account_hex)
        except ValueError:
            return None
        found = self._load(account)
        if self.keys is None or not isinstance(found, UserAccount) or found.disabled:
            return None
        wanted = self.keys.token_digest(token)
        # Compare with every live token, not just until the first match: the time taken
        # says nothing about which one matched.
        matches = [same(wanted, stored.token_hash) for stored in found.live_tokens(now)]
        return UserView.of(found, now) if any(matches) else None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters"
        raise AccountError(msg)
