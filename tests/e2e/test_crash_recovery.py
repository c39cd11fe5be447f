"""kill -9 in the middle of the work, restart, and nothing is lost or done twice.

`claw serve` runs as a real process on a SQLite file; the fake vendors run in the
test. Each story kills the server at one point of processing, starts it again on
the same database, and checks the log and the vendors: every text decided once,
every reply sent, a reset never repeated, an interrupted one raised with staff.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from e2e_support import (
    LaunchServer,
    conversation_of,
    decisions_of,
    event_names,
    every_text_decided_once,
    post,
    reader,
    server_environment,
    settled,
    signed_text,
    wait_until,
)

from claw_adapters.fakes.ninjaone import FaultKind, NinjaRoute
from claw_domain.outbox import ReplyStatus
from claw_domain.pending_action import ActionStatus
from claw_entrypoints.demo import STAFF_NUMBER, DemoVendors
from claw_service.application import ClawApplication

GIFT_CARDS = "Hi! Do you sell gift cards?"
FROZEN = "The trackman in box 3 at Dartmouth is frozen"
DARTMOUTH_BOX_3 = 2053


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'claw.db'}"


@pytest.fixture
def view(vendors: DemoVendors, database: str) -> Iterator[ClawApplication]:
    app = reader(server_environment(vendors, database))
    try:
        yield app
    finally:
        app.close()


def texts_to(vendors: DemoVendors, number: str) -> list[str]:
    return [m.content for m in vendors.openphone.sent if m.to == number]


async def until_settled(app: ClawApplication, *customers: str) -> None:
    conversations = [conversation_of(customer) for customer in customers]
    await wait_until(
        lambda: asyncio.to_thread(settled, app, conversations),
        within=20,
        what="every text decided and every effect done",
        every=0.2,
    )


def assert_nothing_lost(app: ClawApplication, customer: str) -> None:
    every_text_decided_once(app, conversation_of(customer))
    replies = app.texts_of(app.conversation(conversation_of(customer)))
    assert [r.status for r in replies] == [ReplyStatus.SENT] * len(replies)


async def test_a_text_acknowledged_just_before_a_crash_is_answered_after_the_restart(
    vendors: DemoVendors, database: str, servers: LaunchServer, view: ClawApplication
) -> None:
    customer = "+19025553001"
    # A debounce long enough that the kill lands before claw looks at the text.
    server = servers(server_environment(vendors, database, debounce=1.5), "claw")
    await server.start()
    async with aiohttp.ClientSession() as session:
        status, _ = await post(session, server.url, signed_text(customer, GIFT_CARDS))
        assert status == 202
        await server.kill()
        assert event_names(view, conversation_of(customer))[-1] == "TextReceived"
        assert vendors.openphone.sent == []

        await server.start()
        await until_settled(view, customer)

    assert decisions_of(view, conversation_of(customer)) == [("respond", "answered_from_knowledge")]
    assert len(texts_to(vendors, customer)) == 1
    assert_nothing_lost(view, customer)

    # The server's own log: readable timestamps, no full customer number.
    await server.stop()
    records = [json.loads(line) for line in server.log_lines() if line.startswith("{")]
    assert records
    assert all(record["timestamp"].startswith("20") for record in records)
    assert all("*" not in record.get("correlation_id", "") for record in records)
    assert customer not in "\n".join(server.log_lines())


async def test_a_reset_interrupted_by_a_crash_is_never_repeated_and_staff_hear_of_it(
    vendors: DemoVendors, database: str, servers: LaunchServer, view: ClawApplication
) -> None:
    customer = "+19025553002"
    server = servers(server_environment(vendors, database), "claw")
    await server.start()
    async with aiohttp.ClientSession() as session:
        assert (await post(session, server.url, signed_text(customer, FROZEN)))[0] == 202
        await wait_until(
            lambda: bool(texts_to(vendors, customer)), within=15, what="the confirmation request"
        )

        # NinjaOne will run the script and then never answer; claw dies waiting.
        vendors.ninjaone.fail_next(FaultKind.HANG, route=NinjaRoute.SCRIPT_RUN)
        assert (await post(session, server.url, signed_text(customer, "yes")))[0] == 202
        await wait_until(
            lambda: len(vendors.ninjaone.script_runs) == 1, within=15, what="the script run"
        )
        action_id = view.conversation(conversation_of(customer)).last_action_id
        assert action_id is not None
        assert event_names(view, action_id)[-1] == "ExecutionStarted"
        await server.kill()

        await server.start()
        await until_settled(view, customer)

    assert [run.device_id for run in vendors.ninjaone.script_runs] == [DARTMOUTH_BOX_3]
    action = view.pending_action(action_id)
    assert action.status is ActionStatus.OUTCOME_UNKNOWN
    assert decisions_of(view, conversation_of(customer)) == [
        ("request_confirmation", "confirmation_required"),
        ("execute", "customer_confirmed"),
    ]
    staff_texts = texts_to(vendors, STAFF_NUMBER)
    assert len(staff_texts) == 1
    assert "outcome unknown" in staff_texts[0].lower()
    to_customer = texts_to(vendors, customer)
    assert len(to_customer) == 2  # the confirmation request, then "we could not tell"
    assert_nothing_lost(view, customer)


async def test_a_reply_whose_send_was_cut_off_by_a_crash_is_sent_after_the_restart(
    vendors: DemoVendors, database: str, servers: LaunchServer, view: ClawApplication
) -> None:
    customer = "+19025553003"
    server = servers(server_environment(vendors, database), "claw")
    await server.start()
    async with aiohttp.ClientSession() as session:
        # OpenPhone takes the text and keeps its answer back; claw dies waiting.
        vendors.openphone.hang_next()
        assert (await post(session, server.url, signed_text(customer, GIFT_CARDS)))[0] == 202
        await wait_until(
            lambda: bool(vendors.openphone.sent),
            within=15,
            what="the reply to reach OpenPhone",
        )
        await server.kill()
        texts = view.texts_of(view.conversation(conversation_of(customer)))
        assert any(text.is_queued for text in texts)

        await server.start()
        await until_settled(view, customer)

    # At least once: the send whose answer was lost may have gone out too.
    assert 1 <= len(texts_to(vendors, customer)) <= 2
    assert decisions_of(view, conversation_of(customer)) == [("respond", "answered_from_knowledge")]
    assert_nothing_lost(view, customer)
