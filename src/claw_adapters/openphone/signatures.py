"""Proof that a webhook came from OpenPhone, for both signature schemes it uses.

Legacy webhooks (created in the app or through ``/v1/webhooks``) carry
``openphone-signature: hmac;1;<ms>;<base64>``. Webhooks of API version 2026-03-30
follow Standard Webhooks (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``). Both are pure: the caller passes the current time.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import attrs
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

from claw_adapters.openphone.errors import SignatureProblem, WebhookSignatureError
from claw_domain.errors import ConfigurationError
from claw_domain.values import aware_datetime

LEGACY_SIGNATURE_HEADER = "openphone-signature"
WEBHOOK_ID_HEADER = "webhook-id"
WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp"
WEBHOOK_SIGNATURE_HEADER = "webhook-signature"
DEFAULT_TOLERANCE = timedelta(minutes=5)


class SignatureScheme(enum.StrEnum):
    LEGACY = "legacy"
    STANDARD_WEBHOOKS = "standard_webhooks"


@attrs.frozen
class VerifiedDelivery:
    """What a verified signature vouches for."""

    scheme: SignatureScheme
    signed_at: datetime = attrs.field(validator=aware_datetime)
    # Standard Webhooks gives each delivery an id that stays the same across retries.
    delivery_id: str | None = None


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Look a header up case-insensitively, whatever mapping the web framework gave."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _is_unix_time(value: str) -> bool:
    # Twenty digits outlast any real clock and keep int() far from its size limit.
    return value.isascii() and value.isdigit() and len(value) <= 20


def _decode_b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _from_unix(ticks: int, ticks_per_second: int, header_name: str) -> datetime:
    try:
        return datetime.fromtimestamp(ticks / ticks_per_second, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise WebhookSignatureError(
            SignatureProblem.MALFORMED_HEADER, f"{header_name} holds an impossible time"
        ) from exc


def _check_fresh(signed_at: datetime, now: datetime, tolerance: timedelta) -> None:
    if abs(now - signed_at) > tolerance:
        detail = (
            f"signed at {signed_at.isoformat()}, which is more than {tolerance} away from "
            f"now ({now.isoformat()}); a replay, or a clock that needs fixing"
        )
        raise WebhookSignatureError(SignatureProblem.STALE_TIMESTAMP, detail)


def _check_legacy_key(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    try:
        key = _decode_b64(value)
    except (binascii.Error, ValueError) as exc:
        msg = "the OpenPhone webhook signing key is not base64; paste it exactly as revealed"
        raise ConfigurationError(msg) from exc
    if not key:
        msg = "the OpenPhone webhook signing key is empty"
        raise ConfigurationError(msg)


@attrs.frozen
class LegacySignatureVerifier:
    """Checks ``openphone-signature`` with the webhook's base64 signing key."""

    signing_key_b64: str = attrs.field(repr=False, validator=_check_legacy_key)
    tolerance: timedelta = DEFAULT_TOLERANCE

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: datetime) -> VerifiedDelivery:
        value = header(headers, LEGACY_SIGNATURE_HEADER)
        if value is None:
            raise WebhookSignatureError(
                SignatureProblem.MISSING_HEADER, f"no {LEGACY_SIGNATURE_HEADER} header"
            )
        timestamp_ms, claimed = _parse_legacy_header(value)
        expected = legacy_signature(body, self.signing_key_b64, timestamp_ms)
        if not hmac.compare_digest(expected, claimed):
            raise WebhookSignatureError(
                SignatureProblem.BAD_SIGNATURE,
                "the signature does not match the body; check the signing key",
            )
        signed_at = _from_unix(timestamp_ms, 1000, LEGACY_SIGNATURE_HEADER)
        _check_fresh(signed_at, now, self.tolerance)
        return VerifiedDelivery(scheme=SignatureScheme.LEGACY, signed_at=signed_at)


def legacy_signature(body: bytes, signing_key_b64: str, timestamp_ms: int) -> bytes:
    """The raw HMAC-SHA256 OpenPhone puts, base64-encoded, in ``openphone-signature``."""
    signed = str(timestamp_ms).encode("ascii") + b"." + body
    return hmac.new(_decode_b64(signing_key_b64), signed, hashlib.sha256).digest()


def _parse_legacy_header(value: str) -> tuple[int, bytes]:
    parts = value.strip().split(";")
    malformed = WebhookSignatureError(
        SignatureProblem.MALFORMED_HEADER,
        f"{LEGACY_SIGNATURE_HEADER} must read hmac;1;<milliseconds>;<base64 signature>",
    )
    if len(parts) != 4 or parts[0] != "hmac" or parts[1] != "1" or not _is_unix_time(parts[2]):
        raise malformed
    try:
        signature = _decode_b64(parts[3])
    except (binascii.Error, ValueError) as exc:
        raise malformed from exc
    return int(parts[2]), signature


