"""Several OpenPhone lines, named in the knowledge: each on a location or the whole venue.

A text to a location's line is about that location; the reply goes out on the line the
customer texted; a text to a line the knowledge does not name is recorded and ignored.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from console_support import ConsoleUnderTest, console_on

from claw_adapters.fakes.memory import MemoryMessenger
from claw_adapters.fakes.openphone import message_event
from claw_adapters.knowledge.document import venue_of_document
from claw_adapters.knowledge.errors import KnowledgeFileError
from claw_adapters.openphone import PayloadGeneration
from claw_adapters.openphone.webhooks import MessageDirection, MessageEventType
from claw_domain.identity import conversation_id
from claw_domain.values import InboundText
from claw_service.knowledge import KnowledgeBook

DARTMOUTH_LINE = "+19025550300"
UNKNOWN_LINE = "+19025550999"
CUSTOMER = "+19025550177"


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[ConsoleUnderTest]:
    async with console_on(f"sqlite:///{tmp_path}/claw.db") as console:
        book = KnowledgeBook(console.runtime.app, venue_of_document)
        line = {"number": DARTMOUTH_LINE, "location": "dartmouth", "name": "Dartmouth door"}
        book.edit(("lines",), [line], "owner", datetime.now(UTC))
        version = book.publish_draft("owner", datetime.now(UTC)).version
        # This server takes the new version up on its own, within the follow interval.
        live = console.runtime.knowledge
        assert live is not None
        deadline = time.monotonic() + 3.0
        while live.follow() != version:
            assert time.monotonic() < deadline, "the new lines were not taken up"
            await asyncio.sleep(0.02)
        yield console


async def _text_to(console: ConsoleUnderTest, line: str, body: str) -> InboundText:
    now = console.clock.now()
    inbound = InboundText(
        message_id=f"msg-{line}-{body[:8]}",
        venue_line=line,
        customer_number=CUSTOMER,
        body=body,
        sent_at=now,
    )
    result = console.runtime.app.receive_text(inbound, now)
    await console.runtime.processor.process(result.conversation_id)
    return inbound


async def test_a_text_to_a_locations_line_is_about_that_location_and_answered_on_it(
    console: ConsoleUnderTest,
) -> None:
    await _text_to(console, DARTMOUTH_LINE, "the trackman in box 2 is frozen")
    conversation = console.runtime.app.conversation(conversation_id(DARTMOUTH_LINE, CUSTOMER))
    decision = conversation.last_decision
    assert decision is not None
    assert decision.opens is not None
    assert decision.opens.parameters.location == "dartmouth"
    assert decision.opens.parameters.device_id == "2052"

    await console.runtime.dispatcher.run_once()
    messenger = console.runtime.ports.messenger
    assert isinstance(messenger, MemoryMessenger)
    assert messenger.lines_used == [(DARTMOUTH_LINE, CUSTOMER)]


async def test_a_text_to_a_line_the_knowledge_does_not_name_is_recorded_and_ignored(
    console: ConsoleUnderTest,
) -> None:
    payload = message_event(
        PayloadGeneration.APP,
        event_type=MessageEventType.RECEIVED,
        direction=MessageDirection.INCOMING,
        text="what time do you close?",
        from_number=CUSTOMER,
        to_number=UNKNOWN_LINE,
        created_at=datetime.now(UTC),
    )
    answer = await console.client.post("/webhooks/openphone", data=json.dumps(payload).encode())
    assert answer.status == 200
    assert (await answer.json())["reason"] == "not_our_line"

    known = dict(payload)
    known["data"] = json.loads(json.dumps(payload["data"]).replace(UNKNOWN_LINE, DARTMOUTH_LINE))
    answer = await console.client.post("/webhooks/openphone", data=json.dumps(known).encode())
    assert answer.status == 202


async def test_a_line_on_a_location_that_does_not_exist_is_refused_where_it_is_written(
    console: ConsoleUnderTest,
) -> None:
    book = KnowledgeBook(console.runtime.app, venue_of_document)
    with pytest.raises(KnowledgeFileError, match=r"lines\[1\]\.location: unknown location"):
        book.edit(
            ("lines", 1), {"number": "+19025550301", "location": "halifax"}, "o", datetime.now(UTC)
        )
