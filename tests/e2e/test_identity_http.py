"""Who claw answers: customers on the venue's lines, and nobody else.

Each story posts what OpenPhone would post to claw's app (in process) and checks
what was recorded, answered and alerted. Absence is proven behind a barrier: a
customer's text sent afterwards is answered first, and the worker handles texts
in the order they were recorded.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp.test_utils import TestClient, TestServer
from e2e_support import SIGNING_KEY, event_names, signed_text, wait_until

from claw_adapters.fakes.memory import MemoryDevices, MemoryDoors, MemoryMessenger, MemoryStaff
from claw_adapters.fakes.openphone import message_received, signed_legacy_webhook
from claw_adapters.openphone import PayloadGeneration
from claw_domain.identity import conversation_id, set_aside_sender_id
from claw_entrypoints.bootstrap import bootstrap, effect_ports
from claw_entrypoints.config import load_config
from claw_entrypoints.demo import VENUE_LINE
from claw_entrypoints.runtime import Runtime
from claw_entrypoints.web.app import create_web_app

STAFF_PHONE = "+19025558888"
OTHER_LINE = "+19025559999"  # a line that is not the venue's


@attrs.define
class Venue:
    client: TestClient[Any, Any]
    runtime: Runtime
    messenger: MemoryMessenger
    staff: MemoryStaff

    async def deliver(
        self, sender: str, text: str, *, to: str = VENUE_LINE, message_id: str | None = None
    ) -> dict[str, Any]:
        payload = message_received(
            PayloadGeneration.APP,
            text=text,
            customer=sender,
            venue=to,
            created_at=datetime.now(UTC),
            message_id=message_id,
        )
        body, headers = signed_legacy_webhook(payload, SIGNING_KEY, _now_ms())
        answer = await self.client.post("/webhooks/openphone", data=body, headers=headers)
        assert answer.status in (200, 202), await answer.text()
        document: dict[str, Any] = await answer.json()
        return document

    async def answered_after(self, customer: str) -> None:
        """The barrier: a customer's text, then wait for its answer."""
        body, headers = signed_text(customer, "what are your hours?")
        answer = await self.client.post("/webhooks/openphone", data=body, headers=headers)
        assert answer.status == 202
        await wait_until(
            lambda: any(to == customer for to, _ in self.messenger.sent),
            within=10,
            what=f"the answer to {customer}",
        )

    def texted(self, number: str) -> list[str]:
        return [body for to, body in self.messenger.sent if to == number]

    def has_conversation(self, sender: str, line: str = VENUE_LINE) -> bool:
        return bool(event_names(self.runtime.app, conversation_id(line, sender)))

    def set_aside_events(self, sender: str) -> list[str]:
        return event_names(self.runtime.app, set_aside_sender_id(sender))


def _now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
async def venue(tmp_path: Path) -> AsyncIterator[Venue]:
    config = load_config(
        {
            "CLAW_DATABASE_URL": f"sqlite:///{tmp_path / 'claw.db'}",
            "CLAW_DEBOUNCE_SECONDS": "0.2",
            "CLAW_OPENPHONE_WEBHOOK_KEY": SIGNING_KEY,
            "CLAW_STAFF_NUMBER": STAFF_PHONE,
        }
    )
    messenger, staff = MemoryMessenger(), MemoryStaff()
    ports = effect_ports(
        messenger=messenger, devices=MemoryDevices(), doors=MemoryDoors(), staff=staff
    )
    runtime = await bootstrap(config, ports=ports)
    async with TestClient(TestServer(create_web_app(runtime), host="127.0.0.1")) as client:
        yield Venue(client, runtime, messenger, staff)


async def test_the_staff_phone_and_the_venues_own_lines_are_never_customers(
    venue: Venue,
) -> None:
    staff_says = await venue.deliver(STAFF_PHONE, "what are your hours? (testing)")
    own_line_says = await venue.deliver("+19025550101", "what are your hours?")

    await venue.answered_after("+19025553001")

    assert (staff_says["status"], staff_says["reason"]) == ("set_aside", "staff_number")
    assert (own_line_says["status"], own_line_says["reason"]) == ("set_aside", "own_number")
    assert venue.texted(STAFF_PHONE) == []
    assert venue.texted("+19025550101") == []
    assert venue.staff.alerts == []
    assert not venue.has_conversation(STAFF_PHONE)
    assert venue.set_aside_events(STAFF_PHONE) == ["SenderFirstSetAside", "TextSetAside"]


async def test_a_text_to_a_line_that_is_not_the_venues_is_recorded_and_ignored(
    venue: Venue,
) -> None:
    said = await venue.deliver("+19025553002", "what are your hours?", to=OTHER_LINE)

    await venue.answered_after("+19025553003")

    assert (said["status"], said["reason"]) == ("set_aside", "not_our_line")
    assert venue.texted("+19025553002") == []
    assert venue.staff.alerts == []
    assert not venue.has_conversation("+19025553002", OTHER_LINE)
    assert not venue.has_conversation("+19025553002")
    assert venue.set_aside_events("+19025553002") == ["SenderFirstSetAside", "TextSetAside"]


async def test_a_malformed_sender_is_recorded_and_staff_hear_once_an_hour_per_number(
    venue: Venue,
) -> None:
    flood = [await venue.deliver("not-a-number", f"hours? {n}") for n in range(3)]
    other = await venue.deliver("12345", "hours?", message_id="ACmalformed1")
    retried = await venue.deliver("12345", "hours?", message_id="ACmalformed1")

    await wait_until(lambda: len(venue.staff.alerts) >= 2, within=10, what="two staff alerts")
    await venue.answered_after("+19025553004")

    assert {(said["status"], said["reason"]) for said in [*flood, other]} == {
        ("set_aside", "malformed_sender")
    }
    assert len(venue.staff.alerts) == 2  # one per number, not one per text
    assert venue.texted("not-a-number") == []
    assert venue.texted("12345") == []
    assert not venue.has_conversation("not-a-number")
    assert venue.set_aside_events("not-a-number") == ["SenderFirstSetAside"] + ["TextSetAside"] * 3
    # A webhook retried by the vendor is recorded once.
    assert retried["status"] == "duplicate"
    assert venue.set_aside_events("12345") == ["SenderFirstSetAside", "TextSetAside"]


async def test_a_formatted_sender_is_normalised_and_answered_as_a_customer(venue: Venue) -> None:
    said = await venue.deliver("+1 (902) 555-3005", "what are your hours?")

    assert said["status"] == "accepted"
    await wait_until(lambda: bool(venue.texted("+19025553005")), within=10, what="the answer")
