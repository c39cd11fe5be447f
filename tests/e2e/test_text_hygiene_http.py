"""A customer text holding control characters, through the webhook, intake and the read side.

PostgreSQL's JSONB refuses U+0000: a NUL that reached an event froze every
projection behind it. Here such a text is posted to claw's app (in process, on
PostgreSQL) and the read side must reach the log head and show the text, cleaned.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import attrs
import pytest
from aiohttp.test_utils import TestClient, TestServer
from e2e_support import SIGNING_KEY, conversation_of, signed_text, wait_until
from eventsourcing.persistence import StoredEvent

from claw_adapters.fakes.memory import MemoryDevices, MemoryDoors, MemoryMessenger, MemoryStaff
from claw_domain.users import Role
from claw_entrypoints.bootstrap import bootstrap, effect_ports
from claw_entrypoints.config import load_config
from claw_entrypoints.runtime import Runtime
from claw_entrypoints.web.api import add_console_routes
from claw_entrypoints.web.app import create_web_app
from claw_entrypoints.web.auth import CONSOLE, SESSION_COOKIE

pytestmark = pytest.mark.postgres
PASSWORD = "correct horse battery"


@attrs.define
class Served:
    client: TestClient[Any, Any]
    runtime: Runtime
    messenger: MemoryMessenger
    staff: MemoryStaff

    async def deliver(self, delivery: tuple[bytes, dict[str, str]]) -> tuple[int, dict[str, Any]]:
        body, headers = delivery
        answer = await self.client.post("/webhooks/openphone", data=body, headers=headers)
        return answer.status, await answer.json(content_type=None)

    def read_side_level(self) -> bool:
        head = self.runtime.app.recorder.max_notification_id() or 0
        return min(self.runtime.projector.positions().values()) >= head


@pytest.fixture
async def served(postgres_url: str) -> AsyncIterator[Served]:
    config = load_config(
        {
            "CLAW_DATABASE_URL": postgres_url,
            "CLAW_DEBOUNCE_SECONDS": "0.2",
            "CLAW_OPENPHONE_WEBHOOK_KEY": SIGNING_KEY,
        }
    )
    messenger, staff = MemoryMessenger(), MemoryStaff()
    ports = effect_ports(
        messenger=messenger, devices=MemoryDevices(), doors=MemoryDoors(), staff=staff
    )
    runtime = await bootstrap(config, ports=ports)
    app = create_web_app(runtime)
    add_console_routes(app, environ={"CLAW_SESSION_SECRET": "test-session-secret-" + "x" * 40})
    app[CONSOLE].accounts.add_user("ada", PASSWORD, Role.ADMIN, "test", datetime.now(UTC))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Served(client, runtime, messenger, staff)


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


async def test_an_event_the_read_side_cannot_fold_is_counted_shown_and_reported_once(
    served: Served,
) -> None:
    app = served.runtime.app
    status, _ = await served.deliver(signed_text("+19025557003", "what are your hours?"))
    assert status == 202
    await wait_until(lambda: asyncio.to_thread(served.read_side_level), within=10, what="level")
    # An event that no longer fits its class, as a bad migration or a bug would leave it.
    topic = next(
        n.topic
        for n in app.recorder.select_notifications(start=1, limit=100)
        if n.topic.endswith("TextReceived")
    )
    broken = StoredEvent(originator_id=uuid4(), originator_version=1, topic=topic, state=b"{")
    await asyncio.to_thread(app.recorder.insert_events, [broken])
    status, _ = await served.deliver(signed_text("+19025557004", "do you sell gift cards?"))
    assert status == 202

    await wait_until(lambda: asyncio.to_thread(served.read_side_level), within=10, what="level")
    await wait_until(lambda: bool(served.staff.alerts), within=10, what="the staff alert")
    exposition = served.runtime.metrics.render().decode()
    assert 'claw_projection_failures_total{projection="conversations"} 1.0' in exposition
    answer = await served.client.post("/api/login", json={"name": "ada", "password": PASSWORD})
    assert answer.status == 200
    # The session cookie is Secure: sent by hand over the test's plain HTTP.
    session = answer.cookies[SESSION_COOKIE].value
    headers = {"Cookie": f"{SESSION_COOKIE}={session}"}
    status_page = await (await served.client.get("/api/status", headers=headers)).json()
    skipped = {(item["projection"], item["event"]) for item in status_page["skipped_events"]}
    assert ("conversations", "TextReceived") in skipped
    # Once: more texts and more ticks bring no second alert.
    status, _ = await served.deliver(signed_text("+19025557005", "thanks"))
    await wait_until(lambda: asyncio.to_thread(served.read_side_level), within=10, what="level")
    alarm_ticks = served.runtime.worker.ticks + 3
    await wait_until(lambda: served.runtime.worker.ticks >= alarm_ticks, within=10, what="ticks")
    assert len(served.staff.alerts) == 1
    assert "conversations skipped event" in served.staff.alerts[0].body
