"""The console's secret, and the keyed hashes made with it.

Session ids and API tokens are stored only as HMACs under this secret, so a
copy of the database holds nothing that can be turned back into a working
cookie or token, and changing the secret ends every session and token at once
(their stored hashes stop matching). The secret itself never enters the event
log or the database.
"""

from __future__ import annotations

import hashlib
import hmac

import attrs

MIN_SECRET_BYTES = 32


def _purpose_key(secret: bytes, purpose: str) -> bytes:
    # One derived key per use, so a value hashed for one purpose never fits another.
    return hmac.new(secret, f"claw-console:{purpose}".encode("ascii"), hashlib.sha256).digest()


@attrs.frozen
class ConsoleKeys:
    secret: bytes = attrs.field(repr=False)

    @secret.validator
    def _long_enough(self, _attribute: object, value: bytes) -> None:
        if len(value) < MIN_SECRET_BYTES:
            msg = f"the console secret must be at least {MIN_SECRET_BYTES} bytes"
            raise ValueError(msg)

    def _digest(self, purpose: str, value: str) -> str:
        key = _purpose_key(self.secret, purpose)
        return hmac.new(key, value.encode("utf8"), hashlib.sha256).hexdigest()

    def session_digest(self, session_id: str) -> str:
        """What the session table stores for a cookie's session id."""
        return self._digest("session", session_id)

    def token_digest(self, token: str) -> str:
        """What the event log stores for an API token."""
        return "hmac-sha256:" + self._digest("token", token)

    def csrf_token(self, session_id: str) -> str:
        """The CSRF token paired with a session: only the server can compute it."""
        return self._digest("csrf", session_id)


def same(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode("utf8"), right.encode("utf8"))
