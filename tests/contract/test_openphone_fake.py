"""The fake OpenPhone itself: it must hold to the contract the client is tested against."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from yarl import URL

from claw_adapters.fakes.openphone import (
    VALIDATION_ERROR_CODE,
    FakeOpenPhone,
    message_received,
    signed_legacy_webhook,
    signed_standard_webhook,
    staff_message,
)
from claw_adapters.openphone import (
    LegacySignatureVerifier,
    PayloadGeneration,
    StandardWebhookVerifier,
    WebhookMessage,
    WebhookVerifier,
    parse_webhook,
)

CUSTOMER = "+15555550123"
WHEN = datetime(2026, 4, 21, 17, 5, 12, tzinfo=UTC)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenPhone]:
    async with FakeOpenPhone(clock=lambda: WHEN) as server:
        yield server


async def post(fake: FakeOpenPhone, payload: Any, key: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": fake.api_key if key is None else key}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}/v1/messages", json=payload, headers=headers) as response,
    ):
        return response.status, await response.json()


async def test_it_listens_on_loopback_with_an_ephemeral_port(fake: FakeOpenPhone) -> None:
    url = URL(fake.base_url)

    assert url.host == "127.0.0.1"
    assert url.port not in {None, 80, 443}


def test_it_refuses_to_listen_beyond_loopback() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        FakeOpenPhone(host="0.0.0.0")  # noqa: S104 - the point is that it is refused


def test_it_has_no_address_before_it_starts() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = FakeOpenPhone().base_url


async def test_an_accepted_text_answers_with_the_documented_shape(fake: FakeOpenPhone) -> None:
    status, document = await post(
        fake, {"content": "Hi", "from": fake.phone_number_id, "to": [CUSTOMER]}
    )

    assert status == 202
    assert document == {
        "data": {
            "id": "ACfake00000001",
            "to": [CUSTOMER],
            "from": fake.number,
            "text": "Hi",
            "phoneNumberId": fake.phone_number_id,
            "direction": "outgoing",
            "userId": fake.user_id,
            "status": "sent",
            "createdAt": "2026-04-21T17:05:12.000Z",
            "updatedAt": "2026-04-21T17:05:12.000Z",
        }
    }


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"content": " ", "from": "PNfakeVenue1", "to": [CUSTOMER]}, "content"),
        ({"content": "x" * 1601, "from": "PNfakeVenue1", "to": [CUSTOMER]}, "content"),
        ({"content": "Hi", "from": "venue", "to": [CUSTOMER]}, "from"),
        ({"content": "Hi", "from": "PNfakeVenue1", "to": CUSTOMER}, "to"),
        ({"content": "Hi", "from": "PNfakeVenue1", "to": [CUSTOMER, "+15555550124"]}, "to"),
        ({"content": "Hi", "from": "PNfakeVenue1", "to": ["555-0123"]}, "to"),
        ({"content": "Hi", "from": "PNfakeVenue1", "to": [CUSTOMER], "userId": "x"}, "userId"),
        (["not", "an", "object"], ""),
    ],
)
async def test_requests_that_break_the_schema_answer_400(
    fake: FakeOpenPhone, payload: Any, path: str
) -> None:
    status, document = await post(fake, payload)

    assert status == 400
    assert document["code"] == VALIDATION_ERROR_CODE
    assert [problem["path"] for problem in document["errors"]] == [path]
    assert fake.sent == []


async def test_a_wrong_key_answers_the_documented_401(fake: FakeOpenPhone) -> None:
    status, document = await post(
        fake, {"content": "Hi", "from": fake.phone_number_id, "to": [CUSTOMER]}, key="Bearer x"
    )

    assert status == 401
    assert (document["code"], document["title"], document["docs"]) == (
        "0200401",
        "Unauthorized",
        "https://openphone.com/docs",
    )


async def test_faults_are_used_up_in_order(fake: FakeOpenPhone) -> None:
    fake.rate_limit_next()
    fake.fail_next()
    message = {"content": "Hi", "from": fake.phone_number_id, "to": [CUSTOMER]}

    statuses = [(await post(fake, message))[0] for _ in range(3)]

    assert statuses == [429, 500, 202]
    assert [request.status for request in fake.requests] == statuses


async def test_stopping_releases_a_hung_request() -> None:
    fake = FakeOpenPhone(hang_seconds=3600)
    await fake.start()
    fake.hang_next()
    timeout = aiohttp.ClientTimeout(total=0.2)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with pytest.raises(TimeoutError):
            await session.post(
                f"{fake.base_url}/v1/messages",
                json={"content": "Hi", "from": fake.phone_number_id, "to": [CUSTOMER]},
                headers={"Authorization": fake.api_key},
            )

    await fake.stop()

    assert len(fake.sent) == 1


@pytest.mark.parametrize("generation", list(PayloadGeneration))
async def test_signed_webhooks_of_every_generation_pass_claws_checks(
    generation: PayloadGeneration,
) -> None:
    legacy_key = "c2lnbmluZy1rZXk="
    secret = "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM="
    verifier = WebhookVerifier(
        legacy=LegacySignatureVerifier(legacy_key), standard=StandardWebhookVerifier(secret)
    )
    payload = message_received(
        generation, text="Hi", customer=CUSTOMER, venue="+15550100000", created_at=WHEN
    )
    now = WHEN + timedelta(seconds=2)
    if generation is PayloadGeneration.RESOURCE_ENVELOPE:
        body, headers = signed_standard_webhook(
            payload, secret, now_s=int(now.timestamp()), webhook_id="msg_1"
        )
    else:
        body, headers = signed_legacy_webhook(payload, legacy_key, int(now.timestamp() * 1000))

    delivery = verifier.verify(body, headers, now=now)
    message = parse_webhook(body)

    assert delivery.signed_at == now
    assert isinstance(message, WebhookMessage)
    assert message.text == "Hi"


def test_payload_builders_are_deterministic_and_tell_events_apart() -> None:
    def received() -> dict[str, object]:
        return message_received(
            PayloadGeneration.APP,
            text="Hi",
            customer=CUSTOMER,
            venue="+15550100000",
            created_at=WHEN,
        )

    sent_back = staff_message(
        PayloadGeneration.APP, text="Hi", venue="+15550100000", customer=CUSTOMER, created_at=WHEN
    )

    assert received() == received()
    assert received()["id"] != sent_back["id"]
    assert sent_back["type"] == "message.created"
