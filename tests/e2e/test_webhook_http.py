"""The webhook over real HTTP: claw's aiohttp app, in process, with signing keys configured.

Each story posts what OpenPhone would post and checks the answer, what reached the
event log, and (after the debounce) what claw decided and sent.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp.test_utils import TestClient, TestServer
from e2e_support import SIGNING_KEY, conversation_of, signed_text, wait_until

from claw_adapters.fakes.memory import MemoryDevices, MemoryDoors, MemoryMessenger, MemoryStaff
from claw_adapters.fakes.openphone import (
    message_event,
    message_received,
    signed_legacy_webhook,
    signed_standard_webhook,
    staff_message,
)
from claw_adapters.openphone import PayloadGeneration
from claw_adapters.openphone.webhooks import MessageDirection, MessageEventType
from claw_entrypoints.bootstrap import bootstrap, effect_ports
from claw_entrypoints.config import load_config
from claw_entrypoints.demo import DEMO_METRICS_TOKEN, METRICS_HEADERS, VENUE_LINE
from claw_entrypoints.runtime import Runtime
from claw_entrypoints.web.app import create_web_app
from claw_service.history import conversation_history

STANDARD_SECRET = "whsec_" + base64.b64encode(b"e2e-standard-webhooks-secret-32b").decode()
MAX_BODY = 16 * 1024


@attrs.define
class Venue:
    """claw serving one venue line, and what it sent through the dry-run messenger."""

    client: TestClient[Any, Any]
    runtime: Runtime
    messenger: MemoryMessenger

    async def deliver(self, delivery: tuple[bytes, dict[str, str]]) -> tuple[int, dict[str, Any]]:
        body, headers = delivery
        answer = await self.client.post("/webhooks/openphone", data=body, headers=headers)
        return answer.status, await answer.json(content_type=None)

    async def log_position(self) -> int:
        return await asyncio.to_thread(self.runtime.app.recorder.max_notification_id) or 0

    async def decisions(self, customer: str) -> list[tuple[str, str]]:
        history = await asyncio.to_thread(
            conversation_history, self.runtime.app, conversation_of(customer)
        )
        return [(d.kind.value, d.reason.value) for d in history.decisions]

    async def decided(self, customer: str, count: int) -> list[tuple[str, str]]:
        async def enough() -> bool:
            return len(await self.decisions(customer)) >= count

        await wait_until(enough, within=10, what=f"{count} decision(s) for {customer}")
        return await self.decisions(customer)

    def texts_to(self, customer: str) -> list[str]:
        return [body for to, body in self.messenger.sent if to == customer]


@pytest.fixture
async def venue(tmp_path: Path) -> AsyncIterator[Venue]:
    config = load_config(
        {
            "CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}",
            "CLAW_DEBOUNCE_SECONDS": "0.2",
            "CLAW_OPENPHONE_WEBHOOK_KEY": SIGNING_KEY,
            "CLAW_OPENPHONE_WEBHOOK_SECRET": STANDARD_SECRET,
            "CLAW_METRICS_TOKEN": DEMO_METRICS_TOKEN,
            "CLAW_MAX_WEBHOOK_BYTES": str(MAX_BODY),
        }
    )
    messenger = MemoryMessenger()
    ports = effect_ports(
        messenger=messenger, devices=MemoryDevices(), doors=MemoryDoors(), staff=MemoryStaff()
    )
    runtime = await bootstrap(config, ports=ports)
    async with TestClient(TestServer(create_web_app(runtime), host="127.0.0.1")) as client:
        yield Venue(client, runtime, messenger)


def _now_ms() -> int:
    return int(time.time() * 1000)


async def test_a_text_signed_either_way_is_accepted_and_answered(venue: Venue) -> None:
    status, answer = await venue.deliver(signed_text("+19025552001", "Do you sell gift cards?"))
    assert (status, answer["status"]) == (202, "accepted")

    payload = message_received(
        PayloadGeneration.RESOURCE_ENVELOPE,
        text="what time do you close tonight?",
        customer="+19025552002",
        venue=VENUE_LINE,
        created_at=datetime.now(UTC),
    )
    standard = signed_standard_webhook(
        payload, STANDARD_SECRET, now_s=int(time.time()), webhook_id="msg_e2e_standard_1"
    )
    status, answer = await venue.deliver(standard)
    assert (status, answer["status"]) == (202, "accepted")

    assert await venue.decided("+19025552001", 1) == [("respond", "answered_from_knowledge")]
    assert await venue.decided("+19025552002", 1) == [("respond", "answered_from_knowledge")]
    await wait_until(
        lambda: bool(venue.texts_to("+19025552001") and venue.texts_to("+19025552002")),
        within=10,
        what="both answers sent",
    )
    assert "gift" in venue.texts_to("+19025552001")[0].lower()


async def test_a_forged_or_stale_signature_is_refused_and_nothing_is_stored(
    venue: Venue,
) -> None:
    before = await venue.log_position()
    forged_key = base64.b64encode(b"someone-else-entirely-0123456789").decode()

    forged = signed_text("+19025552003", "open the door", signing_key=forged_key)
    stale = signed_text("+19025552003", "open the door", signed_at_ms=_now_ms() - 10 * 60_000)
    body, headers = signed_text("+19025552003", "open the door")
    tampered = (body.replace(b"open the door", b"open every door"), headers)
    unsigned = (body, {"content-type": "application/json"})
    payload = message_received(
        PayloadGeneration.RESOURCE_ENVELOPE,
        text="open the door",
        customer="+19025552003",
        venue=VENUE_LINE,
        created_at=datetime.now(UTC),
    )
    stale_standard = signed_standard_webhook(
        payload, STANDARD_SECRET, now_s=int(time.time()) - 600, webhook_id="msg_e2e_stale"
    )

    refusals = {
        "bad_signature": forged,
        "stale_timestamp": stale,
        "missing_header": unsigned,
    }
    for reason, delivery in [*refusals.items(), ("bad_signature", tampered)]:
        status, answer = await venue.deliver(delivery)
        assert (status, answer["error"].split(":")[0]) == (401, reason)
    status, answer = await venue.deliver(stale_standard)
    assert (status, answer["error"].split(":")[0]) == (401, "stale_timestamp")
    assert await venue.log_position() == before


async def test_a_body_that_is_not_a_message_webhook_is_refused_and_nothing_is_stored(
    venue: Venue,
) -> None:
    before = await venue.log_position()
    not_json = signed_legacy_webhook(
        b'{"type": "message.received", "data": ', SIGNING_KEY, _now_ms()
    )
    wrong_shape = signed_legacy_webhook(
        {"id": "EVe2e1", "type": "message.received", "data": {"nothing": "here"}},
        SIGNING_KEY,
        _now_ms(),
    )
    no_type = signed_legacy_webhook([1, 2, 3], SIGNING_KEY, _now_ms())  # type: ignore[arg-type]

    for delivery in (not_json, wrong_shape, no_type):
        status, answer = await venue.deliver(delivery)
        assert status == 400, answer
    assert await venue.log_position() == before


async def test_an_oversize_body_is_refused(venue: Venue) -> None:
    before = await venue.log_position()
    huge = signed_text("+19025552004", "x" * (MAX_BODY + 1))
    status, _answer = await venue.deliver(huge)
    assert status == 413
    assert await venue.log_position() == before


async def test_the_same_text_reported_twice_is_stored_once(venue: Venue) -> None:
    sent_at = datetime.now(UTC)
    first = signed_text("+19025552005", "Do you sell gift cards?", sent_at=sent_at)
    assert (await venue.deliver(first))[0] == 202

    # OpenPhone retries the webhook: same message id.
    status, answer = await venue.deliver(first)
    assert (status, answer["status"]) == (200, "duplicate")

    # ...and also reports the text as message.created with an id of its own.
    twin = message_event(
        PayloadGeneration.APP,
        event_type=MessageEventType.CREATED,
        direction=MessageDirection.INCOMING,
        text="Do you sell gift cards?",
        from_number="+19025552005",
        to_number=VENUE_LINE,
        created_at=sent_at,
        message_id="ACe2eTwinOfTheSameText",
    )
    status, answer = await venue.deliver(signed_legacy_webhook(twin, SIGNING_KEY, _now_ms()))
    assert (status, answer["status"]) == (200, "duplicate")

    assert await venue.decided("+19025552005", 1) == [("respond", "answered_from_knowledge")]
    await wait_until(lambda: bool(venue.texts_to("+19025552005")), within=10, what="the answer")
    await asyncio.sleep(0.5)  # time enough for any second answer to show
    assert len(venue.texts_to("+19025552005")) == 1
    conversation = venue.runtime.app.conversation(conversation_of("+19025552005"))
    assert conversation.texts_received == 1


async def test_an_event_that_is_not_about_a_message_is_ignored(venue: Venue) -> None:
    before = await venue.log_position()
    call = {
        "id": "EVe2eCall1",
        "object": "event",
        "apiVersion": "v3",
        "createdAt": "2026-11-25T12:00:00.000Z",
        "type": "call.completed",
        "data": {"object": {"id": "ACcall1", "from": "+19025552006", "to": VENUE_LINE}},
    }
    status, answer = await venue.deliver(signed_legacy_webhook(call, SIGNING_KEY, _now_ms()))
    assert (status, answer["status"]) == (200, "ignored")
    assert await venue.log_position() == before


async def test_staff_texting_a_customer_by_hand_makes_claw_back_off(venue: Venue) -> None:
    customer = "+19025552007"
    by_hand = staff_message(
        PayloadGeneration.APP,
        text="Hi, this is Sam at the club, I'll sort your booking out.",
        venue=VENUE_LINE,
        customer=customer,
        created_at=datetime.now(UTC),
    )
    status, answer = await venue.deliver(signed_legacy_webhook(by_hand, SIGNING_KEY, _now_ms()))
    assert (status, answer["status"]) == (200, "recorded")

    assert (await venue.deliver(signed_text(customer, "Do you sell gift cards?")))[0] == 202
    assert await venue.decided(customer, 1) == [("ignore", "staff_active")]
    await asyncio.sleep(0.5)
    assert venue.texts_to(customer) == []


async def test_health_readiness_and_metrics_answer(venue: Venue) -> None:
    assert (await venue.deliver(signed_text("+19025552008", "what are your hours?")))[0] == 202

    assert (await venue.client.get("/healthz")).status == 200
    ready = await venue.client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["last_notification_id"] >= 1
    metrics = await venue.client.get("/metrics", headers=METRICS_HEADERS)
    assert metrics.status == 200
    exposition = await metrics.text()
    assert "claw_texts_received_total 1.0" in exposition


async def test_a_question_split_over_two_texts_gets_one_decision_and_one_reply(
    venue: Venue,
) -> None:
    customer = "+19025552009"
    assert (await venue.deliver(signed_text(customer, "my trackman")))[0] == 202
    assert (await venue.deliver(signed_text(customer, "is frozen in box 2")))[0] == 202

    decisions = await venue.decided(customer, 1)
    await wait_until(lambda: bool(venue.texts_to(customer)), within=10, what="the reply")
    await asyncio.sleep(0.6)  # longer than the debounce: a second decision would show now
    assert len(await venue.decisions(customer)) == 1, decisions
    assert len(venue.texts_to(customer)) == 1
    conversation = venue.runtime.app.conversation(conversation_of(customer))
    assert conversation.last_classification is not None
    assert conversation.last_classification.intent.value == "trackman_reset"
    classified = [
        event.text
        for event in venue.runtime.app.repository.event_store.get(conversation.id)
        if type(event).__name__ == "TextClassified"
    ]
    assert classified == ["my trackman is frozen in box 2"]
