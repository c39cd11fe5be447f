"""How claw trusts a UniFi console, whose certificate is self-signed by default."""

from __future__ import annotations

import ssl

import aiohttp
import attrs

from claw_domain.errors import ConfigurationError


def _normalise_fingerprint(value: str | None) -> str | None:
    if value is None:
        return None
    digest = value.replace(":", "").replace(" ", "").lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ConfigurationError(
            "the UniFi certificate fingerprint must be the SHA-256 of the certificate: "
            "64 hex digits, colons allowed"
        )
    return digest


@attrs.frozen
class UniFiTls:
    """Trust for the console: a CA file, or a pinned certificate, or the system's CAs.

    ``ca_file`` is a PEM file with the console's (self-signed) certificate or the CA that
    signed it; the name in the certificate must match the URL's host, or
    ``server_hostname``. ``sha256_fingerprint`` pins the console's certificate itself
    (``openssl x509 -noout -fingerprint -sha256``), for consoles whose certificate names no
    usable host. Verification is never switched off.
    """

    ca_file: str | None = None
    sha256_fingerprint: str | None = attrs.field(default=None, converter=_normalise_fingerprint)
    server_hostname: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.ca_file is not None and self.sha256_fingerprint is not None:
            raise ConfigurationError(
                "configure either a CA file or a certificate fingerprint for UniFi, not both"
            )

    def ssl_for_aiohttp(self) -> ssl.SSLContext | aiohttp.Fingerprint | bool:
        """The value for aiohttp's ``ssl=`` argument."""
        if self.sha256_fingerprint is not None:
            return aiohttp.Fingerprint(bytes.fromhex(self.sha256_fingerprint))
        if self.ca_file is not None:
            try:
                return ssl.create_default_context(cafile=self.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigurationError(
                    f"cannot read the UniFi CA file {self.ca_file!r}: {exc}"
                ) from exc
        return True