def _check_standard_secret(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    try:
        Webhook(value)
    except (binascii.Error, ValueError, EmptyWebhookSecretError) as exc:
        msg = "the OpenPhone webhook key must be the whsec_… value returned when it was created"
        raise ConfigurationError(msg) from exc


@attrs.frozen
class StandardWebhookVerifier:
    """Checks Standard Webhooks headers with the ``whsec_…`` key.

    The signature itself comes from the ``standardwebhooks`` package; its own
    ``verify`` reads the wall clock and trips over malformed headers, so the
    clock check and the header parsing live here.
    """

    secret: str = attrs.field(repr=False, validator=_check_standard_secret)
    tolerance: timedelta = DEFAULT_TOLERANCE

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: datetime) -> VerifiedDelivery:
        delivery_id = header(headers, WEBHOOK_ID_HEADER)
        timestamp = header(headers, WEBHOOK_TIMESTAMP_HEADER)
        signatures = header(headers, WEBHOOK_SIGNATURE_HEADER)
        missing = [
            name
            for name, value in (
                (WEBHOOK_ID_HEADER, delivery_id),
                (WEBHOOK_TIMESTAMP_HEADER, timestamp),
                (WEBHOOK_SIGNATURE_HEADER, signatures),
            )
            if not value
        ]
        if delivery_id is None or timestamp is None or signatures is None or missing:
            raise WebhookSignatureError(
                SignatureProblem.MISSING_HEADER, f"no {', '.join(missing)} header"
            )
        timestamp = timestamp.strip()
        if not _is_unix_time(timestamp):
            raise WebhookSignatureError(
                SignatureProblem.MALFORMED_HEADER,
                f"{WEBHOOK_TIMESTAMP_HEADER} must be whole Unix seconds",
            )
        signed_at = _from_unix(int(timestamp), 1, WEBHOOK_TIMESTAMP_HEADER)
        claimed = _parse_standard_signatures(signatures)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WebhookSignatureError(
                SignatureProblem.BAD_SIGNATURE, "the body is not UTF-8, so no signature can match"
            ) from exc
        signed = Webhook(self.secret).sign(delivery_id, signed_at, text)
        expected = _decode_b64(signed.partition(",")[2])
        if not any(hmac.compare_digest(expected, candidate) for candidate in claimed):
            raise WebhookSignatureError(
                SignatureProblem.BAD_SIGNATURE,
                "no v1 signature matches the body; check the whsec_ key",
            )
        _check_fresh(signed_at, now, self.tolerance)
        return VerifiedDelivery(
            scheme=SignatureScheme.STANDARD_WEBHOOKS, signed_at=signed_at, delivery_id=delivery_id
        )


def _parse_standard_signatures(value: str) -> list[bytes]:
    """The ``v1`` signatures; other versions are skipped as the scheme asks."""
    signatures = []
    for entry in value.split():
        version, comma, encoded = entry.partition(",")
        if version != "v1" or not comma:
            continue
        try:
            signatures.append(_decode_b64(encoded))
        except (binascii.Error, ValueError):
            continue
    if not signatures:
        raise WebhookSignatureError(
            SignatureProblem.MALFORMED_HEADER,
            f"{WEBHOOK_SIGNATURE_HEADER} holds no v1,<base64> signature",
        )
    return signatures


@attrs.frozen
class WebhookVerifier:
    """Verifies whichever scheme a request uses, among those with a configured key."""

    legacy: LegacySignatureVerifier | None = None
    standard: StandardWebhookVerifier | None = None

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: datetime) -> VerifiedDelivery:
        if self.standard is not None and header(headers, WEBHOOK_SIGNATURE_HEADER) is not None:
            return self.standard.verify(body, headers, now=now)
        if self.legacy is not None and header(headers, LEGACY_SIGNATURE_HEADER) is not None:
            return self.legacy.verify(body, headers, now=now)
        expected = [
            name
            for name, verifier in (
                (WEBHOOK_SIGNATURE_HEADER, self.standard),
                (LEGACY_SIGNATURE_HEADER, self.legacy),
            )
            if verifier is not None
        ]
        raise WebhookSignatureError(
            SignatureProblem.MISSING_HEADER,
            f"expected a {' or '.join(expected) or 'signature'} header",
        )
