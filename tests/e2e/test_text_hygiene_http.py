"""A customer text holding control characters, through the webhook, intake and the read side.

PostgreSQL's JSONB refuses U+0000: a NUL that reached an event froze every
projection behind it. Here such a text is posted to claw's app (in process, on
PostgreSQL) and the read side must reach the log head and show the text, cleaned.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp.test_utils import TestClient, TestServer
from e2e_support import SIGNING_KEY, conversation_of, signed_text, wait_until

from claw_adapters.fakes.memory import MemoryDevices, MemoryDoors, MemoryMessenger, MemoryStaff
from claw_entrypoints.bootstrap import bootstrap
from claw_entrypoints.config import load_config
from claw_entrypoints.runtime import Runtime
from claw_entrypoints.web.app import create_web_app
from claw_service.dispatcher import EffectPorts

pytestmark = pytest.mark.postgres


@attrs.define
class Served:
    client: TestClient[Any, Any]
    runtime: Runtime
    messenger: MemoryMessenger

    async def deliver(self, delivery: tuple[bytes, dict[str, str]]) -> tuple[int, dict[str, Any]]:
        body, headers = delivery
        answer = await self.client.post("/webhooks/openphone", data=body, headers=headers)
        return answer.status, await answer.json(content_type=None)

    def read_side_level(self) -> bool:
        head = self.runtime.app.recorder.max_notification_id() or 0
        return min(self.runtime.projector.positions().values()) >= head


@pytest.fixture
async def served(postgres_url: str, tmp_path: Path) -> AsyncIterator[Served]:
    config = load_config(
        {
            "CLAW_DATABASE_URL": postgres_url,
            "CLAW_DEBOUNCE_SECONDS": "0.2",
            "CLAW_OPENPHONE_WEBHOOK_KEY": SIGNING_KEY,
        }
    )
    messenger = MemoryMessenger()
    ports = EffectPorts(
        messenger=messenger, devices=MemoryDevices(), doors=MemoryDoors(), staff=MemoryStaff()
    )
    runtime = await bootstrap(config, ports=ports)
    async with TestClient(TestServer(create_web_app(runtime), host="127.0.0.1")) as client:
        yield Served(client, runtime, messenger)


async def test_a_text_holding_nul_is_answered_and_the_read_side_keeps_up(served: Served) -> None:
    customer = "+19025557001"
    status, answer = await served.deliver(signed_text(customer, "hello\u0000 what are your hours?"))
    assert (status, answer["status"]) == (202, "accepted")

    await wait_until(
        lambda: bool([body for to, body in served.messenger.sent if to == customer]),
        within=10,
        what="the answer to the text",
    )
    conversation = await asyncio.to_thread(
        served.runtime.app.conversation, conversation_of(customer)
    )
    assert [text.body for text in conversation.inbound] == ["hello what are your hours?"]

    # A later text from someone else must reach the read side too.
    status, _ = await served.deliver(signed_text("+19025557002", "do you sell gift cards?"))
    assert status == 202
    await wait_until(
        lambda: asyncio.to_thread(served.read_side_level),
        within=10,
        what="every projection at the log head",
    )
    row = await asyncio.to_thread(
        served.runtime.projector.store.get, "conversations", str(conversation_of(customer))
    )
    assert row is not None
    assert row["last_text"] == "hello what are your hours?"
