"""Every generation of OpenPhone's message webhooks becomes one value."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claw_adapters.fakes.openphone import (
    encode_payload,
    message_event,
    message_received,
    staff_message,
)
from claw_adapters.openphone import (
    IgnoredWebhook,
    IgnoreReason,
    MalformedWebhookError,
    MessageDirection,
    MessageEventType,
    PayloadGeneration,
    WebhookMessage,
    normalise_webhook,
    parse_webhook,
)
from claw_domain.values import InboundText

# CONTRACTS.md section 1, webhook (A).
APP_V3_EXAMPLE = (
    b'{"id":"EVc67ec998b35c41d388af50799aeeba3e","object":"event","apiVersion":"v3",'
    b'"createdAt":"2022-01-23T16:55:52.557Z","type":"message.received","data":{"object":'
    b'{"id":"AC24a8b8321c4f4cf2be110f4250793d51","object":"message","from":"+19876543210",'
    b'"to":"+15555555555","direction":"incoming","body":"Hello","media":[],"status":"received",'
    b'"createdAt":"2022-01-23T16:55:52.420Z","userId":"USu5AsEHuQ","phoneNumberId":"PNtoDbDhuz",'
    b'"conversationId":"CN78ba0373683c48fd8fd96bc836c51f79"}}}'
)
# CONTRACTS.md section 1, the v4 message object, inside the same event envelope.
API_V4_EXAMPLE = {
    "id": "EVv4example",
    "object": "event",
    "apiVersion": "v4",
    "createdAt": "2024-05-01T10:00:00.100Z",
    "type": "message.received",
    "data": {
        "object": {
            "id": "ACv4example",
            "object": "message",
            "from": "+19876543210",
            "to": ["+15555555555"],
            "direction": "incoming",
            "text": "Hello, world!",
            "status": "delivered",
            "createdAt": "2024-05-01T10:00:00.000Z",
            "userId": "USu5AsEHuQ",
            "phoneNumberId": "PNtoDbDhuz",
            "contactIds": ["CT1"],
        }
    },
}
CUSTOMER = "+15555550123"
VENUE = "+15550100000"
WHEN = datetime(2026, 4, 21, 17, 5, 12, 345000, tzinfo=UTC)


def test_the_documented_app_webhook_is_read() -> None:
    message = parse_webhook(APP_V3_EXAMPLE)

    assert message == WebhookMessage(
        event_id="EVc67ec998b35c41d388af50799aeeba3e",
        event_type=MessageEventType.RECEIVED,
        generation=PayloadGeneration.APP,
        message_id="AC24a8b8321c4f4cf2be110f4250793d51",
        direction=MessageDirection.INCOMING,
        from_number="+19876543210",
        to_numbers=("+15555555555",),
        text="Hello",
        created_at=datetime(2022, 1, 23, 16, 55, 52, 420000, tzinfo=UTC),
        phone_number_id="PNtoDbDhuz",
        user_id="USu5AsEHuQ",
        conversation_id="CN78ba0373683c48fd8fd96bc836c51f79",
        status="received",
    )


def test_the_documented_v4_message_is_read() -> None:
    message = normalise_webhook(API_V4_EXAMPLE)

    assert isinstance(message, WebhookMessage)
    assert message.generation is PayloadGeneration.API_V4
    assert (message.text, message.to_numbers) == ("Hello, world!", ("+15555555555",))
    assert message.conversation_id is None


def test_an_incoming_message_becomes_the_domains_inbound_text() -> None:
    message = parse_webhook(APP_V3_EXAMPLE)
    assert isinstance(message, WebhookMessage)

    inbound = message.to_inbound_text(correlation_id="req-1")

    assert inbound == InboundText(
        message_id="AC24a8b8321c4f4cf2be110f4250793d51",
        venue_line="+15555555555",
        customer_number="+19876543210",
        body="Hello",
        sent_at=datetime(2022, 1, 23, 16, 55, 52, 420000, tzinfo=UTC),
        correlation_id="req-1",
    )


@pytest.mark.parametrize("generation", list(PayloadGeneration))
def test_every_generation_reads_the_same_customer_text(generation: PayloadGeneration) -> None:
    payload = message_received(
        generation, text="Is bay 2 free?", customer=CUSTOMER, venue=VENUE, created_at=WHEN
    )

    message = parse_webhook(encode_payload(payload))

    assert isinstance(message, WebhookMessage)
    assert message.generation is generation
    assert message.event_type is MessageEventType.RECEIVED
    assert message.direction is MessageDirection.INCOMING
    assert (message.customer_number, message.venue_number) == (CUSTOMER, VENUE)
    assert message.text == "Is bay 2 free?"
    assert message.created_at == WHEN
    assert message.phone_number_id == "PNfakeVenue1"
    assert message.conversation_id == (
        None if generation is PayloadGeneration.API_V4 else "CNfakeConversation1"
    )
    assert message.to_inbound_text().body == "Is bay 2 free?"


@pytest.mark.parametrize("generation", list(PayloadGeneration))
def test_a_text_staff_sent_by_hand_is_recognised_as_outgoing(
    generation: PayloadGeneration,
) -> None:
    payload = staff_message(
        generation, text="On my way to reset it", venue=VENUE, customer=CUSTOMER, created_at=WHEN
    )

    message = normalise_webhook(payload)

    assert isinstance(message, WebhookMessage)
    assert message.direction is MessageDirection.OUTGOING
    assert not message.is_incoming
    assert (message.customer_number, message.venue_number) == (CUSTOMER, VENUE)
    with pytest.raises(ValueError, match="outgoing"):
        message.to_inbound_text()


def test_an_inbound_text_reported_as_message_created_is_still_incoming() -> None:
    # OpenPhone reports some inbound texts twice: received and created, with other ids.
    payload = message_event(
        PayloadGeneration.APP,
        event_type=MessageEventType.CREATED,
        direction=MessageDirection.INCOMING,
        text="Yes",
        from_number=CUSTOMER,
        to_number=VENUE,
        created_at=WHEN,
    )

    message = normalise_webhook(payload)

    assert isinstance(message, WebhookMessage)
    assert (message.event_type, message.direction) == (
        MessageEventType.CREATED,
        MessageDirection.INCOMING,
    )


def test_a_missing_direction_is_implied_by_the_event_type() -> None:
    payload = message_received(
        PayloadGeneration.RESOURCE_ENVELOPE,
        text="Hi",
        customer=CUSTOMER,
        venue=VENUE,
        created_at=WHEN,
    )
    del payload["data"]["resource"]["direction"]  # type: ignore[index]

    message = normalise_webhook(payload)

    assert isinstance(message, WebhookMessage)
    assert message.direction is MessageDirection.INCOMING


def test_a_group_text_keeps_every_recipient() -> None:
    payload = copy.deepcopy(API_V4_EXAMPLE)
    payload["data"]["object"]["to"] = ["+15555555555", "+15555550199"]  # type: ignore[index]

    message = normalise_webhook(payload)

    assert isinstance(message, WebhookMessage)
    assert message.to_numbers == ("+15555555555", "+15555550199")
    assert message.venue_number == "+15555555555"


def test_a_picture_without_words_has_empty_text_and_its_media() -> None:
    payload = json.loads(APP_V3_EXAMPLE)
    payload["data"]["object"]["body"] = None
    payload["data"]["object"]["media"] = [
        {"url": "https://files.example/1.jpg", "type": "image/jpeg"},
        {"type": "image/png"},
    ]

    message = normalise_webhook(payload)

    assert isinstance(message, WebhookMessage)
    assert message.text == ""
    assert message.media_urls == ("https://files.example/1.jpg",)


def test_a_2026_resource_may_carry_numbers_as_objects_and_ids_in_context() -> None:
    payload = {
        "id": "EVnew",
        "apiVersion": "2026-03-30",
        "createdAt": "2026-04-13T12:00:00.000Z",
        "type": "message.received",
        "data": {
            "resource": {
                "id": "ACnew",
                "from": {"phoneNumber": CUSTOMER},
                "to": [{"number": VENUE}],
                "body": "Door won't open",
            },
            "context": {"phoneNumberId": "PNctx", "conversationId": "CNctx"},
            "links": {"quo": None},
        },
    }

    message = normalise_webhook(payload)

    assert isinstance(message, WebhookMessage)
    assert (message.from_number, message.to_number) == (CUSTOMER, VENUE)
    assert message.text == "Door won't open"
    assert (message.phone_number_id, message.conversation_id) == ("PNctx", "CNctx")
    # No createdAt on the resource: the envelope's time stands in.
    assert message.created_at == datetime(2026, 4, 13, 12, 0, tzinfo=UTC)


def test_a_call_event_claw_cannot_read_is_ignored_not_refused() -> None:
    payload = {"id": "EVcall", "type": "call.completed", "data": {"object": {"anything": 1}}}

    result = normalise_webhook(payload)

    assert result == IgnoredWebhook(
        event_id="EVcall", event_type="call.completed", reason=IgnoreReason.UNREADABLE_CALL
    )


@pytest.mark.parametrize(
    "event_type", ["contact.updated", "call.summary.completed", "message.deleted"]
)
def test_other_events_are_recognisably_ignorable(event_type: str) -> None:
    payload = {"id": "EVcall", "type": event_type, "data": {"object": {"anything": 1}}}

    result = normalise_webhook(payload)

    assert result == IgnoredWebhook(
        event_id="EVcall", event_type=event_type, reason=IgnoreReason.NOT_A_MESSAGE_EVENT
    )


def _with(path: str, value: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(APP_V3_EXAMPLE)
    *parents, leaf = path.split(".")
    node = payload
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[leaf]
    else:
        node[leaf] = value
    return payload


_DELETE = object()


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ([], "the payload: expected an object, got a list"),
        ({}, "type: missing or empty"),
        (_with("type", 7), "type: expected a string, got a number"),
        (_with("id", _DELETE), "id: missing or empty"),
        (_with("data", _DELETE), "data: missing"),
        (_with("data", "x"), "data: expected an object, got a string"),
        (_with("data.object", None), "data: expected an 'object'"),
        (_with("data.object.id", ""), "data.object.id: missing or empty"),
        (_with("data.object.from", None), "data.object.from: missing or empty"),
        (_with("data.object.to", []), "data.object.to: empty list"),
        (_with("data.object.to", [5]), "data.object.to.0: expected a string, got a number"),
        (_with("data.object.body", {"a": 1}), "data.object.body: expected a string, got an object"),
        (_with("data.object.direction", "sideways"), "expected 'incoming' or 'outgoing'"),
        (_with("data.object.createdAt", "yesterday"), "data.object.createdAt: expected an ISO"),
        (_with("data.object.createdAt", "2022-01-23T16:55:52"), "with a zone"),
        (_with("data.object.media", "pic"), "data.object.media: expected a list"),
    ],
)
def test_malformed_payloads_say_what_was_wrong_in_one_line(payload: Any, complaint: str) -> None:
    with pytest.raises(MalformedWebhookError) as caught:
        normalise_webhook(payload)

    assert complaint in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_2026_worked_example_body_has_no_message_to_read() -> None:
    body = b'{"id":"EV123","apiVersion":"2026-03-30","type":"message.received","data":{}}'

    with pytest.raises(MalformedWebhookError, match="resource"):
        parse_webhook(body)


def test_a_missing_direction_on_message_created_cannot_be_guessed() -> None:
    payload = _with("data.object.direction", _DELETE)
    payload["type"] = "message.created"

    with pytest.raises(MalformedWebhookError, match="does not imply one"):
        normalise_webhook(payload)


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b"[" * 100_000, b'{"a":1'])
def test_bodies_that_are_not_json_are_malformed(body: bytes) -> None:
    with pytest.raises(MalformedWebhookError, match="not JSON"):
        parse_webhook(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
message_keys = st.sampled_from(
    [
        "id",
        "type",
        "data",
        "object",
        "resource",
        "context",
        "from",
        "to",
        "text",
        "body",
        "direction",
        "createdAt",
        "media",
        "phoneNumberId",
        "conversationId",
        "phoneNumber",
    ]
)


@given(json_values)
def test_any_json_is_read_or_refused_as_malformed(payload: object) -> None:
    try:
        result = normalise_webhook(payload)
    except MalformedWebhookError:
        return
    assert isinstance(result, WebhookMessage | IgnoredWebhook)


@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_as_malformed(body: bytes) -> None:
    try:
        result = parse_webhook(body)
    except MalformedWebhookError:
        return
    assert isinstance(result, WebhookMessage | IgnoredWebhook)


@given(
    st.sampled_from(list(PayloadGeneration)),
    st.lists(message_keys, min_size=1, max_size=4),
    json_values,
)
def test_a_damaged_real_payload_is_read_or_refused_as_malformed(
    generation: PayloadGeneration, path: list[str], replacement: object
) -> None:
    # Random JSON rarely looks like a message; damaging a real one reaches the deep paths.
    payload: Any = message_received(
        generation, text="Hi", customer=CUSTOMER, venue=VENUE, created_at=WHEN
    )
    node = payload
    for key in path[:-1]:
        child = node.get(key) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            break
        node = child
    node[path[-1]] = replacement
    try:
        result = normalise_webhook(payload)
    except MalformedWebhookError:
        return
    assert isinstance(result, WebhookMessage | IgnoredWebhook)
