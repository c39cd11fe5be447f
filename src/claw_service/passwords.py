"""Password hashing, in a module light enough to import in a worker process.

``hashlib.scrypt`` holds the GIL for the whole derivation (about 70 ms here), so
a check run on a thread stalls the event loop and every webhook with it. The
console therefore checks passwords in a separate process (see
``claw_entrypoints.web.login_throttle.LoginGate``), which imports only this.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import attrs


@attrs.frozen
class PasswordHasher:
    """scrypt with OWASP's suggested cost (N=2**17 is stronger but needs 128 MiB per login).

    The parameters are stored with each hash, so raising them later only
    affects new passwords and old ones keep verifying.
    """

    n: int = 2**14
    r: int = 8
    p: int = 1
    length: int = 32

    def hash(self, password: str) -> str:
        salt = secrets.token_bytes(16)
        digest = self._derive(password, salt, self.n, self.r, self.p, self.length)
        return "$".join(("scrypt", str(self.n), str(self.r), str(self.p), _b64(salt), _b64(digest)))

    def verify(self, password: str, stored: str) -> bool:
        try:
            scheme, n, r, p, salt, digest = stored.split("$")
            if scheme != "scrypt":
                return False
            expected = _unb64(digest)
            derived = self._derive(password, _unb64(salt), int(n), int(r), int(p), len(expected))
        except ValueError:
            return False
        return hmac.compare_digest(derived, expected)

    @staticmethod
    def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
        return hashlib.scrypt(
            password.encode("utf8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=2**27
        )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_password(password: str, stored: str) -> bool:
    """``PasswordHasher().verify``, as a plain function a process pool can call."""
    return PasswordHasher().verify(password, stored)
