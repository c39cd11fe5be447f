"""Webhook signatures, both schemes, including the worked examples in CONTRACTS.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from claw_adapters.fakes.openphone import signed_legacy_webhook, signed_standard_webhook
from claw_adapters.openphone import (
    LegacySignatureVerifier,
    SignatureProblem,
    SignatureScheme,
    StandardWebhookVerifier,
    VerifiedDelivery,
    WebhookSignatureError,
    WebhookVerifier,
)
from claw_domain.errors import ConfigurationError

# CONTRACTS.md section 1, webhook (A), byte for byte.
LEGACY_BODY = (
    b'{"id":"EVc67ec998b35c41d388af50799aeeba3e","object":"event","apiVersion":"v3",'
    b'"createdAt":"2022-01-23T16:55:52.557Z","type":"message.received","data":{"object":'
    b'{"id":"AC24a8b8321c4f4cf2be110f4250793d51","object":"message","from":"+19876543210",'
    b'"to":"+15555555555","direction":"incoming","body":"Hello","media":[],"status":"received",'
    b'"createdAt":"2022-01-23T16:55:52.420Z","userId":"USu5AsEHuQ","phoneNumberId":"PNtoDbDhuz",'
    b'"conversationId":"CN78ba0373683c48fd8fd96bc836c51f79"}}}'
)
LEGACY_KEY = "dGVzdC1zaWduaW5nLWtleS0wMTIzNDU2Nzg5YWJjZGVm"
LEGACY_TS_MS = 1639710054089
LEGACY_HEADER = "hmac;1;1639710054089;xd6Y9yabjRpfSR5dTMdbdBJP1dre9f7YeXKuyt6In5w="
LEGACY_SIGNED_AT = datetime.fromtimestamp(LEGACY_TS_MS / 1000, tz=UTC)

STANDARD_SECRET = "whsec_c3RhbmRhcmQtd2ViaG9vay1rZXktMDEyMzQ1Njc4OWFi"
STANDARD_ID = "msg_2abc"
STANDARD_TS = 1776791112
STANDARD_BODY = b'{"id":"EV123","apiVersion":"2026-03-30","type":"message.received","data":{}}'
STANDARD_SIGNATURE = "v1,yOnbAtg7qJ3BHB/L0HkdQMa02ehrBK01nceVpJqfmE4="
STANDARD_SIGNED_AT = datetime.fromtimestamp(STANDARD_TS, tz=UTC)


def standard_headers(**overrides: str) -> dict[str, str]:
    return {
        "webhook-id": STANDARD_ID,
        "webhook-timestamp": str(STANDARD_TS),
        "webhook-signature": STANDARD_SIGNATURE,
    } | overrides


@pytest.fixture
def legacy() -> LegacySignatureVerifier:
    return LegacySignatureVerifier(LEGACY_KEY)


@pytest.fixture
def standard() -> StandardWebhookVerifier:
    return StandardWebhookVerifier(STANDARD_SECRET)


def test_the_legacy_worked_example_verifies(legacy: LegacySignatureVerifier) -> None:
    delivery = legacy.verify(
        LEGACY_BODY, {"openphone-signature": LEGACY_HEADER}, now=LEGACY_SIGNED_AT
    )

    assert delivery == VerifiedDelivery(scheme=SignatureScheme.LEGACY, signed_at=LEGACY_SIGNED_AT)


def test_the_fake_signs_the_legacy_worked_example_identically() -> None:
    body, headers = signed_legacy_webhook(LEGACY_BODY, LEGACY_KEY, LEGACY_TS_MS)

    assert body == LEGACY_BODY
    assert headers["openphone-signature"] == LEGACY_HEADER


def test_the_standard_worked_example_verifies(standard: StandardWebhookVerifier) -> None:
    delivery = standard.verify(STANDARD_BODY, standard_headers(), now=STANDARD_SIGNED_AT)

    assert delivery == VerifiedDelivery(
        scheme=SignatureScheme.STANDARD_WEBHOOKS,
        signed_at=STANDARD_SIGNED_AT,
        delivery_id=STANDARD_ID,
    )


def test_the_fake_signs_the_standard_worked_example_identically() -> None:
    body, headers = signed_standard_webhook(
        STANDARD_BODY, STANDARD_SECRET, now_s=STANDARD_TS, webhook_id=STANDARD_ID
    )

    assert body == STANDARD_BODY
    assert headers["webhook-signature"] == STANDARD_SIGNATURE
    assert headers["webhook-timestamp"] == "1776791112"


def test_headers_are_found_whatever_their_case(legacy: LegacySignatureVerifier) -> None:
    legacy.verify(LEGACY_BODY, {"OpenPhone-Signature": LEGACY_HEADER}, now=LEGACY_SIGNED_AT)


def expect(problem: SignatureProblem) -> pytest.RaisesExc[WebhookSignatureError]:
    return pytest.raises(WebhookSignatureError, match=f"^{problem.value}: ")


def test_a_tampered_legacy_body_is_rejected(legacy: LegacySignatureVerifier) -> None:
    tampered = LEGACY_BODY.replace(b'"body":"Hello"', b'"body":"Unlock"')

    with expect(SignatureProblem.BAD_SIGNATURE) as caught:
        legacy.verify(tampered, {"openphone-signature": LEGACY_HEADER}, now=LEGACY_SIGNED_AT)

    assert caught.value.reason is SignatureProblem.BAD_SIGNATURE


def test_a_tampered_standard_body_is_rejected(standard: StandardWebhookVerifier) -> None:
    tampered = STANDARD_BODY.replace(b"EV123", b"EV124")

    with expect(SignatureProblem.BAD_SIGNATURE):
        standard.verify(tampered, standard_headers(), now=STANDARD_SIGNED_AT)


def test_a_legacy_signature_under_another_key_is_rejected() -> None:
    verifier = LegacySignatureVerifier("b3RoZXIta2V5")

    with expect(SignatureProblem.BAD_SIGNATURE):
        verifier.verify(LEGACY_BODY, {"openphone-signature": LEGACY_HEADER}, now=LEGACY_SIGNED_AT)


def test_a_replayed_legacy_timestamp_is_rejected(legacy: LegacySignatureVerifier) -> None:
    # The same signature with its timestamp moved on fails: the time is signed too.
    moved = LEGACY_HEADER.replace(str(LEGACY_TS_MS), str(LEGACY_TS_MS + 1))

    with expect(SignatureProblem.BAD_SIGNATURE):
        legacy.verify(LEGACY_BODY, {"openphone-signature": moved}, now=LEGACY_SIGNED_AT)


@pytest.mark.parametrize(
    "offset", [timedelta(minutes=5, milliseconds=1), -timedelta(minutes=5, milliseconds=1)]
)
def test_a_legacy_timestamp_outside_the_tolerance_is_stale(
    legacy: LegacySignatureVerifier, offset: timedelta
) -> None:
    with expect(SignatureProblem.STALE_TIMESTAMP):
        legacy.verify(
            LEGACY_BODY, {"openphone-signature": LEGACY_HEADER}, now=LEGACY_SIGNED_AT + offset
        )


def test_a_legacy_timestamp_at_the_edge_of_the_tolerance_passes(
    legacy: LegacySignatureVerifier,
) -> None:
    legacy.verify(
        LEGACY_BODY,
        {"openphone-signature": LEGACY_HEADER},
        now=LEGACY_SIGNED_AT + timedelta(minutes=5),
    )


@pytest.mark.parametrize("offset", [timedelta(seconds=301), -timedelta(seconds=301)])
def test_a_standard_timestamp_outside_the_tolerance_is_stale(
    standard: StandardWebhookVerifier, offset: timedelta
) -> None:
    with expect(SignatureProblem.STALE_TIMESTAMP):
        standard.verify(STANDARD_BODY, standard_headers(), now=STANDARD_SIGNED_AT + offset)


def test_the_tolerance_is_configurable() -> None:
    strict = StandardWebhookVerifier(STANDARD_SECRET, tolerance=timedelta(seconds=10))

    with expect(SignatureProblem.STALE_TIMESTAMP):
        strict.verify(
            STANDARD_BODY, standard_headers(), now=STANDARD_SIGNED_AT + timedelta(seconds=11)
        )


def test_a_missing_legacy_header_is_reported(legacy: LegacySignatureVerifier) -> None:
    with expect(SignatureProblem.MISSING_HEADER):
        legacy.verify(LEGACY_BODY, {}, now=LEGACY_SIGNED_AT)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "hmac;1;1639710054089",
        "hmac;2;1639710054089;xd6Y9yabjRpfSR5dTMdbdBJP1dre9f7YeXKuyt6In5w=",
        "sha1;1;1639710054089;xd6Y9yabjRpfSR5dTMdbdBJP1dre9f7YeXKuyt6In5w=",
        "hmac;1;yesterday;xd6Y9yabjRpfSR5dTMdbdBJP1dre9f7YeXKuyt6In5w=",
        "hmac;1;-1639710054089;xd6Y9yabjRpfSR5dTMdbdBJP1dre9f7YeXKuyt6In5w=",
        "hmac;1;1639710054089;not base64!",
        "hmac;1;1639710054089;xd6Y9yabjRpfSR5dTMdbdBJP1dre9f7YeXKuyt6In5w=;extra",
    ],
)
def test_a_malformed_legacy_header_is_reported(legacy: LegacySignatureVerifier, value: str) -> None:
    with expect(SignatureProblem.MALFORMED_HEADER):
        legacy.verify(LEGACY_BODY, {"openphone-signature": value}, now=LEGACY_SIGNED_AT)


def test_a_correctly_signed_impossible_time_is_malformed(legacy: LegacySignatureVerifier) -> None:
    body, headers = signed_legacy_webhook(LEGACY_BODY, LEGACY_KEY, 10**19)

    with expect(SignatureProblem.MALFORMED_HEADER):
        legacy.verify(body, headers, now=LEGACY_SIGNED_AT)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_each_missing_standard_header_is_named(
    standard: StandardWebhookVerifier, missing: str
) -> None:
    headers = standard_headers()
    del headers[missing]

    with expect(SignatureProblem.MISSING_HEADER) as caught:
        standard.verify(STANDARD_BODY, headers, now=STANDARD_SIGNED_AT)

    assert missing in str(caught.value)


@pytest.mark.parametrize(
    "overrides",
    [
        {"webhook-timestamp": "soon"},
        {"webhook-timestamp": "1776791112.5"},
        {"webhook-timestamp": "9" * 30},
        {"webhook-signature": "yOnbAtg7qJ3BHB/L0HkdQMa02ehrBK01nceVpJqfmE4="},
        {"webhook-signature": "v2,yOnbAtg7qJ3BHB/L0HkdQMa02ehrBK01nceVpJqfmE4="},
        {"webhook-signature": "v1,***"},
    ],
)
def test_malformed_standard_headers_are_reported(
    standard: StandardWebhookVerifier, overrides: dict[str, str]
) -> None:
    with expect(SignatureProblem.MALFORMED_HEADER):
        standard.verify(STANDARD_BODY, standard_headers(**overrides), now=STANDARD_SIGNED_AT)


def test_any_matching_signature_among_several_passes(standard: StandardWebhookVerifier) -> None:
    # During key rotation the sender signs with old and new keys side by side.
    rotating = f"v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1a,zzz {STANDARD_SIGNATURE}"

    standard.verify(
        STANDARD_BODY, standard_headers(**{"webhook-signature": rotating}), now=STANDARD_SIGNED_AT
    )


def test_a_body_that_is_not_utf8_cannot_match(standard: StandardWebhookVerifier) -> None:
    with expect(SignatureProblem.BAD_SIGNATURE):
        standard.verify(b"\xff\xfe", standard_headers(), now=STANDARD_SIGNED_AT)


def test_the_combined_verifier_picks_the_scheme_by_its_headers(
    legacy: LegacySignatureVerifier, standard: StandardWebhookVerifier
) -> None:
    verifier = WebhookVerifier(legacy=legacy, standard=standard)

    old = verifier.verify(LEGACY_BODY, {"openphone-signature": LEGACY_HEADER}, now=LEGACY_SIGNED_AT)
    new = verifier.verify(STANDARD_BODY, standard_headers(), now=STANDARD_SIGNED_AT)

    assert (old.scheme, new.scheme) == (SignatureScheme.LEGACY, SignatureScheme.STANDARD_WEBHOOKS)


def test_the_combined_verifier_refuses_a_scheme_without_a_key(
    legacy: LegacySignatureVerifier,
) -> None:
    verifier = WebhookVerifier(legacy=legacy)

    with expect(SignatureProblem.MISSING_HEADER) as caught:
        verifier.verify(STANDARD_BODY, standard_headers(), now=STANDARD_SIGNED_AT)

    assert "openphone-signature" in str(caught.value)


def test_keys_are_checked_when_configured_and_never_shown() -> None:
    with pytest.raises(ConfigurationError, match="not base64"):
        LegacySignatureVerifier("not base64!")
    with pytest.raises(ConfigurationError, match="whsec_"):
        StandardWebhookVerifier("whsec_")

    assert LEGACY_KEY not in repr(LegacySignatureVerifier(LEGACY_KEY))
    assert STANDARD_SECRET not in repr(StandardWebhookVerifier(STANDARD_SECRET))
